// An HTTP server on eight ports that counts every request it gets, for tests/capture.rs: a
// process started with `--inspect=127.0.0.1:PORT` must be captured by pid without a single
// request to its own ports (`capture --pid` must not go asking them for `/json/list`).
// GET /count answers "requests N" (N counts this request too). Prints
// "listening http://127.0.0.1:PORT" (the first port) once all eight accept connections.
'use strict';
const http = require('http');

let requests = 0;
const ports = [];
const handler = (req, res) => {
  requests += 1;
  res.setHeader('content-type', 'text/plain');
  res.end(`requests ${requests}\n`);
};
for (let i = 0; i < 8; i++) {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1', () => {
    ports.push(server.address().port);
    if (ports.length === 8) {
      process.stdout.write(`listening http://127.0.0.1:${ports[0]}\n`);
    }
  });
}
