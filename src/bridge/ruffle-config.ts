/**
 * Ruffle's `socketProxy` for what this bridge serves: the list a Ruffle page gives the
 * player so that a SWF's `XMLSocket.connect(host, port)` reaches the bridge.
 *
 * Ruffle looks up the (host, port) a SWF connects to, exactly as the SWF spells it, in
 * that list, and opens the entry's `proxyUrl`; it sends binary frames only and drops
 * every text frame it receives. So the list holds, in this order:
 * - each `ruffleEntries` name (`--ruffle-entry HOST:PORT=/PATH`), host spelled as given;
 * - each `allow` pair, on its `/HOST/PORT` path;
 * - each route not named by a `ruffleEntries` entry, under its target's address;
 * - `target`, unless a `ruffleEntries` entry names it, under its own address.
 * Paths with message framing are left out (Ruffle would drop every message), and every
 * entry's path is resolved by the bridge's own {@link RouteTable} before it is listed,
 * so the list can only name what the bridge already allows.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatHostPort, isValidHost, parseHostPort, parsePort, type HostPort } from './address.js';
import { BridgeError } from './errors.js';
import { invalid, type Framing, type ResolvedTarget } from './option-values.js';
import type { BridgeConfig } from './options.js';
import { RouteTable } from './routes.js';
import { sendText } from './static.js';

/** Where the bridge serves the list as JSON. */
export const SOCKET_PROXY_PATH = '/socket-proxy.json';

/** One entry of Ruffle's `socketProxy` (and of the library's option of the same name). */
export interface SocketProxyEntry {
  /** The host the SWF connects to, as it spells it. */
  host: string;
  port: number;
  /** The bridge's public WebSocket URL for that server. */
  proxyUrl: string;
}

/** A name a game's client uses for one of the bridge's paths (`--ruffle-entry`). */
export interface RuffleName extends HostPort {
  path: string;
}

/** What the list is made from: the bridge's options, read. */
type Served = Pick<BridgeConfig, 'target' | 'routes' | 'allow' | 'framing' | 'ruffleEntries'>;

/**
 * `publicUrl`: the `ws:` or `wss:` URL players reach the bridge at, perhaps with a path
 * prefix a reverse proxy strips. Returned without a trailing slash, so paths append.
 */
export function readPublicUrl(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'ws:' && url.protocol !== 'wss:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw invalid(
      `${name} must be a ws: or wss: URL without query or credentials (e.g. wss://game.example/bridge), got ${JSON.stringify(value)}`,
    );
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * `ruffleEntries`: `{ "HOST:PORT": "/PATH" }`. The host keeps its spelling, capitals
 * included, because Ruffle compares it with the SWF's exactly.
 */
export function readRuffleEntries(value: unknown): RuffleName[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('ruffleEntries must be an object mapping HOST:PORT to /PATH');
  }
  return Object.entries(value as Record<string, unknown>).map(([address, path]) => {
    const parsed = parseHostPort(address);
    if (!parsed) throw invalid(`ruffleEntries: ${JSON.stringify(address)} must be HOST:PORT (IPv6 as [ADDR]:PORT)`);
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw invalid(`ruffleEntries: ${address} must map to a path that starts with /, got ${JSON.stringify(path)}`);
    }
    const spelled = address.startsWith('[')
      ? address.slice(1, address.indexOf(']'))
      : address.slice(0, address.lastIndexOf(':'));
    return { host: spelled, port: parsed.port, path };
  });
}

/** `--ruffle-entry HOST:PORT=/PATH`, repeated, as the `ruffleEntries` object. */
export function ruffleEntriesFromFlags(values: readonly string[]): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw invalid(`--ruffle-entry must be HOST:PORT=/PATH, got ${JSON.stringify(value)}`);
    const address = value.slice(0, eq);
    if (Object.hasOwn(entries, address)) throw invalid(`--ruffle-entry ${address} given more than once`);
    entries[address] = value.slice(eq + 1);
  }
  return entries;
}

/** The framing a path's pairs get when the client asks for none, as Ruffle never does. */
function framingOf(target: ResolvedTarget, config: Served): Framing {
  return target.framing ?? config.framing;
}

/**
 * Checks that each `ruffleEntries` path is one the bridge serves with stream framing.
 *
 * @throws {BridgeError} `ERR_BRIDGE_INVALID_OPTION`.
 */
export function checkRuffleEntries(config: Served): void {
  const table = new RouteTable(config);
  for (const { host, port, path } of config.ruffleEntries) {
    const route = table.resolve(path);
    const name = formatHostPort({ host, port });
    if (!route.ok || route.path !== path) {
      throw invalid(
        `ruffleEntries: ${name} names ${path}, which the bridge does not serve (${route.ok ? '' : route.reason})`,
      );
    }
    if (framingOf(route.target, config) === 'message') {
      throw invalid(`ruffleEntries: ${name} names ${path}, which has message framing; Ruffle drops text frames`);
    }
  }
}

