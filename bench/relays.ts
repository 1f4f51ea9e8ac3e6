// The relays the bridge benchmarks measure, each in a process of its own in front of
// the same TCP echo server: our bridge (its CLI, built from src/), from WebSocket and,
// with --raw-tcp, from plain TCP; Debian's websockify; HAProxy in TCP mode; and the raw
// Node relay (raw-relay.ts). Each one runs at the bench's nice value, so a
// burst of unrelated work on a shared machine lands less often inside a measurement,
// and alike on all of them (websockify's per-connection workers inherit it).
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  firstLine,
  freePort,
  hasHaproxy,
  hasWebsockify,
  HOST,
  start,
  startHaproxy,
  startNodeScript,
  startWebsockify,
  waitForPort,
  type Started,
} from '../test/servers/processes.js';
import { buildBridgeCli } from './build.js';

/** Something the load client talks to: a WebSocket `url`, or plain TCP on `port` when there is none. */
export interface Target {
  name: string;
  port: number;
  url?: string;
  /** The process tree whose CPU and memory are measured; none for the echo server reached directly. */
  pid?: number;
  stop(): Promise<void>;
}

export const OURS = 'our bridge';
/** Our bridge with --raw-tcp, reached by plain TCP clients. */
export const OURS_RAW = 'our bridge, raw TCP';
export const WEBSOCKIFY = 'websockify';
export const HAPROXY = 'HAProxy';
export const RAW_RELAY = 'raw Node relay';

let warned = false;
/** Sets the nice value of `pid` (0: this process); says once if it may not (it needs root or CAP_SYS_NICE). */
export function prioritize(pid: number, priority: number | null): void {
  if (priority === null) return;
  try {
    setPriority(pid, priority);
  } catch (error) {
    if (!warned) console.log(`note: could not set nice ${priority} (${String(error)}); figures will be noisier`);
    warned = true;
  }
}

const target = (name: string, port: number, started: Started, url?: string): Target => ({
  name,
  port,
  url,
  pid: started.pid,
  stop: () => started.stop(),
});

/** Resolves once a `--workers N` fleet's /healthz counts all N workers. */
async function waitForFleet(port: number, workers: number, started: Started): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const health = (await (await fetch(`http://${HOST}:${port}/healthz`)).json()) as { workers?: number };
      if (health.workers === workers) return;
    } catch {
      // not listening yet
    }
    if (started.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`bridge --workers ${workers} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Our bridge: `node cli.js --listen … --target … --quiet`, with the per-IP and total
 * limits raised for a load test from one address. `cli` measures another build. With
 * `rawTcp`, it takes plain TCP clients on its port (`--raw-tcp`), and is reached by them.
 */
export async function startBridge(
  tcpPort: number,
  priority: number | null,
  {
    name = OURS,
    cli,
    workers = 1,
    rawTcp = false,
  }: { name?: string; cli?: string; workers?: number; rawTcp?: boolean } = {},
): Promise<Target> {
  const port = await freePort();
  const args = ['--listen', `${HOST}:${port}`, '--target', `${HOST}:${tcpPort}`, '--quiet'];
  args.push('--max-per-ip', '100000', '--max-connections', '100000');
  if (workers > 1) args.push('--workers', String(workers));
  if (rawTcp) args.push('--raw-tcp');
  const started = start(process.execPath, [cli ?? (await buildBridgeCli()), ...args], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  // Its one warning here is expected (any origin may connect: the load client sends none); anything else shows.
  started.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    const lines = text.split('\n').filter((line) => line && !line.includes('no --origin given'));
    if (lines.length > 0) process.stderr.write(`${lines.join('\n')}\n`);
  });
  prioritize(started.pid, priority);
  if (workers > 1) await waitForFleet(port, workers, started);
  else await waitForPort(port, started.child);
  return target(name, port, started, rawTcp ? undefined : `ws://${HOST}:${port}/`);
}

/** websockify in front of `tcpPort`, or null where it is not installed (its columns stay empty). */
export async function startWebsockifyTarget(tcpPort: number, priority: number | null): Promise<Target | null> {
  if (!hasWebsockify()) {
    console.log('websockify is not installed: its columns stay empty (apt-get install websockify)');
    return null;
  }
  const started = await startWebsockify(tcpPort, await freePort());
  prioritize(started.pid, priority);
  return target(WEBSOCKIFY, Number(new URL(started.url).port), started, started.url);
}

/** HAProxy in TCP mode in front of `tcpPort`, or null where it is not installed (its columns stay empty). */
export async function startHaproxyTarget(tcpPort: number, priority: number | null): Promise<Target | null> {
  if (!hasHaproxy()) {
    console.log('HAProxy is not installed: its columns stay empty (apt-get install haproxy)');
    return null;
  }
  const port = await freePort();
  const started = await startHaproxy(tcpPort, port);
  prioritize(started.pid, priority);
  return target(HAPROXY, port, started);
}

/** The raw Node relay in front of `tcpPort`: plain TCP on both sides. */
export async function startRawRelay(tcpPort: number, priority: number | null): Promise<Target> {
  const started = startNodeScript(fileURLToPath(new URL('./raw-relay.ts', import.meta.url)), [String(tcpPort)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = Number(await firstLine(started.child));
  prioritize(started.pid, priority);
  return target(RAW_RELAY, port, started);
}
