// The ground every hostile-client case stands on: a real bridge process (the CLI, so its
// memory is its own and a crash shows as an exit), an echo server it may reach, a second
// TCP server it must never reach, and a bystander: a real client that keeps echoing
// throughout, so each case can show that nobody else was hurt.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { echo, HOST, openWs, tcpServer, type TcpServer } from '../bridge/helpers.js';
import { start } from '../servers/processes.js';
import type { ClientOptions } from 'ws';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'src', 'bridge', 'cli', 'cli.ts');

export interface LogLine {
  event: string;
  reason?: string;
  status?: number | null;
  closeCode?: number;
  [field: string]: unknown;
}

/** A bridge process started from the command line. */
export interface BridgeProcess {
  port: number;
  pid: number;
  child: ChildProcess;
  lines: LogLine[];
  /** Resident memory now, from /proc. */
  rssBytes(): number;
  /** Asserts the process is still running (a crash would have ended it). */
  assertAlive(): void;
  stop(): Promise<void>;
}

/** Starts `xmlsocket-bridge` with `args` on an ephemeral loopback port; `shell` wraps it (e.g. `ulimit -n 128`). */
export async function spawnBridge(args: string[], shell?: string): Promise<BridgeProcess> {
  const argv = [process.execPath, '--import', 'tsx', CLI, '--listen', `${HOST}:0`, ...args];
  const started = shell
    ? start('bash', ['-c', `${shell} && exec "$@"`, 'bridge', ...argv], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : start(argv[0]!, argv.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const { child } = started;
  const lines: LogLine[] = [];
  let port = 0;
  let stderr = '';
  const listening = new Promise<void>((resolve, reject) => {
    const read = (stream: NodeJS.ReadableStream, isErr: boolean) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        if (isErr) stderr += d;
        pending += d;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const text = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (!text.startsWith('{')) continue;
          const line = JSON.parse(text) as LogLine & { address?: string };
          lines.push(line);
          // A fleet is up once every worker listens; one process once it does.
          const up = args.includes('--workers') ? 'fleet_listening' : 'listening';
          if (line.event === up) {
            port = Number(String(line.address).split(':').pop());
            resolve();
          }
        }
      });
    };
    read(child.stdout!, false);
    read(child.stderr!, true);
    child.once('exit', (code) => reject(new Error(`bridge exited with ${code} before listening: ${stderr}`)));
  });
  await listening;
  return {
    port,
    pid: child.pid!,
    child,
    lines,
    rssBytes: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    assertAlive: () => assert.equal(child.exitCode, null, `the bridge exited: ${stderr}`),
    stop: () => started.stop(),
  };
}

/** A client that echoes one message after another for as long as the case runs. */
export interface Bystander {
  /** Echoes that came back, each exactly as sent. */
  readonly echoes: number;
  /** Waits for `n` more echoes than now: the bystander is still being served. */
  progresses(n?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function bystander(url: string, options: ClientOptions = {}): Promise<Bystander> {
  const ws = await openWs(url, undefined, options);
  let echoes = 0;
  let running = true;
  let waiters: { at: number; resolve: () => void }[] = [];
  let failure: Error | undefined;
  let pending: { resolve: (text: string) => void; reject: (err: Error) => void } | undefined;
  let received = '';
  ws.on('message', (d: Buffer) => {
    // Stream framing: an echo may come back in more than one frame.
    received += d.toString();
    if (received.endsWith('\0')) {
      pending?.resolve(received);
      received = '';
    }
  });
  ws.on('close', () => pending?.reject(new Error('the bystander was disconnected')));
  const loop = (async () => {
    while (running) {
      const message = `<bystander i="${echoes}"/>\0`;
      const back = new Promise<string>((resolve, reject) => (pending = { resolve, reject }));
      ws.send(Buffer.from(message));
      const got = await back;
      if (got !== message) throw new Error(`the bystander got ${JSON.stringify(got)} for ${JSON.stringify(message)}`);
      echoes += 1;
      waiters = waiters.filter((w) => (w.at <= echoes ? (w.resolve(), false) : true));
      await new Promise((r) => setTimeout(r, 10));
    }
  })().catch((err: Error) => {
    failure = err;
  });
  return {
    get echoes() {
      return echoes;
    },
    progresses(n = 5) {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiters.push({ at: echoes + n, resolve });
        void loop.then(() => failure && reject(failure));
      });
    },
    async stop() {
      running = false;
      await loop;
      ws.close();
      if (failure) throw failure;
    },
  };
}

/** The allowed echo target, the forbidden one, and a bridge that lists only the first. */
export interface Arena {
  bridge: BridgeProcess;
  allowed: TcpServer;
  /** An unlisted TCP server: any connection to it is an open-proxy hole. */
  forbidden: TcpServer;
  bystander: Bystander;
  /** Connections the allowed server accepted besides the bystander's. */
  extraDials(): number;
  close(): Promise<void>;
}

/** How the bystander reaches the bridge. */
export interface BystanderRoute {
  path?: string;
  /** `wss` when the bridge has a certificate. */
  scheme?: 'ws' | 'wss';
  /** For example a `createConnection` that writes a PROXY header first. */
  options?: ClientOptions;
}

/**
 * Starts the arena. `args(allowed)` gives the bridge's flags for the allowed server's
 * `HOST:PORT`; the bystander connects as `route` says.
 */
