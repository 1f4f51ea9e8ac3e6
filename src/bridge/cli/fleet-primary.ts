/**
 * The primary process of `xmlsocket-bridge --workers N`, on Node's own `node:cluster`:
 * forks N workers that share the listening socket, replaces a worker that dies
 * (logging which one and why), drains every worker on SIGTERM/SIGINT, and answers
 * the workers' fleet-wide `/healthz` and `/metrics` questions by adding up their
 * counters with prom-client's `AggregatorRegistry.aggregate`.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import { BridgeError } from '../errors.js';
import {
  isMessage,
  type AnswerMessage,
  type AskMessage,
  type CollectedMessage,
  type FailedMessage,
  type PrimaryMessage,
  type WorkerMetrics,
} from './fleet-messages.js';
import { createLogger } from '../log.js';

/** The most workers `--workers` accepts: far above any core count, below a fork bomb. */
export const MAX_WORKERS = 256;
/** How long the primary waits for every worker's counters. */
const COLLECT_TIMEOUT_MS = 5000;
/** Longest pause between replacements of a worker that keeps dying before it listens. */
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Parses `--workers`: a whole number from 1 to {@link MAX_WORKERS}, or `auto` for one
 * per CPU core (`os.availableParallelism()`).
 *
 * @throws {BridgeError} `ERR_BRIDGE_INVALID_OPTION`.
 */
export function parseWorkers(value: number | string): number {
  if (value === 'auto') return Math.min(availableParallelism(), MAX_WORKERS);
  const n = typeof value === 'number' ? value : /^\s*[0-9]+\s*$/.test(value) ? Number(value) : NaN;
  if (Number.isSafeInteger(n) && n >= 1 && n <= MAX_WORKERS) return n;
  throw new BridgeError(
    'ERR_BRIDGE_INVALID_OPTION',
    `workers must be "auto" or a whole number from 1 to ${MAX_WORKERS}, got ${JSON.stringify(value)}`,
  );
}

export interface PrimaryOptions {
  workers: number;
  shutdownMs: number;
  quiet: boolean;
  verbose: boolean;
}

