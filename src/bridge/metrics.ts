/**
 * Counters for `/metrics` (Prometheus text format 0.0.4) and `/healthz`.
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `xmlsocket_bridge_connections_open` | gauge | |
 * | `xmlsocket_bridge_handshakes_pending` | gauge | |
 * | `xmlsocket_bridge_connections_total` | counter | |
 * | `xmlsocket_bridge_refusals_total` | counter | `reason` (see `RefusalReason`) |
 * | `xmlsocket_bridge_closes_total` | counter | `reason` (see `CloseReason`) |
 * | `xmlsocket_bridge_bytes_total` | counter | `direction` = `to_target` / `to_client` |
 * | `xmlsocket_bridge_messages_total` | counter | `direction` = `to_target` / `to_client` |
 * | `xmlsocket_bridge_uptime_seconds` | gauge | |
 * | `process_resident_memory_bytes` | gauge | |
 *
 * Messages are WebSocket messages: in message framing one per XML message, in stream
 * framing one per chunk the bridge forwarded.
 */
import type { CloseReason, RefusalReason } from './errors.js';

/** Direction of traffic, named after where it goes. */
export type Direction = 'to_target' | 'to_client';

const REFUSALS: readonly RefusalReason[] = [
  'bad_request',
  'bad_path',
  'unknown_path',
  'not_allowed',
  'origin',
  'max_connections',
  'max_per_ip',
  'shutting_down',
  'connect_refused',
  'connect_timeout',
  'client_gone',
  'proxy_protocol',
];
const CLOSES: readonly CloseReason[] = [
  'client_closed',
  'target_closed',
  'target_error',
  'message_too_big',
  'client_error',
  'idle_timeout',
  'ping_timeout',
  'shutdown',
];

/** The bridge's counters. Plain numbers: the event loop is the only writer. */
export class Metrics {
  open = 0;
  pending = 0;
  total = 0;
  readonly refusals = new Map<RefusalReason, number>(REFUSALS.map((r) => [r, 0]));
  readonly closes = new Map<CloseReason, number>(CLOSES.map((r) => [r, 0]));
  readonly bytes: Record<Direction, number> = { to_target: 0, to_client: 0 };
  readonly messages: Record<Direction, number> = { to_target: 0, to_client: 0 };
  private readonly started = process.hrtime.bigint();

  refused(reason: RefusalReason): void {
    this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1);
  }

  closed(reason: CloseReason): void {
    this.closes.set(reason, (this.closes.get(reason) ?? 0) + 1);
  }

  /** Seconds since the bridge was created. */
  uptime(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e9;
  }

  /** The `/healthz` body. */
  health(): Record<string, unknown> {
    return { status: 'ok', connections: this.open, pending: this.pending, uptime: Math.round(this.uptime()) };
  }

  /** The `/metrics` body in the Prometheus text exposition format. */
  render(): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) out.push(`${name}${labels} ${value}`);
    };
    metric('xmlsocket_bridge_connections_open', 'gauge', 'WebSocket-TCP pairs open now.', [['', this.open]]);
    metric('xmlsocket_bridge_handshakes_pending', 'gauge', 'Handshakes waiting for their TCP connection.', [
      ['', this.pending],
    ]);
    metric('xmlsocket_bridge_connections_total', 'counter', 'WebSocket-TCP pairs opened since start.', [
      ['', this.total],
    ]);
    metric(
      'xmlsocket_bridge_refusals_total',
      'counter',
      'Handshakes refused, by reason.',
      [...this.refusals].map(([r, n]) => [`{reason="${r}"}`, n]),
    );
    metric(
      'xmlsocket_bridge_closes_total',
      'counter',
      'Pairs closed, by reason.',
      [...this.closes].map(([r, n]) => [`{reason="${r}"}`, n]),
    );
    metric(
      'xmlsocket_bridge_bytes_total',
      'counter',
      'Payload bytes forwarded, by direction.',
      (Object.keys(this.bytes) as Direction[]).map((d) => [`{direction="${d}"}`, this.bytes[d]]),
    );
    metric(
      'xmlsocket_bridge_messages_total',
      'counter',
      'WebSocket messages forwarded, by direction.',
      (Object.keys(this.messages) as Direction[]).map((d) => [`{direction="${d}"}`, this.messages[d]]),
    );
    metric('xmlsocket_bridge_uptime_seconds', 'gauge', 'Seconds since the bridge started.', [
      ['', Math.round(this.uptime())],
    ]);
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the bridge process.', [
      ['', process.memoryUsage.rss()],
    ]);
    return `${out.join('\n')}\n`;
  }
}
