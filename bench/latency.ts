// Latency: what a relay adds to a round trip. A Node client sends 50 B messages one
// after another, each after the previous echo, to targets in front of the same TCP echo
// server: the echo server itself (plain TCP: the floor), the raw Node relay and HAProxy
// in TCP mode (plain TCP), our bridge with --raw-tcp (plain TCP), our bridge and
// websockify (both from a `ws` client, whose framing and masking they share). Each
// round gives every target the same number of echoes in blocks, the targets taking
// turns block by block in alternating order, so that a burst of outside load lands on
// all of them alike. Per round: each target's p50 and p99 minus the direct echo's of
// the same round. Figures are medians over rounds, ratios and differences per round.
import net from 'node:net';
import { WebSocket } from 'ws';
import { HOST } from '../test/servers/processes.js';
import { startTcpEchoProcess } from '../test/servers/tcp-echo.js';
import { ECHO_PAYLOAD } from './messages.js';
import type { Settings } from './options.js';
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
import { median, percentile } from './stats.js';

const DIRECT = 'direct TCP echo';
/** Our raw TCP p50 may add at most this much (ms) over what the raw Node relay adds. */
const RAW_P50_MAX_ABOVE_RELAY = 0.03;

interface Client {
  /** `n` sequential round trips, in milliseconds. */
  echo(n: number): Promise<Float64Array>;
  close(): void;
}

async function clientFor(target: Target): Promise<Client> {
  let onBytes: (length: number) => void = () => {};
  let send: () => void;
  let close: () => void;
  if (target.url) {
    const ws = new WebSocket(target.url, { perMessageDeflate: false });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.on('message', (data: Buffer) => onBytes(data.length));
    send = () => ws.send(ECHO_PAYLOAD, { binary: true });
    close = () => ws.terminate();
  } else {
    // The client writes first (the first echo, as soon as it is connected), as raw
    // XMLSocket clients do: our bridge with --raw-tcp classifies it on those bytes at
    // once, with no --sniff-wait; the warm-up takes that and the bridge's connect.
    const socket = net.connect(target.port, HOST);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => onBytes(data.length));
    send = () => socket.write(ECHO_PAYLOAD);
    close = () => socket.destroy();
  }
  const echo = (n: number) =>
    new Promise<Float64Array>((resolve) => {
      const times = new Float64Array(n);
      let i = 0;
      let got = 0;
      let t0 = performance.now();
      // Stream framing: the echo of one message may come back in pieces.
      onBytes = (length) => {
        got += length;
        if (got < ECHO_PAYLOAD.length) return;
        got -= ECHO_PAYLOAD.length;
        times[i++] = performance.now() - t0;
        if (i === n) return resolve(times);
        t0 = performance.now();
        send();
      };
      send();
    });
  return { echo, close };
}

export async function runLatency(settings: Settings): Promise<Row[]> {
  const { latency, priority } = settings;
  prioritize(0, priority); // this process is the client
  const echo = await startTcpEchoProcess();
  prioritize(echo.pid, priority);
  const targets: Target[] = [{ name: DIRECT, port: echo.port, stop: async () => {} }];
  const added = new Map<string, { p50: number[]; p99: number[] }>();
  const direct = { p50: [] as number[], p99: [] as number[] };
  try {
    targets.push(await startRawRelay(echo.port, priority), await startBridge(echo.port, priority));
    targets.push(await startBridge(echo.port, priority, { name: OURS_RAW, rawTcp: true }));
    const websockify = await startWebsockifyTarget(echo.port, priority);
    if (websockify) targets.push(websockify);
    const haproxy = await startHaproxyTarget(echo.port, priority);
    if (haproxy) targets.push(haproxy);
    for (const cli of settings.alsoCli) targets.push(await startBridge(echo.port, priority, { name: cli, cli }));
    const clients = new Map<Target, Client>();
    for (const t of targets) {
      clients.set(t, await clientFor(t));
      await clients.get(t)!.echo(latency.warmup);
    }
    console.log(
      `${latency.rounds} rounds of ${latency.count} sequential 50 B echoes per target, in alternating blocks of ${latency.block}; nice ${priority ?? 'unchanged'}; ms`,
    );
    for (let round = 0; round < latency.rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      const times = new Map<Target, number[]>(targets.map((t) => [t, []]));
      for (let block = 0; block < latency.count / latency.block; block++)
        for (const t of block % 2 === 0 ? order : [...order].reverse())
          times.get(t)!.push(...(await clients.get(t)!.echo(latency.block)));
      const floor = { p50: percentile(times.get(targets[0]!)!, 50), p99: percentile(times.get(targets[0]!)!, 99) };
      direct.p50.push(floor.p50);
      direct.p99.push(floor.p99);
      const line = [`${DIRECT} ${floor.p50.toFixed(3)}/${floor.p99.toFixed(3)}`];
      for (const t of targets.slice(1)) {
        const [p50, p99] = [percentile(times.get(t)!, 50), percentile(times.get(t)!, 99)];
        const a = added.get(t.name) ?? { p50: [], p99: [] };
        a.p50.push(p50 - floor.p50);
        a.p99.push(p99 - floor.p99);
        added.set(t.name, a);
        line.push(`${t.name} ${p50.toFixed(3)}/${p99.toFixed(3)}`);
      }
      console.log(`  round ${round + 1}, p50/p99: ${line.join(', ')}`);
    }
    for (const client of clients.values()) client.close();
  } finally {
    for (const t of targets) await t.stop();
    await echo.stop();
  }
  const rows: Row[] = [];
  for (const p of ['p50', 'p99'] as const) {
    for (const baselineName of [WEBSOCKIFY, RAW_RELAY, ...settings.alsoCli]) {
      rows.push(
        compared({
          name: `latency: added round trip ${p}, vs ${baselineName}`,
          unit: 'ms',
          higherIsBetter: false,
          ours: added.get(OURS)![p],
          baseline: added.get(baselineName)?.[p],
          baselineName,
          minRatio: baselineName === WEBSOCKIFY ? 1 : undefined,
          note:
            baselineName === WEBSOCKIFY
              ? `over a direct TCP echo of ${fmt(median(direct[p]))} ms at ${p} (median of rounds)`
              : undefined,
        }),
      );
    }
  }
  for (const p of ['p50', 'p99'] as const) {
    for (const baselineName of [RAW_RELAY, HAPROXY]) {
      const target = p === 'p50' && baselineName === RAW_RELAY;
      rows.push(
        compared({
          name: `latency (raw TCP): added round trip ${p}, vs ${baselineName}`,
          unit: 'ms',
          higherIsBetter: false,
          ours: added.get(OURS_RAW)![p],
          baseline: added.get(baselineName)?.[p],
          baselineName,
          maxAboveBaseline: target ? RAW_P50_MAX_ABOVE_RELAY : undefined,
          note: target ? 'plain TCP clients that write first, through our bridge with --raw-tcp' : undefined,
        }),
      );
    }
  }
  return rows;
}
