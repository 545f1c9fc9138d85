// A server that handles SIGUSR1 itself: Node then does not open its inspector on the signal.
// Prints "listening http://127.0.0.1:PORT" first; GET / answers how many signals it got.
const http = require('http');
let signals = 0;
process.on('SIGUSR1', () => {
  signals += 1;
});
const server = http.createServer((req, res) => res.end(`signals ${signals}\n`));
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
