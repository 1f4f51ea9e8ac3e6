// Fixtures for the load-balancer tests: bridge processes from the CLI, and nginx and
// HAProxy started from the committed templates in deploy/, on loopback with free ports,
// everything in a temp dir.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { waitFor } from '../bridge/helpers.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'src', 'bridge', 'cli', 'cli.ts');
/** The example bridge addresses the templates name, replaced by the test's bridges. */
const TEMPLATE_BRIDGES = ['10.0.0.11:8080', '10.0.0.12:8080', '10.0.0.13:8080'];

export interface LogLine {
  event: string;
  level: string;
  ip?: string;
  reason?: string;
  status?: number;
  [k: string]: unknown;
}

/** A bridge process started from the CLI, with its parsed log lines. */
export interface BridgeProcess {
  port: number;
  pid: number;
  lines: LogLine[];
  stderr: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export async function startBridgeProcess(args: string[]): Promise<BridgeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--listen', '127.0.0.1:0', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const b = { child, lines: [] as LogLine[], stderr: '', pid: child.pid!, port: 0 } as BridgeProcess;
  for (const [stream, isErr] of [
    [child.stdout, false],
    [child.stderr, true],
  ] as const) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      if (isErr) b.stderr += d;
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (text.startsWith('{')) b.lines.push(JSON.parse(text) as LogLine);
      }
    });
  }
  b.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  // One process says `listening`; a --workers cluster says `fleet_listening` once all workers do.
  const ready = args.includes('--workers') ? 'fleet_listening' : 'listening';
  await waitFor(() => b.lines.some((l) => l.event === ready) || child.exitCode !== null, 'bridge listening', 60_000);
  const up = b.lines.find((l) => l.event === ready);
  assert.ok(up, `bridge did not start: ${b.stderr}`);
  b.port = Number(String(up.address).split(':').pop());
  return b;
}

/** A port free right now (nginx and HAProxy cannot be told to pick one). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Replaces `from` in `text`, failing if the template no longer contains it. */
function substitute(text: string, from: string | RegExp, to: string): string {
  assert.ok(typeof from === 'string' ? text.includes(from) : from.test(text), `template lost ${String(from)}`);
  return typeof from === 'string' ? text.split(from).join(to) : text.replace(from, to);
}

/** A deploy/ template with its example values replaced, failing if one is no longer there. */
export function fromTemplate(template: string, replacements: [from: string | RegExp, to: string][]): string {
  let text = readFileSync(join(root, 'deploy', template), 'utf8');
  for (const [from, to] of replacements) text = substitute(text, from, to);
  return text;
}

/** Substitutes the template's example bridges and listen port. */
function concrete(template: string, listen: RegExp, listenTo: string, bridgePorts: number[]): string {
  let text = readFileSync(join(root, 'deploy', template), 'utf8');
  TEMPLATE_BRIDGES.forEach((addr, i) => (text = substitute(text, addr, `127.0.0.1:${bridgePorts[i]}`)));
  return substitute(text, listen, listenTo);
}

/** A running load balancer. */
export interface Balancer {
  port: number;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Debian puts nginx and haproxy in /usr/sbin, which a non-root PATH may lack. */
const systemBinary = (name: string) => (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : name);

function run(cmd: string, args: string[], dir: string): { child: ChildProcess; output: () => string } {
  const child = spawn(systemBinary(cmd), args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { child, output: () => out };
}

async function whenAccepting(port: number, child: ChildProcess, output: () => string): Promise<void> {
  let accepting = false;
  const deadline = Date.now() + 30_000;
  while (!accepting) {
    assert.equal(child.exitCode, null, `load balancer exited: ${output()}`);
    assert.ok(Date.now() < deadline, `load balancer not accepting: ${output()}`);
    accepting = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (!accepting) await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(child: ChildProcess, signal: NodeJS.Signals): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  };
}

/**
 * nginx from deploy/nginx.conf: the template is the `http { }` part, wrapped here in a
 * main config that keeps pid, logs and temp files in `dir` and stays in the foreground.
 */
export async function startNginx(dir: string, bridgePorts: number[]): Promise<Balancer & { errorLog(): string }> {
  const port = await freePort();
  const site = concrete('nginx.conf', /listen 80;/, `listen 127.0.0.1:${port};`, bridgePorts);
  writeFileSync(join(dir, 'site.conf'), site);
  return runNginx(dir, port, [
    'http {',
    `  access_log ${join(dir, 'access.log')};`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, `${t}_temp`)};`),
    `  include ${join(dir, 'site.conf')};`,
    '}',
  ]);
}

/** Where Debian's nginx keeps its stream module (libnginx-mod-stream), loaded on demand. */
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/**
 * nginx with a top-level `stream { }` configuration (a deploy/ template made concrete),
 * listening on `port`. Debian builds the stream module as a separate package; .ci/run
 * installs it.
 */
export async function startNginxStream(
  dir: string,
  stream: string,
  port: number,
): Promise<Balancer & { errorLog(): string }> {
  writeFileSync(join(dir, 'stream.conf'), stream);
  const built = spawnSync(systemBinary('nginx'), ['-V'], { encoding: 'utf8' });
  const dynamic = `${built.stdout}${built.stderr}`.includes('--with-stream=dynamic');
  assert.ok(
    !dynamic || existsSync(STREAM_MODULE),
    `nginx's stream module is not installed (${STREAM_MODULE}): apt-get install libnginx-mod-stream`,
  );
  return runNginx(
    dir,
    port,
    [`include ${join(dir, 'stream.conf')};`],
    dynamic ? [`load_module ${STREAM_MODULE};`] : [],
  );
}

/** nginx in the foreground: `modules` to load, a main config that keeps pid and logs in `dir`, then `body`. */
async function runNginx(
  dir: string,
  port: number,
  body: string[],
  modules: string[] = [],
): Promise<Balancer & { errorLog(): string }> {
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      ...modules,
      'daemon off;',
      'master_process off;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'worker_rlimit_nofile 8192;',
      'events { worker_connections 4096; }',
      ...body,
      '',
    ].join('\n'),
  );
  const { child, output } = run('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], dir);
  await whenAccepting(port, child, output);
  return {
    port,
    child,
    output,
    stop: stopper(child, 'SIGTERM'),
    errorLog: () => readFileSync(join(dir, 'error.log'), 'utf8'),
  };
}

