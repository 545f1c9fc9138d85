// A small HTTP server with a deliberate leak, for tests/capture.rs: every GET /leak keeps a
// `LeakedRequest` (with a 10 kB string) in a module-level `RequestLog`, so a Comparison of
// snapshots taken around N requests shows +N `LeakedRequest`. GET / answers without leaking;
// GET /grow adds a million small objects.
// Started without inspector flags (captured by pid) or with --inspect=127.0.0.1:0 (by address).
// Prints "listening http://127.0.0.1:PORT" on stdout once it accepts connections.
'use strict';
const http = require('http');

class LeakedRequest {
  constructor(url, n) {
    this.url = url;
    this.n = n;
    this.body = 'x'.repeat(10000) + n;
  }
}

class RequestLog {
  constructor() {
    this.entries = [];
  }
}

const requestLog = new RequestLog();
const ballast = [];
let served = 0;

const server = http.createServer((req, res) => {
  served += 1;
  if (req.url === '/leak') {
    requestLog.entries.push(new LeakedRequest(req.url, served));
  } else if (req.url === '/grow') {
    // A big heap (a million small objects), so that a snapshot takes long enough to be
    // interrupted by the kill test.
    for (let i = 0; i < 1e6; i++) ballast.push({ i });
  }
  res.setHeader('content-type', 'text/plain');
  res.end(`ok ${served} ${requestLog.entries.length}\n`);
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}\n`);
});
