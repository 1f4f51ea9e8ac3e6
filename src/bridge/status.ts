/**
 * `/healthz` and `/metrics`: one source answers both, for one process (its own
 * counters) or for a `--workers` fleet (the primary's sums over every worker).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import { sendText } from './static.js';

export const HEALTH_PATH = '/healthz';
export const METRICS_PATH = '/metrics';

/** The `/healthz` body. A fleet adds `workers` and `workersWanted`. */
export interface Health {
  status: 'ok';
  /** Pairs open, of both transports. */
  connections: number;
  /** Of those, WebSocket pairs (pages, Ruffle) and raw TCP pairs (desktop players). */
  websocket: number;
  tcp: number;
  pending: number;
  uptime: number;
  [field: string]: unknown;
}

/** Where `/healthz` and `/metrics` get their answers. */
export interface StatusSource {
  health(): Promise<Health>;
  /** Prometheus text format 0.0.4. */
  metrics(): Promise<string>;
}

/** This process's own status. */
export function localStatus(metrics: Metrics): StatusSource {
  return {
    health: () =>
      Promise.resolve({
        status: 'ok',
        connections: metrics.open,
        websocket: metrics.pairs.websocket.open,
        tcp: metrics.pairs.tcp.open,
        pending: metrics.pending,
        uptime: metrics.uptime(),
      }),
    metrics: () => metrics.render(),
  };
}

/** Answers `/healthz` or `/metrics`. A fleet that cannot answer gets 503, not a guess. */
export function serveStatus(req: IncomingMessage, res: ServerResponse, path: string, source: StatusSource): void {
  const head = req.method === 'HEAD';
  if (path === HEALTH_PATH) {
    source.health().then(
      (health) => sendBody(res, 200, 'application/json', `${JSON.stringify(health)}\n`, head),
      (err: unknown) => {
        const body = { status: 'unavailable', detail: err instanceof Error ? err.message : String(err) };
        sendBody(res, 503, 'application/json', `${JSON.stringify(body)}\n`, head);
      },
    );
  } else {
    source.metrics().then(
      (text) => sendBody(res, 200, 'text/plain; version=0.0.4; charset=utf-8', text, head),
      () => sendText(res, 503, 'metrics unavailable\n'),
    );
  }
}

function sendBody(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(head ? undefined : body);
}
