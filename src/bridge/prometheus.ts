/**
 * The bridge's counters as a prom-client registry, so prom-client's cluster
 * `AggregatorRegistry` can add them up over the workers of `--workers N`.
 *
 * The hot path keeps writing plain numbers into {@link Metrics}; the prom-client
 * metrics only read them when scraped (`collect`). Names, types, help and labels are
 * the ones {@link Metrics.render} prints, so `/metrics` reads the same with one
 * process or many.
 */
import { Counter, Gauge, Registry, type Aggregator } from 'prom-client';
import type { Direction, Metrics } from './metrics.js';

/** A registry whose every metric reads `metrics` when collected. */
export function metricsRegistry(metrics: Metrics): Registry {
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
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  const labelled = <L extends string>(name: string, help: string, label: L, read: () => Iterable<[string, number]>) =>
    new Counter<L>({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [value, n] of read()) this.inc({ [label]: value } as Record<L, string>, n);
      },
    });
  const directions = (record: Record<Direction, number>) => Object.entries(record);

  gauge('xmlsocket_bridge_connections_open', 'WebSocket-TCP pairs open now.', () => metrics.open);
  gauge('xmlsocket_bridge_handshakes_pending', 'Handshakes waiting for their TCP connection.', () => metrics.pending);
  counter('xmlsocket_bridge_connections_total', 'WebSocket-TCP pairs opened since start.', () => metrics.total);
  labelled('xmlsocket_bridge_refusals_total', 'Handshakes refused, by reason.', 'reason', () => metrics.refusals);
  labelled('xmlsocket_bridge_closes_total', 'Pairs closed, by reason.', 'reason', () => metrics.closes);
  labelled('xmlsocket_bridge_bytes_total', 'Payload bytes forwarded, by direction.', 'direction', () =>
    directions(metrics.bytes),
  );
  labelled('xmlsocket_bridge_messages_total', 'WebSocket messages forwarded, by direction.', 'direction', () =>
    directions(metrics.messages),
  );
  // The fleet is as old as its oldest worker; a replaced worker starts again from 0.
  gauge(
    'xmlsocket_bridge_uptime_seconds',
    'Seconds since the bridge started.',
    () => Math.round(metrics.uptime()),
    'max',
  );
  // Summed: the memory the whole fleet of workers holds.
  gauge('process_resident_memory_bytes', 'Resident memory of the bridge process.', () => process.memoryUsage.rss());
  return registry;
}
