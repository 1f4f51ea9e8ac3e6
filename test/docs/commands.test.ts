// The commands in README.md and docs/**.md that start something (`npm start`, `npm run
// demo:server`, `xmlsocket-bridge …`, `npx xmlsocket-bridge …`, `websockify …`), run as
// written, with the changes the shared test machine needs: listening addresses become
// 127.0.0.1 and a free port (never a fixed one), `npm start` skips its build (`--
// --no-build`; `npm test` has just built, and the e2e suite runs the build path), and the
// demo's chat ports on 127.0.0.1 (9339-9349) become TCP echo servers on free ports. What a
// command needs is made in its folder first: the blocks of the same page marked
// `file=NAME` (```text file=tokens), a throwaway certificate for `--cert`/`--key`, a
// folder for `--static`/`--web`. Each must come up (its ready line, then an answer on its
// port: /healthz for the bridge, the page for `--web`) and stop on SIGTERM; a block marked
// `ws=PATH` must also echo a message through a WebSocket at PATH. A bridge command with
// `--print-ruffle-config` must print the JSON of the block that follows it.
// A shell block that cannot run here is marked in its fence (```sh fragment) and listed.
// Run after a build (`npm test` builds first).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { closedPort, echo, tcpServer, type TcpServer } from '../bridge/helpers.js';
import { selfSignedCertificate } from '../servers/self-signed.js';
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
        all[0] === 'xmlsocket-bridge' ||
        all[0] === 'websockify';
      if (starts) found.push({ block, text: part, env, words: all });
    }
  }
  return found;
}

// A shell block marked `sh fragment` (e.g. one that needs certificates or a fleet of
// machines) is not run; the test lists it.
const shellBlocks = allBlocks().filter((b) => SHELL_LANGS.has(b.lang));
const skipped = shellBlocks.filter((b) => b.markers.includes('fragment'));
const found = shellBlocks
  .filter((b) => !skipped.includes(b))
  .flatMap(startCommands)
  // The same command in several places is run once.
  .filter((c, i, all) => all.findIndex((o) => o.text === c.text) === i);
/** Commands that print the Ruffle config and exit, rather than serve. */
const isPrint = (c: Command) => c.words[0] === 'xmlsocket-bridge' && c.words.includes('--print-ruffle-config');
const prints = found.filter(isPrint);
const commands = found.filter((c) => !isPrint(c));

let dir: string;
/** A TCP echo server for each documented demo chat port, started on first use. */
const echoes = new Map<string, Promise<TcpServer>>();
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'docs-commands-'));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const server of echoes.values()) await (await server).close();
});

const DEMO_TARGET = /127\.0\.0\.1:(93[0-4][0-9])\b/g;

/** `text` with each demo chat port on 127.0.0.1 replaced by a live echo server's. */
async function withEchoTargets(text: string): Promise<string> {
  for (const [, port] of text.matchAll(DEMO_TARGET)) {
    if (!echoes.has(port!)) echoes.set(port!, tcpServer(echo));
  }
  let out = text;
  for (const [port, server] of echoes) out = out.replaceAll(`127.0.0.1:${port}`, (await server).address);
  return out;
}

