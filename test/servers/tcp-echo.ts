// The TCP echo server that the tests and the benchmarks share: every byte a
// connection sends comes back to it. In this process, `echo` is a connection handler
// (`tcpServer(echo)` in test/bridge/helpers.ts). In a process of its own
// (`startTcpEchoProcess()`, or `node --import tsx test/servers/tcp-echo.ts`, which
// prints its port), it can hold many connections and stays out of the CPU and memory
// of whatever it is measured behind.
import net, { type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { firstLine, HOST, startNodeScript, type Started } from './processes.js';

/** Echoes what `socket` sends, at the pace its peer reads (pipe), with Nagle off. */
export function echo(socket: Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.pipe(socket);
}

/** The echo server in a child process of its own. */
export async function startTcpEchoProcess(): Promise<Started & { port: number }> {
  const started = startNodeScript(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'pipe', 'inherit'] });
  return { ...started, port: Number(await firstLine(started.child)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = net.createServer(echo);
  // A deep backlog: the stress test opens thousands of connections at once.
  server.listen({ host: HOST, port: 0, backlog: 4096 }, () =>
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`),
  );
  process.on('SIGTERM', () => process.exit(0));
  // Started with an IPC channel, it goes when its parent does.
  process.on('disconnect', () => process.exit(0));
}
