// `npm start`: build the library and the bridge, then run the chat demo.
// `--no-build` skips the build (dist/ must be current; the tests use it).
//   PORT=8080 (HTTP + WebSocket), DEMO_HOST=127.0.0.1 (DEMO_HOST=0.0.0.0 to try it from a phone),
//   CHAT_PORT=9339 (the TCP chat server, on 127.0.0.1; busy: any free port).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startDemo, type Demo } from './demo.js';

const root = join(import.meta.dirname, '..');

function envPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`npm start: ${name} must be a port number (0-65535), not "${raw}"`);
    process.exit(2);
  }
  return port;
}

const port = envPort('PORT', 8080);
const chatPort = envPort('CHAT_PORT', 9339);
const host = process.env.DEMO_HOST || '127.0.0.1';

if (!process.argv.includes('--no-build')) {
  console.log('Building (rollup -c)...');
  const build = spawnSync(join(root, 'node_modules', '.bin', 'rollup'), ['-c', '--silent'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) {
    console.error('npm start: the build failed (see above)');
    process.exit(1);
  }
}

const chatLog = (line: string) => console.log(`chat    ${line}`);
const bridgeLog = (line: Record<string, unknown>) => {
  if (line.event === 'listening') return; // the banner below says it
  if (line.event === 'connection') {
    console.log(
      `bridge  ${String(line.path)} -> ${String(line.target)} closed (${String(line.reason)}), ${Number(line.bytesToTarget)} B up, ${Number(line.bytesToClient)} B down`,
    );
  } else if (line.event === 'warning') {
    console.log(`bridge  note: ${String(line.message)}`);
  } else if (line.level === 'warn' || line.level === 'error' || line.event === 'refused') {
    const { time: _time, level, event, ...rest } = line;
    console.log(`bridge  ${String(level)} ${String(event)} ${JSON.stringify(rest)}`);
  }
};

let demo: Demo;
try {
  demo = await startDemo({ port, host, chatPort, chatLog, bridgeLog }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EADDRINUSE' || chatPort === 0 || !String(err.message).includes(String(chatPort))) throw err;
    console.log(`TCP port ${chatPort} is busy; the chat server takes a free one.`);
    return startDemo({ port, host, chatPort: 0, chatLog, bridgeLog });
  });
} catch (err) {
  console.error(`npm start: ${(err as Error).message}`);
  process.exit(1);
}

console.log(`
XMLSocket chat demo
  AS2-style page  ${demo.url}
  AS3-style page  ${demo.url}as3.html
  chat server     TCP 127.0.0.1:${demo.chatPort} (NUL-terminated XML; knows nothing of the web)
  bridge          ${demo.url.replace(/^http/, 'ws')} -> 127.0.0.1:${demo.chatPort}
  plain TCP       clients join on the same port: ${demo.url.replace(/^http:\/\//, '').replace(/\/$/, '')} (raw XMLSocket, as a desktop Flash player)

Open the page in two windows and chat. Ctrl-C stops everything.
`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) process.exit(1); // a second Ctrl-C: don't wait
  stopping = true;
  console.log(`\n${signal}: stopping the bridge and the chat server...`);
  await demo.close();
  console.log('Stopped.');
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
