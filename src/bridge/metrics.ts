/**
 * The bridge's counters and their one rendering: a prom-client registry, built once per
 * bridge, that `/metrics` renders for one process and that a `--workers` primary adds
 * up over its workers (prom-client's `AggregatorRegistry`), so both read the same.
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `xmlsocket_bridge_connections_open` | gauge | `transport` = `websocket` / `tcp` |
 * | `xmlsocket_bridge_handshakes_pending` | gauge | |
 * | `xmlsocket_bridge_connections_total` | counter | `transport` |
 * | `xmlsocket_bridge_refusals_total` | counter | `reason` (reasons.ts) |
 * | `xmlsocket_bridge_closes_total` | counter | `transport`, `reason` (reasons.ts) |
 * | `xmlsocket_bridge_bytes_total` | counter | `transport`, `direction` = `to_target` / `to_client` |
 * | `xmlsocket_bridge_messages_total` | counter | `transport`, `direction`: XMLSocket messages (each ends with 0x00) |
 * | `xmlsocket_bridge_uptime_seconds` | gauge | |
 * | `process_resident_memory_bytes` | gauge | |
 *
 * The hot path adds to plain numbers; prom-client reads them only when scraped
 * (`collect`), so counting a message costs an addition, not a label lookup.
 */
import { Counter, Gauge, Registry, type Aggregator, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { CLOSE_REASONS, REFUSAL_REASONS, type CloseReason, type RefusalReason } from './reasons.js';

/** Direction of traffic, named after where it goes. */
export type Direction = 'to_target' | 'to_client';

/** How a client reached the bridge: a WebSocket (a page, Ruffle) or raw TCP (a desktop player). */
export type Transport = 'websocket' | 'tcp';
export const TRANSPORTS: readonly Transport[] = ['websocket', 'tcp'];

/** One process's metrics as prom-client's `getMetricsAsJSON()` gives them, for the fleet's sums. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** The counters of one transport's pairs. Plain numbers: the event loop is the only writer. */
export interface PairCounters {
  open: number;
  total: number;
  readonly bytes: Record<Direction, number>;
  readonly messages: Record<Direction, number>;
  readonly closes: Map<CloseReason, number>;
}

function pairCounters(): PairCounters {
  return {
    open: 0,
    total: 0,
    bytes: { to_target: 0, to_client: 0 },
    messages: { to_target: 0, to_client: 0 },
    closes: new Map(CLOSE_REASONS.map((r) => [r, 0])),
  };
}

/** The bridge's counters. */
export class Metrics {
  readonly pairs: Record<Transport, PairCounters> = { websocket: pairCounters(), tcp: pairCounters() };
  readonly refusals = new Map<RefusalReason, number>(REFUSAL_REASONS.map((r) => [r, 0]));
  private readonly started = process.hrtime.bigint();
  private readonly registry = this.buildRegistry();

  /** @param countPending reads how many handshakes wait for their target now (the bridge keeps them). */
  constructor(private readonly countPending: () => number = () => 0) {}

  /** Handshakes waiting for their TCP connection now. */
  get pending(): number {
    return this.countPending();
  }

  /** Pairs open now, of both transports. */
  get open(): number {
    return this.pairs.websocket.open + this.pairs.tcp.open;
  }

  refused(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  /** Whole seconds since the bridge was created. */
  uptime(): number {
    return Math.round(Number(process.hrtime.bigint() - this.started) / 1e9);
  }

  /** The `/metrics` text (Prometheus text format 0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The same metrics as data, for a fleet primary to add up. */
  snapshot(): Promise<MetricsSnapshot> {
    return this.registry.getMetricsAsJSON();
  }

  private buildRegistry(): Registry {
    const registry = new Registry();
    const gauge = (name: string, help: string, read: () => number, aggregator: Aggregator = 'sum') =>
      new Gauge({
        name,
        help,
        registers: [registry],
        aggregator,
        collect() {
          this.set(read());
        },
      });
    const counter = <L extends string>(
      name: string,
      help: string,
      read: () => Iterable<readonly [Record<L, string>, number]>,
      labelNames: readonly L[] = [],
    ) =>
      new Counter<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          for (const [labels, n] of read()) this.inc(labels, n);
        },
      });
    const byReason = (counts: Map<string, number>) => [...counts].map(([reason, n]) => [{ reason }, n] as const);
    const perTransport = <L extends string>(
      read: (c: PairCounters) => Iterable<readonly [Record<L, string>, number]>,
    ) =>
      TRANSPORTS.flatMap((transport) =>
        [...read(this.pairs[transport])].map(([labels, n]) => [{ transport, ...labels }, n] as const),
      );
    const byDirection = (counts: Record<Direction, number>) =>
      (Object.keys(counts) as Direction[]).map((direction) => [{ direction }, counts[direction]] as const);

    const pairs = this.pairs;
    new Gauge<'transport'>({
      name: 'xmlsocket_bridge_connections_open',
      help: 'Pairs open now, by transport.',
      labelNames: ['transport'],
      registers: [registry],
      aggregator: 'sum',
      collect() {
        for (const transport of TRANSPORTS) this.set({ transport }, pairs[transport].open);
      },
    });
    gauge('xmlsocket_bridge_handshakes_pending', 'Handshakes waiting for their TCP connection.', () => this.pending);
    counter(
      'xmlsocket_bridge_connections_total',
      'Pairs opened since start, by transport.',
      () => perTransport((c) => [[{}, c.total]]),
      ['transport'],
    );
    counter('xmlsocket_bridge_refusals_total', 'Connections refused, by reason.', () => byReason(this.refusals), [
      'reason',
    ]);
    counter(
      'xmlsocket_bridge_closes_total',
      'Pairs closed, by transport and reason.',
      () => perTransport((c) => byReason(c.closes)),
      ['transport', 'reason'],
    );
    counter(
      'xmlsocket_bridge_bytes_total',
      'Payload bytes forwarded, by transport and direction.',
      () => perTransport((c) => byDirection(c.bytes)),
      ['transport', 'direction'],
    );
    counter(
      'xmlsocket_bridge_messages_total',
      'XMLSocket messages (each ended by a 0x00 byte) forwarded, by transport and direction.',
      () => perTransport((c) => byDirection(c.messages)),
      ['transport', 'direction'],
    );
    // A fleet is as old as its oldest worker; a replaced worker starts again from 0.
    gauge('xmlsocket_bridge_uptime_seconds', 'Seconds since the bridge started.', () => this.uptime(), 'max');
    // Summed over a fleet: the memory all its workers hold.
    gauge('process_resident_memory_bytes', 'Resident memory of the bridge process.', () => process.memoryUsage.rss());
    return registry;
  }
}