/** Runs the primary until the fleet has drained; never returns. */
export function runPrimary({ workers, shutdownMs, quiet, verbose }: PrimaryOptions): void {
  const log = createLogger(undefined, quiet, verbose);
  const started = Date.now();
  /** Workers that are listening now. */
  const listening = new Set<number>();
  let fleetUp = false;
  let stopping = false;
  let startFailed = false;
  let exitCode = 0;
  let failedStarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const fork = () => {
    restartTimer = undefined;
    // A replacement whose timer outlived the start of a drain is not wanted.
    if (stopping) return;
    const worker = cluster.fork();
    log.log('info', 'worker_started', { worker: worker.id, pid: worker.process.pid });
  };
  const workerList = () =>
    Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  const send = (worker: Worker, message: PrimaryMessage) => {
    // A worker can die between isConnected() and the write (EPIPE): with a callback the
    // error comes here instead of as an unhandled 'error' that would kill the primary.
    // Its 'exit' is handled on its own.
    if (worker.isConnected()) worker.send(message, () => {});
  };

  cluster.on('listening', (worker, address) => {
    listening.add(worker.id);
    failedStarts = 0;
    // A worker still starting when the drain began may have missed the message.
    if (stopping) send(worker, { type: 'xmlsocket-bridge:shutdown' });
    if (!fleetUp && listening.size === workers) {
      fleetUp = true;
      log.log('info', 'fleet_listening', {
        address: `${address.address ?? '*'}:${address.port}`,
        workers,
        pid: process.pid,
      });
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const wasListening = listening.delete(worker.id);
    for (const request of collecting.values()) request.gone(worker.id);
    const why = { worker: worker.id, pid: worker.process.pid, code, signal };
    if (stopping) {
      // Ctrl-C or a SIGTERM to the process group also reaches a worker still starting,
      // before it has its own handler: it had no clients, so its death is no failure.
      const stoppedWhileStarting = !wasListening && (signal === 'SIGTERM' || signal === 'SIGINT');
      if (code !== 0 && !stoppedWhileStarting && exitCode === 0) exitCode = 1;
      // Workers killed because a sibling could not start are not news.
      if (!startFailed) log.log(code === 0 ? 'info' : 'warn', 'worker_exit', why);
      if (workerList().length === 0) finish();
      return;
    }
    // A worker that exits with an error before the fleet is up cannot start (port taken,
    // bad TLS file) and has printed why; the others would fail the same way, so the
    // command fails as one process would. One killed by a signal is not a bad setting:
    // it is replaced below (Ctrl-C reaches loading workers before the primary's own
    // handler runs, which then cancels the replacement and drains).
    if (!fleetUp && !signal) {
      if (!printedFailure) log.log('error', 'worker_exit', { ...why, replacing: false });
      stopping = true;
      startFailed = true;
      exitCode = code || 1;
      for (const w of workerList()) w.process.kill('SIGKILL');
      if (workerList().length === 0) finish();
      return;
    }
    // A replacement that dies before listening may be hitting something lasting:
    // back off instead of forking as fast as it fails.
    if (!wasListening) failedStarts += 1;
    const delay = failedStarts === 0 ? 0 : Math.min(1000 * 2 ** (failedStarts - 1), MAX_RESTART_DELAY_MS);
    log.log('warn', 'worker_exit', { ...why, replacing: true, ...(delay ? { restartInMs: delay } : {}) });
    restartTimer = setTimeout(fork, delay);
  });

  // Fleet-wide answers: every listening worker's counters, added up by prom-client.
  let nextCollect = 1;
  const collecting = new Map<number, { gone(id: number): void; got(id: number, m: WorkerMetrics): void }>();
  const collect = (): Promise<{ metrics: WorkerMetrics[]; workers: number }> =>
    new Promise((resolve, reject) => {
      const id = nextCollect++;
      const targets = workerList().filter((w) => listening.has(w.id) && w.isConnected());
      const waiting = new Set(targets.map((w) => w.id));
      const metrics: WorkerMetrics[] = [];
      const done = () => {
        if (waiting.size > 0) return;
        clearTimeout(timer);
        collecting.delete(id);
        resolve({ metrics, workers: metrics.length });
      };
      const timer = setTimeout(() => {
        collecting.delete(id);
        reject(new Error(`workers ${[...waiting].join(', ')} did not report within ${COLLECT_TIMEOUT_MS} ms`));
      }, COLLECT_TIMEOUT_MS);
      collecting.set(id, {
        // A worker that dies while asked is left out: its connections are gone too.
        gone: (workerId) => {
          waiting.delete(workerId);
          done();
        },
        got: (workerId, m) => {
          if (!waiting.delete(workerId)) return;
          metrics.push(m);
          done();
        },
      });
      for (const w of targets) send(w, { type: 'xmlsocket-bridge:collect', id });
      done();
    });

  const answer = async (
    what: AskMessage['what'],
  ): Promise<Omit<Extract<AnswerMessage, { ok: true }>, 'type' | 'id' | 'ok'>> => {
    const { metrics, workers: reporting } = await collect();
    const registry = AggregatorRegistry.aggregate(metrics);
    if (what === 'metrics') return { metrics: await registry.metrics() };
    const value = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
    return {
      health: {
        status: 'ok',
        workers: reporting,
        workersWanted: workers,
        connections: await value('xmlsocket_bridge_connections_open'),
        pending: await value('xmlsocket_bridge_handshakes_pending'),
        uptime: Math.round((Date.now() - started) / 1000),
      },
    };
  };

  let printedFailure = false;
  cluster.on('message', (worker, message: unknown) => {
    if (isMessage<FailedMessage>(message, 'xmlsocket-bridge:failed')) {
      if (!fleetUp) {
        // Every worker fails alike at start: say it once, as one process would.
        if (!printedFailure) process.stderr.write(message.line);
        printedFailure = true;
      } else {
        log.log('error', 'worker_failed', { worker: worker.id, pid: worker.process.pid, message: message.line.trim() });
      }
    } else if (isMessage<CollectedMessage>(message, 'xmlsocket-bridge:collected')) {
      collecting.get(message.id)?.got(worker.id, message.metrics);
    } else if (isMessage<AskMessage>(message, 'xmlsocket-bridge:ask')) {
      const { id, what } = message;
      answer(what).then(
        (body) => send(worker, { type: 'xmlsocket-bridge:answer', id, ok: true, ...body }),
        (err: unknown) =>
          send(worker, { type: 'xmlsocket-bridge:answer', id, ok: false, error: (err as Error).message }),
      );
    }
  });

  const finish = () => {
    log.log('info', 'closed', { exitCode });
    process.exit(exitCode);
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal means "now": cut every worker's remaining close handshakes.
      process.stderr.write(`xmlsocket-bridge: ${signal} again, exiting at once\n`);
      for (const w of workerList()) w.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    clearTimeout(restartTimer);
    log.log('info', 'shutdown', { signal, workers: workerList().length });
    // Backstop in case a worker hangs: each has shutdownMs to drain, plus its own backstop.
    setTimeout(() => {
      for (const w of workerList()) w.process.kill('SIGKILL');
      process.exit(1);
    }, shutdownMs + 10_000).unref();
    for (const w of workerList()) send(w, { type: 'xmlsocket-bridge:shutdown' });
    if (workerList().length === 0) finish();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  for (let i = 0; i < workers; i++) fork();
}
