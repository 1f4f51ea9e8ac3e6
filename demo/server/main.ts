// Runs the chat server on its own:
//   node --import tsx demo/server/main.ts [--port 9339] [--host 127.0.0.1]
import { parseArgs } from 'node:util';
import { startChatServer } from './chat-server.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '9339' }, host: { type: 'string', default: '127.0.0.1' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`chat server: --port must be 0-65535, not "${values.port}"`);
  process.exit(2);
}

try {
  const server = await startChatServer({ port, host: values.host, log: (line) => console.log(`chat: ${line}`) });
  console.log(`chat server listening on ${server.host}:${server.port} (TCP, NUL-terminated XML)`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`chat server: ${(err as Error).message}`);
  process.exit(2);
}