/** The value of `--name VALUE` or `--name=VALUE` in `args`. */
function optionValue(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at >= 0) return args[at + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** Makes what a command names in its folder: `file=` blocks of its page, TLS files, a web folder. */
async function prepare(c: Command, cwd: string): Promise<void> {
  for (const b of allBlocks().filter((b) => b.file === c.block.file)) {
    const name = b.markers.find((m) => m.startsWith('file='))?.slice('file='.length);
    if (name) writeFileSync(join(cwd, name), await withEchoTargets(b.code));
  }
  const certFile = optionValue(c.words, '--cert');
  if (certFile) writeFileSync(join(cwd, certFile), selfSignedCertificate().cert);
  const keyFile = optionValue(c.words, '--key');
  if (keyFile) writeFileSync(join(cwd, keyFile), selfSignedCertificate().key);
  const web = optionValue(c.words, '--static') ?? optionValue(c.words, '--web');
  if (web) {
    mkdirSync(join(cwd, web), { recursive: true });
    writeFileSync(join(cwd, web, 'index.html'), '<!doctype html><title>the game</title>\n');
  }
}

// websockify's options that take a separate value; its first other word is [HOST:]PORT.
const WEBSOCKIFY_VALUES = new Set(['--cert', '--key', '--web', '--token-plugin', '--token-source', '--target-config']);

test('the docs show the commands that start the demo and the bridge', () => {
  console.log(`# ${commands.length} start commands: ${commands.map((c) => c.text).join(' | ')}`);
  console.log(`# ${prints.length} print commands: ${prints.map((c) => c.text).join(' | ')}`);
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
async function plan(c: Command): Promise<{ argv: string[]; env: Record<string, string>; cwd: string; ready: RegExp }> {
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
  const cwd = mkdtempSync(join(dir, 'cmd-'));
  await prepare(c, cwd);
  const args = await Promise.all(c.words.slice(1).map(withEchoTargets));
  if (c.words[0] === 'websockify') {
    // It cannot listen on port 0 and say which port it took: it gets a free one.
    const listenAt = args.findIndex((a, i) => !a.startsWith('-') && !WEBSOCKIFY_VALUES.has(args[i - 1] ?? ''));
    args[listenAt] = `127.0.0.1:${await closedPort()}`;
    return { argv: ['websockify', ...args], env: c.env, cwd, ready: /Listen on ([\d.]+):(\d+)/ };
  }
  const listen = args.indexOf('--listen');
  if (listen >= 0) args[listen + 1] = '127.0.0.1:0';
  const config = args.indexOf('--config');
  if (config >= 0) writeFileSync(join(cwd, args[config + 1]!), configAbove(c.block));
  if (listen < 0 && config < 0) args.push('--listen', '127.0.0.1:0');
  return {
    argv: [process.execPath, join(ROOT, 'dist', 'cli.js'), ...args],
    env: c.env,
    cwd,
    ready: /"event":"listening".*"address":"([\d.]+):(\d+)"/,
  };
}

/** GET over https from a server with the throwaway certificate: the status. */
function httpsStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** Sends a message through a WebSocket at `url` and resolves with the bytes that come back. */
function echoThrough(url: string, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false });
    const chunks: Buffer[] = [];
    ws.on('open', () => ws.send(message));
    ws.on('message', (data: Buffer) => {
      chunks.push(data);
      const got = Buffer.concat(chunks);
      if (got.length >= message.length) {
        ws.close();
        resolve(got);
      }
    });
    ws.on('error', reject);
    ws.on('close', () => reject(new Error(`closed after ${Buffer.concat(chunks).length} bytes`)));
  });
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

for (const c of prints) {
  test(`${where(c.block)}: ${c.text} prints the JSON shown after it`, async () => {
    const blocks = allBlocks().filter((b) => b.file === c.block.file);
    const shown = blocks[blocks.findIndex((b) => b.line === c.block.line) + 1];
    assert.equal(shown?.lang, 'json', `${where(c.block)}: no json block follows to show the output`);
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...c.words.slice(1)], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), JSON.parse(shown.code));
  });
}

for (const c of commands) {
  test(`${where(c.block)}: ${c.text}`, async () => {
    const { argv, env, cwd, ready } = await plan(c);
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
        // websockify says where it listens on stderr.
        child.stderr.on('data', argv[0] === 'websockify' ? look : (d: Buffer) => (output += d.toString()));
        void exited.then(() => reject(new Error(`exited before it was ready:\n${output}`)));
        setTimeout(() => reject(new Error(`no ready line ${ready} within ${WAIT_MS} ms:\n${output}`)), WAIT_MS).unref();
      });
      assert.equal(address.host, '127.0.0.1');
      // It answers on the port it announced (websockify announces it a moment before).
      const deadline = Date.now() + WAIT_MS;
      while (
        !(await new Promise<boolean>((resolve) => {
          const s = net.connect(address.port, address.host, () => {
            s.end();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        }))
      ) {
        assert.ok(Date.now() < deadline, `nothing answers on ${address.port}:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const tls = argv.includes('--cert');
      const base = `${tls ? 'https' : 'http'}://${address.host}:${address.port}`;
      const wsPath = c.block.markers.find((m) => m.startsWith('ws='))?.slice('ws='.length);
      if (wsPath !== undefined) {
        const message = Buffer.from('<ping>through the docs</ping>\0');
        const url = `${tls ? 'wss' : 'ws'}://${address.host}:${address.port}${wsPath}`;
        assert.deepEqual(await echoThrough(url, message), message, url);
      }
      if (argv[0] === 'websockify') {
        if (argv.some((a) => a === '--web' || a.startsWith('--web='))) {
          assert.equal(tls ? await httpsStatus(`${base}/`) : (await fetch(`${base}/`)).status, 200);
        }
      } else if (tls) {
        assert.equal(await httpsStatus(`${base}/healthz`), 200);
      } else if (argv.includes('npm') && argv.includes('start')) {
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
      // The bridge, websockify and the demo exit 0 on SIGTERM; npm, signalled with them, may report the signal.
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