/** The list, and the paths left out of it with the reason, for the operator. */
export interface SocketProxyList {
  entries: SocketProxyEntry[];
  omitted: string[];
}

/** The `socketProxy` list for the bridge's options, with `base` the public URL (no trailing slash). */
export function socketProxyEntries(config: Served, base: string): SocketProxyList {
  const table = new RouteTable(config);
  const entries: SocketProxyEntry[] = [];
  const omitted: string[] = [];
  const seen = new Set<string>();
  /** Paths some `ruffleEntries` name already stands for. */
  const named = new Set(config.ruffleEntries.map((e) => e.path));
  const namesTarget = config.ruffleEntries.some((e) => {
    const route = table.resolve(e.path);
    return route.ok && config.target !== undefined && route.target === config.target;
  });

  const add = (host: string, port: number, path: string) => {
    const route = table.resolve(path);
    // The bridge's own routing decides; an entry it would refuse is a bug here, never output.
    if (!route.ok) throw new Error(`socket proxy path ${path} is not served: ${route.reason}`);
    if (framingOf(route.target, config) === 'message') {
      omitted.push(`${path}: message framing (Ruffle drops text frames)`);
      return;
    }
    const key = `${host}\0${port}`;
    if (seen.has(key)) return; // Ruffle takes the first entry for a (host, port)
    seen.add(key);
    entries.push({ host, port, proxyUrl: `${base}${path}` });
  };

  for (const { host, port, path } of config.ruffleEntries) add(host, port, path);
  for (const key of config.allow) {
    const { host, port } = parseHostPort(key)!;
    add(host, port, `/${key.slice(0, key.lastIndexOf(':'))}/${port}`);
  }
  for (const [path, target] of config.routes) {
    if (!named.has(path)) add(target.host, target.port, path);
  }
  if (config.target && !namesTarget) {
    const path = targetPath(table, config.target);
    if (path) add(config.target.host, config.target.port, path);
  }
  return { entries, omitted };
}

/** A path that reaches `target` (`/` unless a route took it). */
function targetPath(table: RouteTable, target: ResolvedTarget): string | undefined {
  for (const path of ['/', '/target', '/xmlsocket']) {
    const route = table.resolve(path);
    if (route.ok && route.target === target) return path;
  }
  return undefined;
}

/**
 * What `--print-ruffle-config` prints: the list as JSON. Paths left out are reported
 * through `note`.
 *
 * @throws {BridgeError} `ERR_BRIDGE_INVALID_OPTION` without `publicUrl`.
 */
export function ruffleConfigText(
  config: Served & Pick<BridgeConfig, 'publicUrl'>,
  note: (line: string) => void,
): string {
  if (config.publicUrl === undefined) {
    throw new BridgeError(
      'ERR_BRIDGE_INVALID_OPTION',
      '--print-ruffle-config needs --public-url, the URL players reach the bridge at (e.g. wss://game.example/bridge)',
    );
  }
  const { entries, omitted } = socketProxyEntries(config, config.publicUrl);
  for (const line of omitted) note(`not in the Ruffle config: ${line}`);
  return `${JSON.stringify(entries, null, 2)}\n`;
}

/**
 * The base URL a request reached the bridge at, when no `publicUrl` says it: the Host
 * header, `wss:` when the bridge speaks TLS or (with `trustProxy`) the proxy says https.
 */
function requestBase(req: IncomingMessage, config: Pick<BridgeConfig, 'cert' | 'trustProxy'>): string | undefined {
  const host = req.headers.host ?? '';
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::([0-9]+))?$/.exec(host);
  const name = m?.[1]?.replace(/^\[|\]$/g, '');
  if (!m || !name || !isValidHost(name) || (m[2] !== undefined && parsePort(m[2]) === undefined)) return undefined;
  const forwarded = config.trustProxy
    ? String(req.headers['x-forwarded-proto'] ?? '')
        .split(',')
        .pop()
        ?.trim()
    : '';
  const secure = config.cert !== undefined || forwarded === 'https';
  return `${secure ? 'wss' : 'ws'}://${host}`;
}

/**
 * Answers `GET /socket-proxy.json` with the list. Pages on other origins may read it
 * (CORS): any origin when the bridge accepts every origin, else the listed ones.
 */
export function serveSocketProxy(req: IncomingMessage, res: ServerResponse, config: BridgeConfig): void {
  const base = config.publicUrl ?? requestBase(req, config);
  if (base === undefined) {
    sendText(res, 400, 'bad Host header; start the bridge with --public-url\n');
    return;
  }
  const origin = req.headers.origin;
  const cors: Record<string, string> =
    config.origins.size === 0
      ? { 'access-control-allow-origin': '*' }
      : origin !== undefined && config.origins.has(origin)
        ? { 'access-control-allow-origin': origin, vary: 'Origin' }
        : { vary: 'Origin' };
  const body = `${JSON.stringify(socketProxyEntries(config, base).entries)}\n`;
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...cors,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