/** HAProxy in the foreground from a configuration (a deploy/ template made concrete) that binds `port`. */
export async function startHaproxyConfig(dir: string, cfg: string, port: number): Promise<Balancer> {
  writeFileSync(join(dir, 'haproxy.cfg'), cfg);
  const { child, output } = run('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], dir);
  await whenAccepting(port, child, output);
  return { port, child, output, stop: stopper(child, 'SIGTERM') };
}

/** HAProxy from deploy/haproxy.cfg or deploy/haproxy-tcp.cfg, with a stats socket for the test to read server states. */
export async function startHaproxy(
  dir: string,
  template: string,
  bridgePorts: number[],
): Promise<Balancer & { serverStatus: () => Promise<Map<string, string>> }> {
  const port = await freePort();
  const sock = join(dir, 'haproxy.sock');
  let cfg = concrete(template, /bind :80\n/, `bind 127.0.0.1:${port}\n`, bridgePorts);
  // The machine caps a process at 20,000 open files; HAProxy sizes its fd limit from maxconn.
  cfg = substitute(cfg, /maxconn 20000/, `maxconn 4000\n    stats socket ${sock} mode 600 level admin`);
  const balancer = await startHaproxyConfig(dir, cfg, port);
  const serverStatus = () =>
    new Promise<Map<string, string>>((resolve, reject) => {
      const s = net.connect(sock);
      let text = '';
      s.on('connect', () => s.write('show stat\n'));
      s.setEncoding('utf8').on('data', (d: string) => (text += d));
      s.on('error', reject);
      s.on('close', () => {
        const [header, ...rows] = text
          .replace(/^# /, '')
          .trim()
          .split('\n')
          .map((l) => l.split(','));
        const sv = header!.indexOf('svname');
        const status = header!.indexOf('status');
        resolve(
          new Map(rows.filter((r) => r[0] === 'bridges' && r[sv] !== 'BACKEND').map((r) => [r[sv]!, r[status]!])),
        );
      });
    });
  return { ...balancer, serverStatus };
}

/** A game client: a WebSocket from a chosen loopback address that echoes through the bridge. */
export interface Player {
  ws: WebSocket;
  from: string;
  received: string;
  closeCode: number | undefined;
}

/** Opens a WebSocket from `localAddress`; resolves with the player, or rejects with `{ status }`. */
export function connectPlayer(port: number, localAddress: string): Promise<Player> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, localAddress });
    const player: Player = { ws, from: localAddress, received: '', closeCode: undefined };
    ws.on('message', (d: Buffer) => (player.received += d.toString()));
    ws.on('close', (code) => (player.closeCode = code));
    ws.once('open', () => resolve(player));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

/** Sends one message and waits for its echo (or the connection's end). */
export async function echoOnce(p: Player, text: string): Promise<boolean> {
  const want = p.received.length + text.length;
  p.ws.send(text);
  await waitFor(() => p.received.length >= want || p.closeCode !== undefined, `echo for ${p.from}`, 60_000);
  return p.received.endsWith(text);
}

/** Polls an async condition every 200 ms; fails after `timeoutMs` (a generous bound, not a timing assertion). */
export async function pollUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
