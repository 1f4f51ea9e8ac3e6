// The commands in README.md and docs/**.md that start something (`npm start`, `npm run
// demo:server`, `xmlsocket-bridge …`, `npx xmlsocket-bridge …`), run as written, with
// two changes the shared test machine needs: listening addresses become 127.0.0.1 port 0
// (a free port; never a fixed one), and `npm start` skips its build (`-- --no-build`;
// `npm test` has just built, and the e2e suite runs the build path). Each must come up
// (its ready line, then an answer on its port) and stop on SIGTERM.
// A shell block that cannot run here is marked in its fence (```sh fragment) and listed.
// Run after a build (`npm test` builds first).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { allBlocks, ROOT, where, type Block } from './markdown.js';

const WAIT_MS = 60_000; // upper bound for a command to come up or stop; nothing is timed
const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);

interface Command {
  block: Block;
  text: string;
  env: Record<string, string>;
  words: string[];
}

/** Splits a command line into words (plain, '…' and "…" quoting, as the docs use). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The commands of a shell block that start a server. */
function startCommands(block: Block): Command[] {
  const found: Command[] = [];
  const lines = block.code.replace(/\\\n\s*/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.replace(/\s+#\s.*$/, '').trim();
    for (const part of line.split('&&').map((p) => p.trim())) {
      const all = words(part);
      const env: Record<string, string> = {};
      while (all.length > 0 && /^[A-Z_]+=/.test(all[0]!)) {
        const [k, ...v] = all.shift()!.split('=');
        env[k!] = v.join('=');
      }
      if (all[0] === 'npx') all.shift();
      const starts =
        (all[0] === 'npm' && all[1] === 'start') ||
        (all[0] === 'npm' && all[1] === 'run' && all[2] === 'demo:server') ||
        all[0] === 'xmlsocket-bridge';
      if (starts) found.push({ block, text: part, env, words: all });
    }
  }
  return found;
}

// A shell block marked `sh fragment` (e.g. one that needs certificates or a fleet of
// machines) is not run; the test lists it.
const shellBlocks = allBlocks().filter((b) => SHELL_LANGS.has(b.lang));
const skipped = shellBlocks.filter((b) => b.markers.includes('fragment'));
const commands = shellBlocks
  .filter((b) => !skipped.includes(b))
  .flatMap(startCommands)
  // The same command in several places is run once.
  .filter((c, i, all) => all.findIndex((o) => o.text === c.text) === i);

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'docs-commands-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the docs show the commands that start the demo and the bridge', () => {
  console.log(`# ${commands.length} start commands: ${commands.map((c) => c.text).join(' | ')}`);
  for (const b of skipped) console.log(`#   not run (sh fragment): ${where(b)}`);
  assert.ok(
    commands.some((c) => c.words[0] === 'npm' && c.words[1] === 'start'),
    'npm start',
  );
  assert.ok(
    commands.some((c) => c.words[0] === 'xmlsocket-bridge'),
    'xmlsocket-bridge',
  );
});

/** The JSON block closest above `block` in the same file (a config file the command names). */
function configAbove(block: Block): string {
  const json = allBlocks().filter((b) => b.file === block.file && b.lang === 'json' && b.line < block.line);
  assert.ok(json.length > 0, `${where(block)}: no JSON block above for the config file`);
  const config = JSON.parse(json.at(-1)!.code) as Record<string, unknown>;
  return JSON.stringify({ ...config, listen: '127.0.0.1:0' });
}

/** What to run for a documented command, and how to tell it is ready. */
function plan(c: Command): { argv: string[]; env: Record<string, string>; cwd: string; ready: RegExp } {
  if (c.words[0] === 'npm' && c.words[1] === 'start') {
    return {
      argv: ['npm', 'start', '--', '--no-build'],
      // Every port variable the command sets becomes 0; the demo stays on loopback.
      env: { ...c.env, PORT: '0', CHAT_PORT: '0', DEMO_HOST: '127.0.0.1' },
      cwd: ROOT,
      ready: /AS2-style page\s+http:\/\/(localhost|[\d.]+):(\d+)\//,
    };
  }
  if (c.words[0] === 'npm') {
    const args = c.words.slice(3);
    const at = args.indexOf('--port');
    if (at >= 0) args[at + 1] = '0';
    return { argv: [...c.words.slice(0, 3), ...args], env: c.env, cwd: ROOT, ready: /listening on ([\d.]+):(\d+)/ };
  }
  const args = c.words.slice(1);
  const listen = args.indexOf('--listen');
  if (listen >= 0) args[listen + 1] = '127.0.0.1:0';
  const config = args.indexOf('--config');
  if (config >= 0) writeFileSync(join(dir, args[config + 1]!), configAbove(c.block));
  if (listen < 0 && config < 0) args.push('--listen', '127.0.0.1:0');
  return {
    argv: [process.execPath, join(ROOT, 'dist', 'cli.js'), ...args],
    env: c.env,
    cwd: dir,
    ready: /"event":"listening".*"address":"([\d.]+):(\d+)"/,
  };
}

/** GET /healthz on a raw connection that starts with a PROXY v1 header; the whole response. */
function healthBehindProxyHeader(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host, () =>
      s.write(
        `PROXY TCP4 192.0.2.1 ${host} 40000 ${port}\r\nGET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    let response = '';
    s.on('data', (d: Buffer) => (response += d.toString()));
    s.on('end', () => resolve(response));
    s.on('error', reject);
  });
}

for (const c of commands) {
  test(`${where(c.block)}: ${c.text}`, async () => {
    const { argv, env, cwd, ready } = plan(c);
    // Its own process group, so SIGTERM reaches npm and the node it starts, and only them.
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const guard = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 2 * WAIT_MS);
    try {
      const address = await new Promise<{ host: string; port: number }>((resolve, reject) => {
        const look = (d: Buffer) => {
          output += d.toString();
          const m = ready.exec(output);
          // The demo names itself localhost when it listens on 127.0.0.1.
          if (m) resolve({ host: m[1] === 'localhost' ? '127.0.0.1' : m[1]!, port: Number(m[2]) });
        };
        child.stdout.on('data', look);
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        void exited.then(() => reject(new Error(`exited before it was ready:\n${output}`)));
        setTimeout(() => reject(new Error(`no ready line ${ready} within ${WAIT_MS} ms:\n${output}`)), WAIT_MS).unref();
      });
      assert.equal(address.host, '127.0.0.1');
      // It answers on the port it announced.
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(address.port, address.host, () => {
          s.end();
          resolve();
        });
        s.on('error', reject);
      });
      if (argv.includes('npm') && argv.includes('start')) {
        const page = await fetch(`http://${address.host}:${address.port}/`);
        assert.equal(page.status, 200);
      } else if (argv.includes('--proxy-protocol')) {
        // It expects a balancer's PROXY header before the request, as HAProxy sends it.
        assert.match(await healthBehindProxyHeader(address.host, address.port), /^HTTP\/1\.1 200 /);
      } else if (!argv.includes('npm')) {
        const health = await fetch(`http://${address.host}:${address.port}/healthz`);
        assert.equal(health.status, 200);
      }
      process.kill(-child.pid!, 'SIGTERM');
      const { code, signal } = await exited;
      // The bridge and the demo exit 0 on SIGTERM; npm, signalled with them, may report the signal.
      assert.ok(
        code === 0 || (argv[0] === 'npm' && (signal === 'SIGTERM' || code === 143)),
        `exit ${code} ${signal}:\n${output}`,
      );
    } finally {
      clearTimeout(guard);
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });
}
