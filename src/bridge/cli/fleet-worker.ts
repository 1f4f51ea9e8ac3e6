/**
 * One worker of `xmlsocket-bridge --workers N`: an ordinary bridge on the port the
 * cluster shares, whose `/healthz` and `/metrics` speak for the whole fleet by asking
 * the primary, and which drains when the primary says so or goes away.
 */
import cluster from 'node:cluster';
import { createFleetWorkerBridge, type Bridge } from '../bridge.js';
import { consoleSink } from '../log.js';
import type { BridgeOptions } from '../options.js';
import type { StatusSource } from '../status.js';
import {
  isMessage,
  type AnswerMessage,
  type AskMessage,
  type CollectedMessage,
  type CollectMessage,
  type WorkerMessage,
} from './fleet-messages.js';

/** How long a worker waits for the primary to answer a fleet-wide question. */
const ASK_TIMEOUT_MS = 5000;

function send(message: WorkerMessage): void {
  if (process.connected) process.send!(message);
}

/**
 * Starts this worker's bridge. Resolves once it listens; rejects with the
 * {@link BridgeError} of `createBridge()` or `listen()`.
 */
export async function runWorker(options: BridgeOptions, shutdownMs: number): Promise<Bridge> {
  const worker = cluster.worker!;
  const waiting = new Map<number, { resolve: (a: AnswerMessage) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;

  const ask = async (what: AskMessage['what']): Promise<Extract<AnswerMessage, { ok: true }>> => {
    const answer = await new Promise<AnswerMessage>((resolve, reject) => {
      if (!process.connected) return reject(new Error('the primary process is gone'));
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the primary did not answer within ${ASK_TIMEOUT_MS} ms`));
      }, ASK_TIMEOUT_MS);
      waiting.set(id, { resolve, timer });
      send({ type: 'xmlsocket-bridge:ask', id, what });
    });
    if (!answer.ok) throw new Error(answer.error);
    return answer;
  };
  const fleetStatus: StatusSource = {
    health: async () => (await ask('health')).health!,
    metrics: async () => (await ask('metrics')).metrics!,
  };

  let snapshot: ((id: number) => void) | undefined;
  const bridge = createFleetWorkerBridge(
    // Each line names the worker that wrote it, so interleaved fleet logs stay readable.
    { ...options, log: (line) => consoleSink({ ...line, worker: worker.id, pid: process.pid }) },
    (local) => {
      snapshot = (id) => {
        local.snapshot().then(
          (metrics) => send({ type: 'xmlsocket-bridge:collected', id, metrics } satisfies CollectedMessage),
          // Left out of the sums: the primary's wait for this worker times out and says so.
          () => {},
        );
      };
      return fleetStatus;
    },
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Backstop in case a socket ignores even the forced close.
    setTimeout(() => process.exit(1), shutdownMs + 5000).unref();
    bridge.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (message: unknown) => {
    if (isMessage<AnswerMessage>(message, 'xmlsocket-bridge:answer')) {
      const w = waiting.get(message.id);
      if (!w) return;
      waiting.delete(message.id);
      clearTimeout(w.timer);
      w.resolve(message);
    } else if (isMessage<CollectMessage>(message, 'xmlsocket-bridge:collect')) {
      snapshot?.(message.id);
    } else if (isMessage(message, 'xmlsocket-bridge:shutdown')) {
      stop();
    } else if (isMessage(message, 'xmlsocket-bridge:reload')) {
      try {
        bridge.reloadTls();
      } catch {
        // Logged as tls_reload_failed; this worker keeps its certificate.
      }
    }
  });
  // The primary drains the fleet on SIGTERM/SIGINT; a terminal's Ctrl-C also reaches
  // the workers directly, and both must mean one drain, not "second signal: now".
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The primary passes SIGHUP on to every worker; one sent to the whole process group
  // (a closed terminal) must not end a worker, which is Node's default.
  process.on('SIGHUP', () => {});
  // A primary that vanishes (SIGKILL) is handled by node:cluster itself: the worker
  // exits at once, so no orphan keeps the port.

  await bridge.listen();
  return bridge;
}
