/**
 * The primary process of `xmlsocket-bridge --workers N`, on Node's own `node:cluster`:
 * forks N workers that share the listening socket, replaces a worker that dies
 * (logging which one and why), drains every worker on SIGTERM/SIGINT, and answers
 * the workers' fleet-wide `/healthz` and `/metrics` questions (fleet-status.ts).
 *
 * It is a small state machine:
 *
 *     starting ──every worker listens──▶ running
 *        │  └──a worker exits with an error (bad setting)──▶ failed ──no workers left──▶ exit
 *        └──────────────SIGTERM/SIGINT──────────────┬──▶ draining ──no workers left──▶ exit
 *     running ──────────SIGTERM/SIGINT──────────────┘
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { BridgeError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import {
  isMessage,
  type AskMessage,
  type CollectedMessage,
  type FailedMessage,
  type PrimaryMessage,
} from './fleet-messages.js';
import { FleetStatus } from './fleet-status.js';

/** The most workers `--workers` accepts: far above any core count, below a fork bomb. */
export const MAX_WORKERS = 256;
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

/** Where the fleet is in its life. */
type FleetState = 'starting' | 'running' | 'draining' | 'failed';

/** Runs the primary until the fleet has drained; never returns. */
export function runPrimary(options: PrimaryOptions): void {
  new FleetPrimary(options).start();
}

class FleetPrimary {
  private state: FleetState = 'starting';
  private readonly log: Logger;
  /** Workers that are listening now. */
  private readonly listening = new Set<number>();
  private readonly status: FleetStatus;
  private exitCode = 0;
  /** Replacements in a row that died before listening, for the back-off. */
  private failedStarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Whether a worker's start-up error was printed (every worker fails alike: once is enough). */
  private startErrorShown = false;

  constructor(private readonly o: PrimaryOptions) {
    this.log = createLogger(undefined, o.quiet, o.verbose);
    this.status = new FleetStatus(o.workers, (worker, message) => this.send(worker, message));
  }

