// `xmlsocket-bridge --workers N`: a real node:cluster fleet started from the CLI.
// Connections spread over the workers, /metrics and /healthz add up the fleet, a
// SIGKILLed worker is replaced and logged while the other worker's connections lose
// nothing mid-burst, and SIGTERM/SIGINT drain every worker with 1001 and exit 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { WebSocket } from 'ws';
import { closed, echo, HOST, httpGet, metricsOf, openWs, tcpServer, waitFor, type TcpServer } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'src', 'bridge', 'cli', 'cli.ts');

interface Line {
  event: string;
  level: string;
  worker?: number;
  pid?: number;
  address?: string;
  code?: number | null;
  signal?: string | null;
  replacing?: boolean;
  reason?: string;
  [k: string]: unknown;
}

/** A CLI process whose JSON log lines (stdout and stderr) are parsed as they come. */
interface Fleet {
  child: ChildProcess;
  lines: Line[];
  stderr: string;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `group`: the fleet gets its own process group, so a test can signal it as a terminal's Ctrl-C does. */
async function startFleet(args: string[], group = false): Promise<Fleet> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  const fleet = { child, lines: [] as Line[], stderr: '', port: 0 } as Fleet;
  const reader = (stream: NodeJS.ReadableStream, isErr: boolean) => {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      if (isErr) fleet.stderr += d;
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (text.startsWith('{')) fleet.lines.push(JSON.parse(text) as Line);
      }
    });
  };
  reader(child.stdout, false);
  reader(child.stderr, true);
  // A generous bound so a hung fleet fails the test instead of stalling the suite.
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  fleet.exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal });
    }),
  );
  await waitFor(
    () => fleet.lines.some((l) => l.event === 'fleet_listening') || child.exitCode !== null,
    'fleet_listening',
    60_000,
  );
  const up = fleet.lines.find((l) => l.event === 'fleet_listening');
  assert.ok(up, `fleet did not start: ${fleet.stderr}`);
  fleet.port = Number(up.address!.split(':').pop());
  return fleet;
}

/** Worker id of each `open` line (verbose), in order. */
const opensByWorker = (f: Fleet) => {
  const counts = new Map<number, number>();
  for (const l of f.lines) if (l.event === 'open') counts.set(l.worker!, (counts.get(l.worker!) ?? 0) + 1);
  return counts;
};

/**
 * A client that sends bursts of numbered messages and waits for each burst's echo:
 * every byte sent must come back, in order, or the run reports what was lost.
 */
