// Load: every connection in a closed loop (send a 50 B message, wait for its echo, send
// the next) through each relay in front of the same TCP echo server. Per run, echoes
// completed in a window after a warm-up, and the CPU time (user + system) of the
// relay's process tree over that window, per echo. Each echo is relayed twice (to the
// server and back). Relays take turns, in alternating order (ABC CBA ...).
// The raw Node relay, HAProxy in TCP mode and our bridge with --raw-tcp run the same
// loop over plain TCP, each client writing first: the raw relay's CPU is what any relay
// written in Node pays at least. On 2 cores the load client and the echo server compete
// with the relay for the CPU, so CPU per echo is the fair comparison; echoes/s is what
// one machine got out of each.
import net, { type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { startTcpEchoProcess } from '../test/servers/tcp-echo.js';
import { ECHO_PAYLOAD } from './messages.js';
import type { Settings } from './options.js';
import { countZeros, maskedFrame, rawConnect } from './raw-ws-client.js';
import { treeCpuSeconds } from './process-tree.js';
import {
  HAPROXY,
  OURS,
  OURS_RAW,
  prioritize,
  RAW_RELAY,
  startBridge,
  startHaproxyTarget,
  startRawRelay,
  startWebsockifyTarget,
  WEBSOCKIFY,
  type Target,
} from './relays.js';
import { compared, fmt, type Row } from './report.js';

const FRAME = maskedFrame(ECHO_PAYLOAD);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WORKERS_2 = 'our bridge, --workers 2';
/** At 100 connections, our raw TCP CPU per echo may be at most this many times the raw Node relay's. */
const RAW_CPU_MAX_TIMES_RELAY = 1.3;

interface Run {
  echoesPerS: number;
  cpuUsPerEcho: number;
}

/** `n` connections to `target`, 100 handshakes at a time. */
async function connect(target: Target, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, () =>
      target.url
        ? rawConnect(target.url)
        : new Promise<Socket>((resolve, reject) => {
            const s = net.connect(target.port, '127.0.0.1', () => resolve(s));
            s.setNoDelay(true);
            s.once('error', reject);
          }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

/**
 * Starts every connection's closed loop; returns the echo counter and a stop switch.
 * Over WebSocket the echoes are counted by their 0x00 bytes (frames may split or join
 * messages); over plain TCP, by every 50 bytes back.
 */
function closedLoop(sockets: Socket[], webSocket: boolean) {
  const state = { echoes: 0, stopped: false };
  for (const socket of sockets) {
    const echoed = (n: number) => {
      state.echoes += n;
      if (!state.stopped) for (let k = 0; k < n; k++) socket.write(webSocket ? FRAME : ECHO_PAYLOAD);
    };
    if (webSocket) countZeros(socket, echoed);
    else {
      socket.on('error', () => {});
      let bytes = 0;
      socket.on('data', (data: Buffer) => {
        bytes += data.length;
        const n = Math.floor(bytes / ECHO_PAYLOAD.length);
        bytes -= n * ECHO_PAYLOAD.length;
        if (n > 0) echoed(n);
      });
    }
    socket.write(webSocket ? FRAME : ECHO_PAYLOAD);
  }
  return state;
}

async function measure(target: Target, n: number, settings: Settings['load']): Promise<Run> {
  const sockets = await connect(target, n);
  const loop = closedLoop(sockets, target.url !== undefined);
  await sleep(settings.warmupS * 1000);
  const [cpu0, echoes0, t0] = [treeCpuSeconds(target.pid!), loop.echoes, performance.now()];
  await sleep(settings.windowS * 1000);
  const [cpu1, echoes1, t1] = [treeCpuSeconds(target.pid!), loop.echoes, performance.now()];
  loop.stopped = true;
  await Promise.all(
    sockets.map(
      (s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve()).destroy())),
    ),
  );
  if (target.name === WEBSOCKIFY) await sleep(300); // it reaps its workers; the others need no pause
  const echoes = echoes1 - echoes0;
  return { echoesPerS: echoes / ((t1 - t0) / 1000), cpuUsPerEcho: ((cpu1 - cpu0) * 1e6) / echoes };
}

export async function runLoad(settings: Settings): Promise<Row[]> {
  const { load, priority } = settings;
  prioritize(0, priority); // this process is the load client
  const echo = await startTcpEchoProcess();
  prioritize(echo.pid, priority);
  const targets: Target[] = [];
  const results = new Map<string, Run[]>();
  try {
    targets.push(await startBridge(echo.port, priority));
    targets.push(await startBridge(echo.port, priority, { name: OURS_RAW, rawTcp: true }));
    const websockify = await startWebsockifyTarget(echo.port, priority);
    if (websockify) targets.push(websockify);
    const haproxy = await startHaproxyTarget(echo.port, priority);
    if (haproxy) targets.push(haproxy);
    targets.push(await startRawRelay(echo.port, priority));
    for (const cli of settings.alsoCli) targets.push(await startBridge(echo.port, priority, { name: cli, cli }));
    if (load.workers) targets.push(await startBridge(echo.port, priority, { name: WORKERS_2, workers: 2 }));
    console.log(
      `closed loops of 50 B echoes; ${load.windowS} s windows after ${load.warmupS} s warm-up; ${load.reps} alternating runs per relay and level; nice ${priority ?? 'unchanged'}`,
    );
    for (const n of load.levels) {
      for (let rep = 0; rep < load.reps; rep++) {
        // --workers 2 is compared at 100 connections only.
        const atLevel = targets.filter((t) => t.name !== WORKERS_2 || n === 100);
        for (const target of rep % 2 === 0 ? atLevel : [...atLevel].reverse()) {
          const run = await measure(target, n, load);
          const key = `${target.name}@${n}`;
          results.set(key, [...(results.get(key) ?? []), run]);
          console.log(
            `  ${String(n).padStart(4)} conns  ${target.name.padEnd(24)} ${fmt(run.echoesPerS).padStart(8)} echoes/s  ${fmt(run.cpuUsPerEcho).padStart(6)} µs CPU/echo`,
          );
        }
      }
    }
  } finally {
    for (const target of targets) await target.stop();
    await echo.stop();
  }

  const runs = (name: string, n: number, field: keyof Run) => results.get(`${name}@${n}`)?.map((r) => r[field]);
  const rows: Row[] = [];
  for (const n of load.levels) {
    const conns = `${n} conn${n === 1 ? '' : 's'}`;
    const ours = (field: keyof Run) => runs(OURS, n, field) ?? [];
    const baselines = [WEBSOCKIFY, RAW_RELAY, ...settings.alsoCli];
    for (const baselineName of baselines) {
      rows.push(
        compared({
          name: `load: CPU per echo, ${conns}, vs ${baselineName}`,
          unit: 'µs',
          higherIsBetter: false,
          ours: ours('cpuUsPerEcho'),
          baseline: runs(baselineName, n, 'cpuUsPerEcho'),
          baselineName,
          minRatio: n === 100 && baselineName === WEBSOCKIFY ? 4 : undefined,
        }),
        compared({
          name: `load: echoes/s, ${conns}, vs ${baselineName}`,
          unit: 'echoes/s',
          higherIsBetter: true,
          ours: ours('echoesPerS'),
          baseline: runs(baselineName, n, 'echoesPerS'),
          baselineName,
          minRatio: n === 100 && baselineName === WEBSOCKIFY ? 1.5 : undefined,
        }),
      );
    }
    for (const baselineName of [RAW_RELAY, HAPROXY])
      rows.push(
        compared({
          name: `load (raw TCP): CPU per echo, ${conns}, vs ${baselineName}`,
          unit: 'µs',
          higherIsBetter: false,
          ours: runs(OURS_RAW, n, 'cpuUsPerEcho') ?? [],
          baseline: runs(baselineName, n, 'cpuUsPerEcho'),
          baselineName,
          maxTimesBaseline: n === 100 && baselineName === RAW_RELAY ? RAW_CPU_MAX_TIMES_RELAY : undefined,
        }),
      );
    if (load.workers && n === 100)
      rows.push(
        compared({
          name: `load: echoes/s, ${conns}, --workers 2 vs 1`,
          unit: 'echoes/s',
          higherIsBetter: true,
          ours: runs(WORKERS_2, n, 'echoesPerS') ?? [],
          baseline: ours('echoesPerS'),
          baselineName: '--workers 1',
          note: `two workers can only pay off with a core to spare; here the load client and the echo server share the machine's ${availableParallelism()} cores with them`,
        }),
      );
  }
  return rows;
}