export async function arena(args: (allowed: string) => string[], route: BystanderRoute = {}): Promise<Arena> {
  const allowed = await tcpServer(echo);
  const forbidden = await tcpServer();
  const stopServers = async () => {
    await allowed.close();
    await forbidden.close();
  };
  let bridge: BridgeProcess | undefined;
  let guest: Bystander;
  try {
    bridge = await spawnBridge(args(allowed.address));
    const { path = '/', scheme = 'ws', options } = route;
    guest = await bystander(`${scheme}://${HOST}:${bridge.port}${path}`, options);
  } catch (err) {
    await bridge?.stop();
    await stopServers();
    throw err;
  }
  const base = allowed.accepted;
  return {
    bridge,
    allowed,
    forbidden,
    bystander: guest,
    extraDials: () => allowed.accepted - base,
    async close() {
      await guest.stop().finally(async () => {
        await bridge.stop();
        await stopServers();
      });
    },
  };
}

/** Counts the lines of one event and reason. */
export function countLines(lines: LogLine[], event: string, reason?: string): number {
  return lines.filter((l) => l.event === event && (reason === undefined || l.reason === reason)).length;
}

/** What a raw connection got back. */
export interface Exchange {
  /** Everything the bridge wrote, as latin1. */
  answer: string;
  /** The HTTP status of the answer, or 0 when none came. */
  status: number;
  /** Milliseconds from connect until the bridge closed the connection. */
  closedAfterMs: number;
}

/**
 * Writes `chunks` on a raw TCP connection (one write each, `gapMs` apart) and waits for
 * the bridge to close it (or, with `endAfterHead`, for the head of its answer). `waitMs`
 * bounds the wait: a connection still open then fails.
 */
export function exchange(
  port: number,
  chunks: (string | Buffer)[],
  {
    gapMs = 0,
    waitMs = 15_000,
    endAfterHead = false,
  }: { gapMs?: number; waitMs?: number; endAfterHead?: boolean } = {},
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, HOST);
    let answer = '';
    let sending = true;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      answer += d;
      // A 101 keeps the connection open: the head is all there is to see.
      if (endAfterHead && answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', () => {}); // a reset ends the exchange like a close
    const guard = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `the bridge kept the connection open for ${waitMs} ms; it answered ${JSON.stringify(answer.slice(0, 200))}`,
        ),
      );
    }, waitMs);
    socket.on('close', () => {
      sending = false;
      clearTimeout(guard);
      const status = /^HTTP\/1\.[01] (\d{3}) /.exec(answer);
      resolve({ answer, status: status ? Number(status[1]) : 0, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => {
      void (async () => {
        for (const chunk of chunks) {
          if (!sending) return;
          socket.write(chunk);
          if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
        }
      })();
    });
  });
}

/** A WebSocket handshake for `path`, with extra header lines. */
export function handshake(path: string, extra: string[] = [], hostHeader = 'bridge.test'): string {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostHeader}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...extra,
    '',
    '',
  ].join('\r\n');
}

/** A WebSocket frame as a client sends it. */
export function clientFrame(
  opcode: number,
  payload: Buffer | string,
  {
    fin = true,
    rsv1 = false,
    mask = true,
    claimedLength,
  }: { fin?: boolean; rsv1?: boolean; mask?: boolean; claimedLength?: bigint } = {},
): Buffer {
  const data = Buffer.from(payload);
  const length = claimedLength ?? BigInt(data.length);
  const first = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  let head: Buffer;
  if (length < 126n) head = Buffer.from([first, Number(length)]);
  else if (length < 65536n) head = Buffer.from([first, 126, Number(length >> 8n), Number(length & 0xffn)]);
  else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = 127;
    head.writeBigUInt64BE(length, 2);
  }
  if (!mask) return Buffer.concat([head, data]);
  head[1]! |= 0x80;
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(data.map((byte, i) => byte ^ key[i % 4]!));
  return Buffer.concat([head, key, masked]);
}

/** A WebSocket opened over a raw socket, to send frames no WebSocket library would. */
export interface RawWebSocket {
  socket: net.Socket;
  /** The close code of the bridge's close frame, or `undefined` when it cut the connection without one. */
  closed: Promise<number | undefined>;
  send(...frames: Buffer[]): void;
}

export function rawWebSocket(port: number, path = '/', extra: string[] = []): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST, () => socket.write(handshake(path, extra)));
    let buffered = Buffer.alloc(0);
    let opened = false;
    let closeCode: number | undefined;
    socket.on('error', () => {});
    const closed = new Promise<number | undefined>((done) => socket.on('close', () => done(closeCode)));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!opened) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head));
        opened = true;
        buffered = buffered.subarray(end + 4);
        resolve({ socket, closed, send: (...frames) => frames.forEach((f) => socket.write(f)) });
      }
      // Server frames are unmasked and, here, short: find a close frame's code.
      while (buffered.length >= 2) {
        const opcode = buffered[0]! & 0x0f;
        let length = buffered[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffered.length < 4) return;
          length = buffered.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffered.length < 10) return;
          length = Number(buffered.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffered.length < offset + length) return;
        if (opcode === 0x8 && length >= 2) closeCode ??= buffered.readUInt16BE(offset);
        buffered = buffered.subarray(offset + length);
      }
    });
  });
}
