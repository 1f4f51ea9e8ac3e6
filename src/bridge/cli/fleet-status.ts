/**
 * The fleet's `/healthz` and `/metrics`, answered by the `--workers` primary: it asks
 * every listening worker for its counters and adds them up with prom-client's
 * `AggregatorRegistry`, the same registry each worker renders for itself.
 */
import type { Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { MetricsSnapshot } from '../metrics.js';
import type { Health } from '../status.js';
import type { AskMessage, PrimaryMessage } from './fleet-messages.js';

/** How long the primary waits for every worker's counters. */
const COLLECT_TIMEOUT_MS = 5000;
/**
 * How long an answer is reused. A scrape every few seconds sees fresh figures; a flood
 * of requests costs one collection a second instead of one per request, each of which
 * would ask every worker.
 */
const ANSWER_REUSE_MS = 1000;

type Answer = { health: Health } | { metrics: string };

/** A collection under way: the workers that have not answered yet, and what the others sent. */
interface Collection {
  waiting: Set<number>;
  snapshots: MetricsSnapshot[];
  timer: NodeJS.Timeout;
  resolve(snapshots: MetricsSnapshot[]): void;
}

export class FleetStatus {
  private nextId = 1;
  private readonly collections = new Map<number, Collection>();
  private readonly started = Date.now();
  private readonly recent = new Map<AskMessage['what'], { at: number; answer: Promise<Answer> }>();

  constructor(
    private readonly workersWanted: number,
    private readonly send: (worker: Worker, message: PrimaryMessage) => void,
  ) {}

  /**
   * The answer to an {@link AskMessage}, from the counters of `workers` (those listening),
   * or the same answer as a request less than {@link ANSWER_REUSE_MS} ago.
   */
  answer(what: AskMessage['what'], workers: Worker[]): Promise<Answer> {
    const recent = this.recent.get(what);
    if (recent && Date.now() - recent.at < ANSWER_REUSE_MS) return recent.answer;
    const answer = this.collectAnswer(what, workers);
    this.recent.set(what, { at: Date.now(), answer });
    // A failed collection is not reused: the next request tries again.
    answer.catch(() => {
      if (this.recent.get(what)?.answer === answer) this.recent.delete(what);
    });
    return answer;
  }

  private async collectAnswer(what: AskMessage['what'], workers: Worker[]): Promise<Answer> {
    const snapshots = await this.collect(workers);
    const registry = AggregatorRegistry.aggregate(snapshots);
    if (what === 'metrics') return { metrics: await registry.metrics() };
    const value = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
    return {
      health: {
        status: 'ok',
        workers: snapshots.length,
        workersWanted: this.workersWanted,
        connections: await value('xmlsocket_bridge_connections_open'),
        pending: await value('xmlsocket_bridge_handshakes_pending'),
        uptime: Math.round((Date.now() - this.started) / 1000),
      },
    };
  }

  /** A worker's counters arrived. */
  got(collectId: number, workerId: number, snapshot: MetricsSnapshot): void {
    const collection = this.collections.get(collectId);
    if (!collection?.waiting.delete(workerId)) return;
    collection.snapshots.push(snapshot);
    this.settleIfDone(collectId, collection);
  }

  /** A worker died: it is left out of the collections waiting for it (its connections are gone too). */
  gone(workerId: number): void {
    for (const [id, collection] of this.collections) {
      if (collection.waiting.delete(workerId)) this.settleIfDone(id, collection);
    }
  }

  private collect(workers: Worker[]): Promise<MetricsSnapshot[]> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        const late = [...(this.collections.get(id)?.waiting ?? [])];
        this.collections.delete(id);
        reject(new Error(`workers ${late.join(', ')} did not report within ${COLLECT_TIMEOUT_MS} ms`));
      }, COLLECT_TIMEOUT_MS);
      const collection: Collection = { waiting: new Set(workers.map((w) => w.id)), snapshots: [], timer, resolve };
      this.collections.set(id, collection);
      for (const worker of workers) this.send(worker, { type: 'xmlsocket-bridge:collect', id });
      this.settleIfDone(id, collection);
    });
  }

  private settleIfDone(id: number, collection: Collection): void {
    if (collection.waiting.size > 0) return;
    clearTimeout(collection.timer);
    this.collections.delete(id);
    collection.resolve(collection.snapshots);
  }
}
