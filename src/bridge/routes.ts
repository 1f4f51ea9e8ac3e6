/**
 * Request path to TCP target: the part that keeps the bridge from being an open proxy.
 *
 * Only targets the operator listed can come out of here. The path is matched as sent,
 * never percent-decoded or normalised, so there is no second spelling of a path that
 * could mean something else; suspicious paths are refused before any lookup.
 */
import { formatHostPort, isValidHost, normalizeHost, parsePort } from './address.js';
import type { RefusalReason } from './reasons.js';
import type { BridgeConfig, ResolvedTarget } from './options.js';

/** The outcome of routing a request path. */
export type RouteDecision =
  | { ok: true; target: ResolvedTarget; path: string }
  | { ok: false; status: 400 | 403 | 404; reason: RefusalReason; path: string };

// Characters RFC 3986 allows in a path, minus '%': encoded forms are refused outright.
const SAFE_PATH_RE = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/[\]-]*$/;

/** The path of a raw request-target (`req.url`), without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Resolves request URLs against the operator's `routes`, `allow` and `target`, in that order. */
export class RouteTable {
  constructor(private readonly config: Pick<BridgeConfig, 'routes' | 'allow' | 'target'>) {}

  /**
   * Routes a raw request-target (`req.url`). The query string is ignored; the path
   * must be origin-form (`/…`).
   *
   * @example
   * table.resolve('/127.0.0.1/5000') // { ok: true, target: { host: '127.0.0.1', port: 5000, … } } if allowed
   */
  resolve(rawUrl: string): RouteDecision {
    const path = pathOf(rawUrl);
    if (!path.startsWith('/')) return { ok: false, status: 400, reason: 'bad_request', path };
    if (!SAFE_PATH_RE.test(path) || path.includes('//') || path.split('/').some((s) => s === '.' || s === '..')) {
      return { ok: false, status: 404, reason: 'bad_path', path };
    }

    const route = this.config.routes.get(path);
    if (route) return { ok: true, target: route, path };

    if (this.config.allow.size > 0) {
      const pair = parseHostPortPath(path);
      if (pair) {
        const key = formatHostPort(pair);
        return this.config.allow.has(key)
          ? { ok: true, target: { ...pair, framing: undefined }, path }
          : { ok: false, status: 403, reason: 'not_allowed', path };
      }
    }

    if (this.config.target) return { ok: true, target: this.config.target, path };
    return { ok: false, status: 404, reason: 'unknown_path', path };
  }
}

/**
 * Reads `/HOST/PORT`, the path the client library builds from its `ws://bridge/{host}/{port}`
 * template. IPv6 hosts may come with or without brackets.
 */
export function parseHostPortPath(path: string): { host: string; port: number } | undefined {
  const parts = path.split('/');
  if (parts.length !== 3) return undefined;
  let host = parts[1]!;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const port = parsePort(parts[2]!);
  if (port === undefined || !isValidHost(host)) return undefined;
  return { host: normalizeHost(host), port };
}
