// Shared fixtures for the bridge tests: real TCP servers, bridges and WebSocket
// clients, all on 127.0.0.1 with ephemeral ports.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { WebSocket, type ClientOptions } from 'ws';
import { createBridge, type Bridge, type BridgeOptions, type LogLine } from '../../src/bridge.js';
import { firstLine, HOST, start } from '../servers/processes.js';

export { HOST };
export { echo } from '../servers/tcp-echo.js';

/** A TCP server that records every connection it accepts. */
export interface TcpServer {
  port: number;
  address: string;
  /** Connections accepted so far. */
  accepted: number;
  sockets: Socket[];
  /** Resolves with the next socket accepted (or the n-th, counting from 1). */
  socket(n?: number): Promise<Socket>;
  close(): Promise<void>;
}

/** Starts a TCP server; `onSocket` decides what each connection does (default: nothing). */
export async function tcpServer(onSocket: (s: Socket) => void = () => {}): Promise<TcpServer> {
  const waiters: { n: number; resolve: (s: Socket) => void }[] = [];
  const sockets: Socket[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => {});
    sockets.push(s);
    result.accepted += 1;
    onSocket(s);
    for (const w of waiters.filter((w) => w.n === sockets.length)) w.resolve(s);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as AddressInfo).port;
  const result: TcpServer = {
    port,
    address: `${HOST}:${port}`,
    accepted: 0,
    sockets,
    socket(n = sockets.length + 1) {
      if (sockets.length >= n) return Promise.resolve(sockets[n - 1]!);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return result;
}

/** A running bridge with its captured log lines. */
export interface TestBridge {
  bridge: Bridge;
  port: number;
  logs: LogLine[];
  url(path?: string): string;
  close(): Promise<void>;
}

/** Starts a bridge on an ephemeral loopback port, capturing its log lines. */
export async function startBridge(options: BridgeOptions): Promise<TestBridge> {
  const logs: LogLine[] = [];
  const bridge = createBridge({ listen: `${HOST}:0`, log: (l) => logs.push(l), ...options });
  const { port } = await bridge.listen();
  return {
    bridge,
    port,
    logs,
    url: (path = '/') => `ws://${HOST}:${port}${path}`,
    close: () => bridge.close(),
  };
}

/** Opens a WebSocket; resolves once open, rejects with the HTTP status if refused. */
export function openWs(url: string, protocols?: string | string[], options: ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}

/** Resolves with the close code and reason of a WebSocket. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve({ code: -1, reason: 'already closed' });
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Collects messages from a WebSocket. */
export function collect(ws: WebSocket): {
  frames: { data: Buffer; binary: boolean }[];
  bytes(): Buffer;
  next(n: number): Promise<void>;
} {
  const frames: { data: Buffer; binary: boolean }[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  ws.on('message', (data, binary) => {
    frames.push({ data: data as Buffer, binary });
    for (const w of waiters.filter((w) => frames.length >= w.n)) w.resolve();
  });
  return {
    frames,
    bytes: () => Buffer.concat(frames.map((f) => f.data)),
    next: (n) => (frames.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

/** Reads from a TCP socket until `n` bytes arrived. */
export function readBytes(s: Socket, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= n) {
        s.removeListener('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    s.on('data', onData);
    s.once('close', () => got < n && reject(new Error(`socket closed after ${got} of ${n} bytes`)));
  });
}

/**
 * Sends a WebSocket handshake with an exact, unnormalised path (clients like `ws`
 * resolve `..` and re-encode) and returns the HTTP status: 101 when accepted.
 */
export function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: HOST,
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Plain HTTP GET on loopback. */
export function httpGet(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET /metrics: checks it is Prometheus text, and returns each sample's value by its name and labels. */
export async function metricsOf(port: number): Promise<Map<string, number>> {
  const res = await httpGet(port, '/metrics');
  assert.equal(res.status, 200, res.body.toString());
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const values = new Map<string, number>();
  for (const line of res.body.toString().split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [name, value] = line.split(' ');
    values.set(name!, Number(value));
  }
  return values;
}

/** Polls `condition` until true; fails after `timeoutMs` (a generous upper bound, not a timing assertion). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets pending I/O run, so a connection that was going to arrive has arrived. */
export function settle(ms = 100): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Ports closedPort() handed out in this process: each goes to one caller only. */
const handedOut = new Set<number>();

/** The kernel's range for listen(0) (Linux), else its usual default. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && low > 0 && high >= low) return [low, high];
  } catch {
    // Not Linux: the usual default below.
  }
  return [32768, 60999];
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, HOST, () => s.close(() => resolve(true)));
  });
}

/**
 * A port nothing listens on, for a test to expect refused or to start a server of its
 * own on (websockify). Taken outside the range the kernel hands out for listen(0): a
 * port that was merely free a moment ago can go to the next server any test starts
 * (the three engines' tests run at once), and then "refused" connects somewhere, or
 * websockify cannot bind. Above 11000, so no browser refuses it as a bad port.
 */
export async function closedPort(): Promise<number> {
  const [low, high] = ephemeralRange();
  const [from, to] = low > 12000 ? [11000, low - 1] : [high + 1, 65535];
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    if (handedOut.has(port) || !(await isFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

/**
 * A port that is listening but never completes new TCP handshakes: a child process
 * listens with a backlog of 1 (0 means the default to Node), is stopped (SIGSTOP) so it never accepts, and the
 * queue is filled, so further SYNs go unanswered.
 */
export async function blackholePort(): Promise<{ port: number; close(): void }> {
  const { child } = start(
    process.execPath,
    [
      '-e',
      `
    const s = require('net').createServer();
    s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => process.stdout.write(s.address().port + '\\n'));
  `,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = Number(await firstLine(child));
  child.kill('SIGSTOP');
  const fillers: Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const f = net.connect(port, HOST);
    f.on('error', () => {});
    fillers.push(f);
  }
  await settle(200);
  return {
    port,
    close() {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL');
    },
  };
}