class BurstClient {
  sent = '';
  received = '';
  closeCode: number | undefined;
  private seq = 0;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    readonly ws: WebSocket,
    readonly name: string,
  ) {
    ws.on('message', (data: Buffer) => (this.received += data.toString()));
    ws.on('close', (code) => (this.closeCode = code));
  }

  start(burst = 20): void {
    this.running = (async () => {
      while (!this.stopped && this.closeCode === undefined) {
        for (let i = 0; i < burst; i++) {
          const text = `<m c="${this.name}" n="${this.seq++}"/>\0`;
          this.sent += text;
          this.ws.send(text);
        }
        // Wait for the burst's echo (or the connection's end, for the killed worker's clients).
        await waitFor(
          () => this.received.length >= this.sent.length || this.closeCode !== undefined,
          `echo of ${this.name}`,
          60_000,
        );
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  get rounds(): number {
    return this.seq;
  }
}

let server: TcpServer;
let dir: string;
before(async () => {
  server = await tcpServer(echo);
  dir = mkdtempSync(join(tmpdir(), 'bridge-workers-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('--workers 2: connections spread, fleet /metrics and /healthz, a SIGKILLed worker is replaced mid-burst with nothing lost, SIGTERM drains with 1001 and exits 0', async () => {
  const fleet = await startFleet([
    '--listen',
    `${HOST}:0`,
    '--target',
    server.address,
    '--workers',
    '2',
    '--verbose',
    '--shutdown-timeout',
    '5',
  ]);
  const url = `ws://${HOST}:${fleet.port}/`;
  const started = fleet.lines.filter((l) => l.event === 'worker_started');
  assert.equal(started.length, 2);

  // Spread: the cluster hands connections to both workers.
  const N = 20;
  const clients: BurstClient[] = [];
  for (let i = 0; i < N; i++) clients.push(new BurstClient(await openWs(url), `c${i}`));
  await waitFor(
    () => [...opensByWorker(fleet).values()].reduce((a, b) => a + b, 0) === N,
    'an open line per connection',
    30_000,
  );
  const spread = opensByWorker(fleet);
  assert.equal(spread.size, 2, `connections per worker: ${JSON.stringify([...spread])}`);

  // Fleet totals: each client sends 5 bytes once; /metrics and /healthz add up both workers.
  const before = await metricsOf(fleet.port);
  for (const c of clients) c.ws.send('12345');
  await waitFor(() => clients.every((c) => c.received.length === 5), 'first echoes', 30_000);
  for (const c of clients) c.received = '';
  // The fleet's answer is reused for up to a second: ask until it is one taken after the echoes.
  let m = await metricsOf(fleet.port);
  const toTarget = 'xmlsocket_bridge_bytes_total{transport="websocket",direction="to_target"}';
  await waitFor(
    async () => (m = await metricsOf(fleet.port)).get(toTarget)! - before.get(toTarget)! === 5 * N,
    'fleet metrics after the echoes',
  );
  assert.equal(m.get('xmlsocket_bridge_connections_open{transport="websocket"}'), N);
  assert.equal(m.get('xmlsocket_bridge_connections_total{transport="websocket"}'), N);
  assert.equal(
    m.get('xmlsocket_bridge_bytes_total{transport="websocket",direction="to_target"}')! -
      before.get('xmlsocket_bridge_bytes_total{transport="websocket",direction="to_target"}')!,
    5 * N,
  );
  assert.equal(
    m.get('xmlsocket_bridge_bytes_total{transport="websocket",direction="to_client"}')! -
      before.get('xmlsocket_bridge_bytes_total{transport="websocket",direction="to_client"}')!,
    5 * N,
  );
  for (const name of [
    'connections_open',
    'connections_total',
    'refusals_total',
    'bytes_total',
    'messages_total',
    'closes_total',
  ]) {
    assert.ok(
      m.has(`xmlsocket_bridge_${name}`) || [...m.keys()].some((k) => k.startsWith(`xmlsocket_bridge_${name}{`)),
      name,
    );
  }
  // /healthz is collected on its own, so this answer is fresh.
  const health = await httpGet(fleet.port, '/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(
    { ...(JSON.parse(health.body.toString()) as Record<string, unknown>), uptime: 0 },
    { status: 'ok', workers: 2, workersWanted: 2, connections: N, websocket: N, tcp: 0, pending: 0, uptime: 0 },
  );

  // Mid-burst, SIGKILL the worker that holds the first client's... any worker: worker 1.
  for (const c of clients) c.start();
  await waitFor(() => clients.every((c) => c.rounds >= 60), 'bursts under way', 60_000);
  const victim = started[0]!;
  process.kill(victim.pid!, 'SIGKILL');

  await waitFor(
    () => fleet.lines.some((l) => l.event === 'worker_exit' && l.worker === victim.worker),
    'worker_exit line',
    30_000,
  );
  const exit = fleet.lines.find((l) => l.event === 'worker_exit' && l.worker === victim.worker)!;
  assert.equal(exit.level, 'warn');
  assert.equal(exit.pid, victim.pid);
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(exit.code, null);
  assert.equal(exit.replacing, true);
  // The replacement starts and listens on the same port.
  await waitFor(
    () => fleet.lines.some((l) => l.event === 'listening' && l.worker === 3),
    'replacement worker listening',
    60_000,
  );
  assert.ok(fleet.lines.some((l) => l.event === 'worker_started' && l.worker === 3));

  // The survivors keep echoing after the kill; then every byte they sent has come back.
  const killed = clients.filter((c) => c.closeCode !== undefined);
  const survivors = clients.filter((c) => c.closeCode === undefined);
  assert.ok(killed.length > 0 && survivors.length > 0, `killed ${killed.length}, survived ${survivors.length}`);
  for (const c of killed) assert.equal(c.closeCode, 1006); // abnormal: its worker vanished
  const roundsAtKill = new Map(survivors.map((c) => [c, c.rounds]));
  await waitFor(() => survivors.every((c) => c.rounds >= roundsAtKill.get(c)! + 60), 'survivors keep echoing', 60_000);
  await Promise.all(clients.map((c) => c.stop()));
  const count = (text: string) => text.split('\0').length - 1;
  let sent = 0;
  let lost = 0;
  for (const c of survivors) {
    assert.equal(c.closeCode, undefined, `${c.name} closed`);
    sent += count(c.sent);
    lost += count(c.sent) - count(c.received);
    assert.equal(c.received, c.sent, `${c.name}: echoes differ from what it sent`);
  }
  assert.ok(sent > 0);
  assert.equal(lost, 0, `messages lost on the surviving worker, of ${sent} sent`);

  // New connections reach the refilled fleet and echo.
  const fresh: BurstClient[] = [];
  for (let i = 0; i < 4; i++) fresh.push(new BurstClient(await openWs(url), `new${i}`));
  for (const c of fresh) c.start(5);
  await waitFor(() => fresh.every((c) => c.rounds >= 10), 'new connections echo', 30_000);
  await Promise.all(fresh.map((c) => c.stop()));
  for (const c of fresh) assert.equal(c.received, c.sent);
  const openNow = survivors.length + fresh.length;
  await waitFor(
    async () =>
      (await metricsOf(fleet.port)).get('xmlsocket_bridge_connections_open{transport="websocket"}') === openNow,
    'fleet metrics counting the surviving and new connections',
  );

  // SIGTERM on the primary: every open client gets 1001, every worker exits 0, so does the primary.
  const open = [...survivors, ...fresh];
  const codes = Promise.all(open.map((c) => closed(c.ws)));
  fleet.child.kill('SIGTERM');
  assert.deepEqual(new Set((await codes).map((c) => c.code)), new Set([1001]));
  const { code, signal } = await fleet.exited;
  assert.equal(signal, null);
  assert.equal(code, 0, fleet.stderr);
  const exits = fleet.lines.filter((l) => l.event === 'worker_exit' && l.worker !== victim.worker);
  assert.equal(exits.length, 2);
  for (const e of exits) assert.equal(e.code, 0);
  assert.equal(fleet.lines.at(-1)?.event, 'closed');
});

test('SIGTERM to one worker recycles it (drain, exit 0, replaced); Ctrl-C (SIGINT to the process group) drains the fleet once', async () => {
  const fleet = await startFleet(
    ['--listen', `${HOST}:0`, '--target', server.address, '--workers', '2', '--verbose'],
    true,
  );
  const url = `ws://${HOST}:${fleet.port}/`;
  // Round-robin: two connections, one on each worker.
  const first = await openWs(url);
  const second = await openWs(url);
  await waitFor(() => opensByWorker(fleet).size === 2, 'one open line per worker', 30_000);
  const one = fleet.lines.find((l) => l.event === 'worker_started' && l.worker === 1)!;
  const [onOne, onTwo] = fleet.lines.find((l) => l.event === 'open')!.worker === 1 ? [first, second] : [second, first];
  const recycled = closed(onOne);
  process.kill(one.pid!, 'SIGTERM');
  assert.equal((await recycled).code, 1001);
  await waitFor(
    () => fleet.lines.some((l) => l.event === 'listening' && l.worker === 3),
    'replacement listening',
    60_000,
  );
  const exit = fleet.lines.find((l) => l.event === 'worker_exit' && l.worker === 1)!;
  assert.equal(exit.code, 0);
  assert.equal(exit.replacing, true);
  assert.equal(onTwo.readyState, onTwo.OPEN);

  // Ctrl-C: SIGINT to the whole process group, primary and workers alike, is still one drain.
  const done = closed(onTwo);
  process.kill(-fleet.child.pid!, 'SIGINT');
  assert.equal((await done).code, 1001);
  assert.deepEqual(await fleet.exited, { code: 0, signal: null });
  assert.ok(!fleet.stderr.includes('again'), fleet.stderr);
  for (const e of fleet.lines.filter((l) => l.event === 'worker_exit' && l.worker !== 1)) assert.equal(e.code, 0);
});

// Node's cluster makes a worker exit at once when its primary vanishes: no drain is
// possible then, but no orphan keeps the port either.
test('workers whose primary is SIGKILLed exit instead of lingering', async () => {
  const fleet = await startFleet(['--listen', `${HOST}:0`, '--target', server.address, '--workers', '2']);
  const pids = fleet.lines.filter((l) => l.event === 'worker_started').map((l) => l.pid!);
  const ws = await openWs(`ws://${HOST}:${fleet.port}/`);
  const done = closed(ws);
  fleet.child.kill('SIGKILL');
  assert.equal((await done).code, 1006);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await waitFor(() => !pids.some(alive), 'workers gone', 30_000);
});

test('--workers and the workers config key are validated: exit 2 with one line', async () => {
  writeFileSync(join(dir, 'workers.json'), JSON.stringify({ target: server.address, workers: 'many' }));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.on('exit', (code) => resolve({ code, stderr, stdout }));
    });
  const runs = await Promise.all([
    run(['--target', server.address, '--workers', '0']),
    run(['--target', server.address, '--workers', 'two']),
    run(['--target', server.address, '--workers', '100000']),
    run(['--config', join(dir, 'workers.json')]),
    // Worker startup errors are printed once, not once per worker.
    run(['--target', server.address, '--workers', '2', '--listen', `${HOST}:${server.port}`]),
  ]);
  for (const r of runs) {
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
  }
  for (const r of runs.slice(0, 4))
    assert.match(r.stderr, /workers must be "auto" or a whole number from 1 to 256.*\[ERR_BRIDGE_INVALID_OPTION\]/);
  assert.match(runs[4].stderr, /address already in use \[ERR_BRIDGE_ADDRESS_IN_USE\]/);
});

test('--workers auto is one worker per core; 1 means no cluster', async () => {
  const { parseWorkers } = await import('../../src/bridge/cli/fleet-primary.js');
  const { availableParallelism } = await import('node:os');
  assert.equal(parseWorkers('auto'), Math.min(availableParallelism(), 256));
  assert.equal(parseWorkers('3'), 3);
  assert.equal(parseWorkers(1), 1);
  // Without --workers the command runs one bridge in its own process: no worker fields.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--listen', `${HOST}:0`, '--target', server.address], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<Line>((resolve) =>
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(JSON.parse(d.split('\n')[0]!) as Line)),
  );
  child.kill('SIGTERM');
  assert.equal(line.event, 'listening');
  assert.equal(line.worker, undefined);
});

// A terminal's Ctrl-C (or a SIGTERM to the process group) can come while workers are
// still loading, before they have their own handlers: the default action kills them.
// They had no clients, so the drain is still clean.
test('a signal to the process group while workers are still starting exits 0', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, '--listen', `${HOST}:0`, '--target', server.address, '--workers', '2'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // Both forked, neither listening yet (a worker takes far longer to load than this).
  await waitFor(() => (out.match(/"event":"worker_started"/g) ?? []).length === 2, 'both workers forked', 30_000);
  assert.ok(!out.includes('"event":"listening"'), 'a worker was already listening; the case did not arise');
  process.kill(-child.pid!, 'SIGTERM');
  const result = await exited;
  clearTimeout(guard);
  assert.deepEqual(result, { code: 0, signal: null }, out);
});

test('--raw-tcp in a fleet: raw TCP clients are taken by every worker and counted in the fleet metrics', async () => {
  const fleet = await startFleet(['--listen', `${HOST}:0`, '--target', server.address, '--workers', '2', '--raw-tcp']);
  try {
    const net = await import('node:net');
    const clients = await Promise.all(
      Array.from(
        { length: 6 },
        (_, i) =>
          new Promise<{ socket: import('node:net').Socket; echoed: Promise<string> }>((resolve) => {
            const socket = net.connect(fleet.port, HOST, () => {
              socket.write(`<raw i="${i}"/>\0`);
              resolve({
                socket,
                echoed: new Promise((done) => socket.once('data', (d: Buffer) => done(d.toString()))),
              });
            });
          }),
      ),
    );
    for (const [i, c] of clients.entries()) assert.equal(await c.echoed, `<raw i="${i}"/>\0`);
    await waitFor(
      async () => (await metricsOf(fleet.port)).get('xmlsocket_bridge_connections_open{transport="tcp"}') === 6,
      'the fleet counting six raw clients',
    );
    for (const c of clients) c.socket.end();
  } finally {
    fleet.child.kill('SIGTERM');
    await fleet.exited;
  }
});
