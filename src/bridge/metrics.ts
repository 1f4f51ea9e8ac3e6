/**
 * The bridge's counters and their one rendering: a prom-client registry, built once per
 * bridge, that `/metrics` renders for one process and that a `--workers` primary adds
 * up over its workers (prom-client's `AggregatorRegistry`), so both read the same.
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `xmlsocket_bridge_connections_open` | gauge | |
 * | `xmlsocket_bridge_handshakes_pending` | gauge | |
 * | `xmlsocket_bridge_connections_total` | counter | |
 * | `xmlsocket_bridge_refusals_total` | counter | `reason` (reasons.ts) |
 * | `xmlsocket_bridge_closes_total` | counter | `reason` (reasons.ts) |
 * | `xmlsocket_bridge_bytes_total` | counter | `direction` = `to_target` / `to_client` |
 * | `xmlsocket_bridge_messages_total` | counter | `direction`: XMLSocket messages (each ends with 0x00) |
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

/** One process's metrics as prom-client's `getMetricsAsJSON()` gives them, for the fleet's sums. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** The bridge's counters. Plain numbers: the event loop is the only writer. */
export class Metrics {
  open = 0;
  pending = 0;
  total = 0;
  readonly refusals = new Map<RefusalReason, number>(REFUSAL_REASONS.map((r) => [r, 0]));
  readonly closes = new Map<CloseReason, number>(CLOSE_REASONS.map((r) => [r, 0]));
  readonly bytes: Record<Direction, number> = { to_target: 0, to_client: 0 };
  readonly messages: Record<Direction, number> = { to_target: 0, to_client: 0 };
  private readonly started = process.hrtime.bigint();
  private readonly registry = this.buildRegistry();

  refused(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  closed(reason: CloseReason): void {
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
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
    const byDirection = (counts: Record<Direction, number>) =>
      (Object.keys(counts) as Direction[]).map((direction) => [{ direction }, counts[direction]] as const);

    gauge('xmlsocket_bridge_connections_open', 'WebSocket-TCP pairs open now.', () => this.open);
    gauge('xmlsocket_bridge_handshakes_pending', 'Handshakes waiting for their TCP connection.', () => this.pending);
    counter('xmlsocket_bridge_connections_total', 'WebSocket-TCP pairs opened since start.', () => [[{}, this.total]]);
    counter('xmlsocket_bridge_refusals_total', 'Handshakes refused, by reason.', () => byReason(this.refusals), [
      'reason',
    ]);
    counter('xmlsocket_bridge_closes_total', 'Pairs closed, by reason.', () => byReason(this.closes), ['reason']);
    counter('xmlsocket_bridge_bytes_total', 'Payload bytes forwarded, by direction.', () => byDirection(this.bytes), [
      'direction',
    ]);
    counter(
      'xmlsocket_bridge_messages_total',
      'XMLSocket messages (each ended by a 0x00 byte) forwarded, by direction.',
      () => byDirection(this.messages),
      ['direction'],
    );
    // A fleet is as old as its oldest worker; a replaced worker starts again from 0.
    gauge('xmlsocket_bridge_uptime_seconds', 'Seconds since the bridge started.', () => this.uptime(), 'max');
    // Summed over a fleet: the memory all its workers hold.
    gauge('process_resident_memory_bytes', 'Resident memory of the bridge process.', () => process.memoryUsage.rss());
    return registry;
  }
}
