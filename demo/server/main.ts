// Runs the chat server on its own:
//   node --import tsx demo/server/main.ts [--port 9339] [--host 127.0.0.1] [--world HOST:PORT]
// With --world it is a login server that sends every player on to that world server.
import { parseArgs } from 'node:util';
import { startChatServer } from './chat-server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9339' },
    host: { type: 'string', default: '127.0.0.1' },
    world: { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`chat server: --port must be 0-65535, not "${values.port}"`);
  process.exit(2);
}

let world: { host: string; port: number } | undefined;
if (values.world !== undefined) {
  const m = /^(.+):([0-9]+)$/.exec(values.world);
  world = m ? { host: m[1]!, port: Number(m[2]) } : undefined;
  if (!world || world.port < 1 || world.port > 65535) {
    console.error(`chat server: --world must be HOST:PORT, not "${values.world}"`);
    process.exit(2);
  }
}

try {
  const log = (line: string) => console.log(`chat: ${line}`);
  const server = await startChatServer({ port, host: values.host, world, log });
  const role = world ? `login server for ${world.host}:${world.port}` : 'TCP, NUL-terminated XML';
  console.log(`chat server listening on ${server.host}:${server.port} (${role})`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`chat server: ${(err as Error).message}`);
  process.exit(2);
}