  start(): void {
    cluster.on('listening', (worker, address) => this.onListening(worker, address));
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal as NodeJS.Signals | null));
    cluster.on('message', (worker, message: unknown) => this.onMessage(worker, message));
    process.on('SIGTERM', (signal) => this.stop(signal));
    process.on('SIGINT', (signal) => this.stop(signal));
    process.on('SIGHUP', () => this.reload());
    for (let i = 0; i < this.o.workers; i++) this.fork();
  }

  private fork(): void {
    this.restartTimer = undefined;
    // A replacement whose timer outlived the start of a drain is not wanted.
    if (this.state === 'draining' || this.state === 'failed') return;
    const worker = cluster.fork();
    this.log.log('info', 'worker_started', { worker: worker.id, pid: worker.process.pid });
  }

  private workers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  }

  private send(worker: Worker, message: PrimaryMessage): void {
    // A worker can die between isConnected() and the write (EPIPE): with a callback the
    // error comes here instead of as an unhandled 'error' that would kill the primary.
    // Its 'exit' is handled on its own.
    if (worker.isConnected()) worker.send(message, () => {});
  }

  private onListening(worker: Worker, address: { address: string | null; port: number }): void {
    this.listening.add(worker.id);
    this.failedStarts = 0;
    if (this.state === 'draining') {
      // A worker still starting when the drain began may have missed the message.
      this.send(worker, { type: 'xmlsocket-bridge:shutdown' });
    } else if (this.state === 'starting' && this.listening.size === this.o.workers) {
      this.state = 'running';
      const where = `${address.address ?? '*'}:${address.port}`;
      this.log.log('info', 'fleet_listening', { address: where, workers: this.o.workers, pid: process.pid });
    }
  }

  private onExit(worker: Worker, code: number, signal: NodeJS.Signals | null): void {
    const wasListening = this.listening.delete(worker.id);
    this.status.gone(worker.id);
    const why = { worker: worker.id, pid: worker.process.pid, code, signal };
    switch (this.state) {
      case 'draining': {
        // Ctrl-C or a SIGTERM to the process group also reaches a worker still starting,
        // before it has its own handler: it had no clients, so its death is no failure.
        const stoppedWhileStarting = !wasListening && (signal === 'SIGTERM' || signal === 'SIGINT');
        if (code !== 0 && !stoppedWhileStarting && this.exitCode === 0) this.exitCode = 1;
        this.log.log(code === 0 ? 'info' : 'warn', 'worker_exit', why);
        break;
      }
      case 'failed':
        // Killed because a sibling could not start: not news.
        break;
      case 'starting':
        // A worker that exits with an error before the fleet is up cannot start (port
        // taken, bad TLS file) and has printed why; the others would fail the same way,
        // so the command fails as one process would. One killed by a signal is not a
        // bad setting: it is replaced below (Ctrl-C reaches loading workers before the
        // primary's own handler runs, which then cancels the replacement and drains).
        if (!signal) {
          if (!this.startErrorShown) this.log.log('error', 'worker_exit', { ...why, replacing: false });
          this.state = 'failed';
          this.exitCode = code || 1;
          for (const w of this.workers()) w.process.kill('SIGKILL');
          break;
        }
        this.replace(why, wasListening);
        return;
      case 'running':
        this.replace(why, wasListening);
        return;
    }
    if (this.workers().length === 0) this.finish();
  }

  /** Forks a replacement, backing off when replacements keep dying before they listen. */
  private replace(why: Record<string, unknown>, wasListening: boolean): void {
    if (!wasListening) this.failedStarts += 1;
    const delay = this.failedStarts === 0 ? 0 : Math.min(1000 * 2 ** (this.failedStarts - 1), MAX_RESTART_DELAY_MS);
    this.log.log('warn', 'worker_exit', { ...why, replacing: true, ...(delay ? { restartInMs: delay } : {}) });
    this.restartTimer = setTimeout(() => this.fork(), delay);
  }

  private onMessage(worker: Worker, message: unknown): void {
    if (isMessage<FailedMessage>(message, 'xmlsocket-bridge:failed')) {
      if (this.state === 'starting' || this.state === 'failed') {
        // Every worker fails alike at start: say it once, as one process would.
        if (!this.startErrorShown) process.stderr.write(message.line);
        this.startErrorShown = true;
      } else {
        this.log.log('error', 'worker_failed', {
          worker: worker.id,
          pid: worker.process.pid,
          message: message.line.trim(),
        });
      }
    } else if (isMessage<CollectedMessage>(message, 'xmlsocket-bridge:collected')) {
      this.status.got(message.id, worker.id, message.metrics);
    } else if (isMessage<AskMessage>(message, 'xmlsocket-bridge:ask')) {
      const { id, what } = message;
      const listening = this.workers().filter((w) => this.listening.has(w.id) && w.isConnected());
      this.status.answer(what, listening).then(
        (body) => this.send(worker, { type: 'xmlsocket-bridge:answer', id, ok: true, ...body }),
        (err: unknown) => {
          const error = err instanceof Error ? err.message : String(err);
          this.send(worker, { type: 'xmlsocket-bridge:answer', id, ok: false, error });
        },
      );
    }
  }

  /** SIGHUP: every worker reads `--cert`/`--key` again and logs how it went. */
  private reload(): void {
    const workers = this.workers();
    this.log.log('info', 'reload', { workers: workers.length });
    for (const w of workers) this.send(w, { type: 'xmlsocket-bridge:reload' });
  }

  private stop(signal: NodeJS.Signals): void {
    if (this.state === 'draining' || this.state === 'failed') {
      // A second signal means "now": cut every worker's remaining close handshakes.
      process.stderr.write(`xmlsocket-bridge: ${signal} again, exiting at once\n`);
      for (const w of this.workers()) w.process.kill('SIGKILL');
      process.exit(1);
    }
    this.state = 'draining';
    clearTimeout(this.restartTimer);
    const workers = this.workers();
    this.log.log('info', 'shutdown', { signal, workers: workers.length });
    // Backstop in case a worker hangs: each has shutdownMs to drain, plus its own backstop.
    setTimeout(() => {
      for (const w of this.workers()) w.process.kill('SIGKILL');
      process.exit(1);
    }, this.o.shutdownMs + 10_000).unref();
    for (const w of workers) this.send(w, { type: 'xmlsocket-bridge:shutdown' });
    if (workers.length === 0) this.finish();
  }

  private finish(): never {
    this.log.log('info', 'closed', { exitCode: this.exitCode });
    process.exit(this.exitCode);
  }
}
