// A TCP echo server in its own process (it holds one fd per bridged connection).
// Prints its port on stdout.
import net from 'node:net';

const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.on('error', () => {});
  s.pipe(s);
});
server.maxConnections = 19_000;
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => process.stdout.write(`${server.address().port}\n`));
process.on('disconnect', () => process.exit(0));
