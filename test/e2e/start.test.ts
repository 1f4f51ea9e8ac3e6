// `npm start` as a process: it prints the URL, serves the pages and the library, and
// stops the bridge and the chat server on SIGINT (Ctrl-C) and SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const WAIT_MS = 30_000; // upper bound for start-up and shutdown; nothing is timed

interface Started {
  child: ChildProcess;
  url: URL;
  chatPort: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts demo/start.ts on free ports (the build is `npm test`'s job) and waits for its banner. */
async function start(): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts', '--no-build'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', CHAT_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + WAIT_MS;
  while (!/chat server\s+TCP 127\.0\.0\.1:\d+/.test(out)) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`no banner from npm start:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = new URL(/AS2-style page\s+(\S+)/.exec(out)![1]!);
  const chatPort = Number(/chat server\s+TCP 127\.0\.0\.1:(\d+)/.exec(out)![1]);
  return { child, url, chatPort, output: () => out, exited };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`npm start serves the demo and stops cleanly on ${signal}`, async () => {
    const demo = await start();
    try {
      assert.equal(demo.url.hostname, 'localhost');
      const page = await fetch(demo.url);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>XMLSocket chat \(AS2 style\)<\/title>/);
      const as3 = await fetch(new URL('as3.html', demo.url));
      assert.match(await as3.text(), /import \{ XMLSocket, configure \} from "\.\/lib\/xmlsocket\.js"/);
      for (const lib of ['lib/xmlsocket.min.js', 'lib/xmlsocket.js']) {
        const res = await fetch(new URL(lib, demo.url));
        assert.equal(res.status, 200, lib);
        assert.match(res.headers.get('content-type') ?? '', /javascript/);
      }
      assert.equal(await refused(demo.chatPort), false, 'the chat server listens');

      demo.child.kill(signal);
      const code = await Promise.race([
        demo.exited,
        new Promise<string>((resolve) => setTimeout(() => resolve('still running'), WAIT_MS)),
      ]);
      assert.equal(code, 0, demo.output());
      assert.match(demo.output(), /Stopped\./);
      assert.equal(await refused(Number(demo.url.port)), true, 'the bridge port is closed');
      assert.equal(await refused(demo.chatPort), true, 'the chat port is closed');
    } finally {
      if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    }
  });
}
