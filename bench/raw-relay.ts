// The floor for any relay written in Node: plain TCP to plain TCP, no WebSocket, no
// framing, no timers, no counters, Nagle off on both sockets, each chunk written as it
// is read. Run in a process of its own: `raw-relay.ts TARGET_PORT` prints its port.
import net, { type AddressInfo } from 'node:net';

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
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () =>
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`),
);
process.on('SIGTERM', () => process.exit(0));
