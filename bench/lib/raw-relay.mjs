// The floor for a relay written in Node: a plain TCP-to-TCP relay with no WebSocket,
// no framing, no timers and no counters, in its own process. setNoDelay on both
// sockets, each chunk written as it is read. Usage: raw-relay.mjs TARGET_PORT; prints
// its own port on stdout.
import net from 'node:net';

const targetPort = Number(process.argv[2]);
const server = net.createServer((client) => {
  const target = net.connect(targetPort, '127.0.0.1');
  client.setNoDelay(true);
  target.setNoDelay(true);
  client.on('data', (chunk) => target.write(chunk));
  target.on('data', (chunk) => client.write(chunk));
  const end = () => {
    client.destroy();
    target.destroy();
  };
  client.on('error', end).on('close', end);
  target.on('error', end).on('close', end);
});
server.maxConnections = 1e6;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
