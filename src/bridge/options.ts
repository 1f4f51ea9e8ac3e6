/**
 * The bridge's options: their types, documented defaults, and validation into the
 * resolved {@link BridgeConfig} the rest of the bridge reads.
 *
 * CLI flags, the JSON config file and `createBridge()` all end here, so an option
 * means the same thing whichever way it was given.
 */
import { BridgeError } from './errors.js';
import { formatHostPort, parseHostPort, parseListen, type HostPort, type ListenAddress } from './address.js';
import type { LogSink } from './log.js';

/** How bytes cross the bridge. */
export type Framing = 'stream' | 'message';

/** A route's target with its own framing. */
export interface RouteTarget {
  /** `HOST:PORT` of the TCP XMLSocket server. */
  target: string;
  /** Framing for this route; default: the bridge's `framing`. */
  framing?: Framing;
}

/**
 * Options of {@link createBridge}. Each mirrors a CLI flag (`maxMessage` is
 * `--max-message`) and a key of the `--config` JSON file.
 */
export interface BridgeOptions {
  /** `[HOST:]PORT` or a port number to listen on. Port 0 picks a free port. Default `8080` on all interfaces. */
  listen?: string | number;
  /** `HOST:PORT`: every WebSocket path not matched otherwise goes to this server. */
  target?: string;
  /** Path to target, e.g. `{ '/chat': '127.0.0.1:5000' }` or `{ '/chat': { target: '127.0.0.1:5000', framing: 'message' } }`. */
  routes?: Record<string, string | RouteTarget>;
  /** `HOST:PORT` pairs reachable through paths of the form `/HOST/PORT`. */
  allow?: string[];
  /** Exact page origins allowed to connect, e.g. `https://game.example`. Default: any origin. */
  origins?: string[];
  /** Default framing. Default `'stream'`. A client asking for `xmlsocket.message` gets message framing. */
  framing?: Framing;
  /** Largest message in bytes, from the client, and unterminated from TCP in message mode. Default 1 MiB (1048576). */
  maxMessage?: number | string;
  /** Seconds to wait for the TCP connection before answering 504. Default 10. */
  connectTimeout?: number | string;
  /** Open plus pending connections before answering 503. Default 10000. */
  maxConnections?: number | string;
  /** Connections per client address before answering 429. Default 256. */
  maxPerIp?: number | string;
  /** Seconds without traffic either way before the pair is closed. Default 0 (off). */
  idleTimeout?: number | string;
  /**
   * Seconds between WebSocket pings. A client that has not answered the previous ping
   * (nor sent anything) when the next one is due is cut, and its TCP connection freed:
   * a client that vanished silently is found within two intervals. Default 30; 0 = off.
   */
  pingInterval?: number | string;
  /** Seconds a client may take to send the HTTP/upgrade request headers before it is cut. Default 10. */
  headersTimeout?: number | string;
  /** Largest HTTP request head in bytes; bigger ones get 431. Default 16 KiB (16384). */
  maxHeaderSize?: number | string;
  /** Bytes queued towards a slow peer before the other side is paused. Default 256 KiB (262144). */
  highWaterMark?: number | string;
  /** Seconds `close()` waits for WebSocket close handshakes before cutting sockets. Default 10. */
  shutdownTimeout?: number | string;
  /** Directory whose files are served over HTTP on the same port. Default: none. */
  static?: string;
  /** PEM certificate file; with `key`, the bridge speaks HTTPS/wss. */
  cert?: string;
  /** PEM private key file for `cert`. */
  key?: string;
  /** Take the client address from the last `X-Forwarded-For` entry (behind a reverse proxy). Default false. */
  trustProxy?: boolean;
  /**
   * Every connection starts with a PROXY protocol v1 or v2 header (a load balancer in
   * TCP mode: HAProxy `send-proxy`/`send-proxy-v2`), whose source address is the
   * client's. Connections without a valid header are closed. Default false.
   */
  proxyProtocol?: boolean;
  /** Log warnings and errors only. Default false. */
  quiet?: boolean;
  /** Also log each connection's start and debugging detail. Default false. */
  verbose?: boolean;
  /** Receives each structured log line. Default: JSON lines, info on stdout, warnings and errors on stderr. */
  log?: LogSink;
}

/** Defaults for every option that has one; the README and `--help` print these. */
export const DEFAULTS = {
  listen: 8080,
  framing: 'stream' as Framing,
  maxMessage: 1024 * 1024,
  connectTimeout: 10,
  maxConnections: 10000,
  maxPerIp: 256,
  idleTimeout: 0,
  pingInterval: 30,
  headersTimeout: 10,
  maxHeaderSize: 16 * 1024,
  highWaterMark: 256 * 1024,
  shutdownTimeout: 10,
} as const;

/** A resolved target: where to connect and, for routes, a fixed framing. */
export interface ResolvedTarget extends HostPort {
  framing: Framing | undefined;
}

/** Options after validation: every default applied, every address parsed. */
export interface BridgeConfig {
  listen: ListenAddress;
  target: ResolvedTarget | undefined;
  routes: Map<string, ResolvedTarget>;
  /** `formatHostPort` keys. */
  allow: Set<string>;
  origins: Set<string>;
  framing: Framing;
  maxMessage: number;
  connectTimeoutMs: number;
  maxConnections: number;
  maxPerIp: number;
  idleTimeoutMs: number;
  pingIntervalMs: number;
  headersTimeoutMs: number;
  maxHeaderSize: number;
  highWaterMark: number;
  shutdownTimeoutMs: number;
  static: string | undefined;
  cert: string | undefined;
  key: string | undefined;
  trustProxy: boolean;
  proxyProtocol: boolean;
  quiet: boolean;
  verbose: boolean;
  log: LogSink | undefined;
}

/** Every option key, for unknown-key detection in objects and config files. */
export const OPTION_KEYS: readonly (keyof BridgeOptions)[] = [
  'listen',
  'target',
  'routes',
  'allow',
  'origins',
  'framing',
  'maxMessage',
  'connectTimeout',
  'maxConnections',
  'maxPerIp',
  'idleTimeout',
  'pingInterval',
  'headersTimeout',
  'maxHeaderSize',
  'highWaterMark',
  'shutdownTimeout',
  'static',
  'cert',
  'key',
  'trustProxy',
  'proxyProtocol',
  'quiet',
  'verbose',
  'log',
];

const ROUTE_PATH_RE = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;

function invalid(message: string): BridgeError {
  return new BridgeError('ERR_BRIDGE_INVALID_OPTION', message);
}

/** Parses a byte size: a non-negative integer, or a string like `65536`, `64k`, `1MiB`. */
export function parseSize(name: string, value: number | string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value > 0) return value;
  } else {
    const m = /^\s*([0-9]+)\s*(b|k|kb|kib|m|mb|mib)?\s*$/i.exec(value);
    if (m) {
      const unit = (m[2] ?? 'b').toLowerCase();
      const factor = unit === 'b' ? 1 : unit.startsWith('k') ? 1024 : 1024 * 1024;
      const size = Number(m[1]) * factor;
      if (Number.isSafeInteger(size) && size > 0) return size;
    }
  }
  throw invalid(`${name} must be a positive size in bytes (e.g. 1048576, 64k, 1MiB), got ${JSON.stringify(value)}`);
}

/** Parses a whole count of at least 1. */
export function parseCount(name: string, value: number | string): number {
  const n = typeof value === 'number' ? value : /^\s*[0-9]+\s*$/.test(value) ? Number(value) : NaN;
  if (Number.isSafeInteger(n) && n >= 1) return n;
  throw invalid(`${name} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
}

/** Parses seconds (fractions allowed) into milliseconds; `allowZero` for "off". */
export function parseSeconds(name: string, value: number | string, allowZero: boolean): number {
  const n = typeof value === 'number' ? value : /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(value) ? Number(value) : NaN;
  // setTimeout clamps anything above 2^31-1 ms to 1 ms, which would turn a long timeout into none.
  if (Number.isFinite(n) && (n > 0 || (allowZero && n === 0)) && n * 1000 <= 2 ** 31 - 1) return Math.round(n * 1000);
  throw invalid(
    `${name} must be a number of seconds${allowZero ? ' (0 = off)' : ' greater than 0'}, got ${JSON.stringify(value)}`,
  );
}

function parseFraming(name: string, value: unknown): Framing {
  if (value === 'stream' || value === 'message') return value;
  throw invalid(`${name} must be "stream" or "message", got ${JSON.stringify(value)}`);
}

function parseTarget(name: string, value: unknown, framing: Framing | undefined): ResolvedTarget {
  const hp = typeof value === 'string' ? parseHostPort(value) : undefined;
  if (!hp) throw invalid(`${name} must be HOST:PORT (IPv6 as [ADDR]:PORT), got ${JSON.stringify(value)}`);
  return { ...hp, framing };
}

function stringList(name: string, value: unknown): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw invalid(`${name} must be a list of strings`);
}

function bool(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw invalid(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0) return value;
  throw invalid(`${name} must be a non-empty string`);
}

/** Checks that a page origin is `scheme://host[:port]` with nothing after it, as browsers send it. */
function parseOrigin(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || url.origin === 'null' || url.origin !== value) {
    throw invalid(
      `origins: ${JSON.stringify(value)} is not an exact origin like https://game.example (no path, no trailing slash)`,
    );
  }
  return value;
}

/**
 * Validates options and applies defaults.
 *
 * @throws {BridgeError} `ERR_BRIDGE_UNKNOWN_OPTION`, `ERR_BRIDGE_INVALID_OPTION` or `ERR_BRIDGE_NO_TARGET`.
 */
export function resolveOptions(options: BridgeOptions): BridgeConfig {
  if (options === null || typeof options !== 'object') throw invalid('options must be an object');
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      throw new BridgeError('ERR_BRIDGE_UNKNOWN_OPTION', `unknown option "${key}"`);
    }
  }
  const o = options;
  const listen = parseListen(o.listen ?? DEFAULTS.listen);
  if (!listen) throw invalid(`listen must be [HOST:]PORT with PORT 0-65535, got ${JSON.stringify(o.listen)}`);
  const framing = o.framing === undefined ? DEFAULTS.framing : parseFraming('framing', o.framing);

  const routes = new Map<string, ResolvedTarget>();
  if (o.routes !== undefined) {
    if (o.routes === null || typeof o.routes !== 'object' || Array.isArray(o.routes)) {
      throw invalid('routes must be an object mapping /PATH to HOST:PORT');
    }
    for (const [path, value] of Object.entries(o.routes)) {
      if (!ROUTE_PATH_RE.test(path) || path.split('/').some((s) => s === '.' || s === '..') || path.includes('//')) {
        throw invalid(
          `route path ${JSON.stringify(path)} must start with / and use plain characters (no %, .., //, spaces)`,
        );
      }
      if (typeof value === 'string') {
        routes.set(path, parseTarget(`route ${path}`, value, undefined));
      } else if (value && typeof value === 'object') {
        for (const k of Object.keys(value)) {
          if (k !== 'target' && k !== 'framing')
            throw new BridgeError('ERR_BRIDGE_UNKNOWN_OPTION', `unknown key "${k}" in route ${path}`);
        }
        const f = value.framing === undefined ? undefined : parseFraming(`route ${path} framing`, value.framing);
        routes.set(path, parseTarget(`route ${path}`, value.target, f));
      } else {
        throw invalid(`route ${path} must be "HOST:PORT" or { target, framing }`);
      }
    }
  }

  const allow = new Set<string>();
  for (const entry of o.allow === undefined ? [] : stringList('allow', o.allow)) {
    allow.add(formatHostPort(parseTarget('allow', entry, undefined)));
  }
  const origins = new Set((o.origins === undefined ? [] : stringList('origins', o.origins)).map(parseOrigin));
  const target = o.target === undefined ? undefined : parseTarget('target', o.target, undefined);
  if (!target && routes.size === 0 && allow.size === 0) {
    throw new BridgeError(
      'ERR_BRIDGE_NO_TARGET',
      'no target: give --target HOST:PORT, --route /PATH=HOST:PORT or --allow HOST:PORT',
    );
  }

  const cert = optionalString('cert', o.cert);
  const key = optionalString('key', o.key);
  if ((cert === undefined) !== (key === undefined)) throw invalid('cert and key must be given together');
  if (o.log !== undefined && typeof o.log !== 'function') throw invalid('log must be a function');
  const proxyProtocol = o.proxyProtocol === undefined ? false : bool('proxyProtocol', o.proxyProtocol);
  if (proxyProtocol && cert !== undefined) {
    throw invalid(
      'proxyProtocol cannot be combined with cert/key yet: terminate TLS at the load balancer, or pass it through without the PROXY header',
    );
  }

  return {
    listen,
    target,
    routes,
    allow,
    origins,
    framing,
    maxMessage: o.maxMessage === undefined ? DEFAULTS.maxMessage : parseSize('maxMessage', o.maxMessage),
    connectTimeoutMs: parseSeconds('connectTimeout', o.connectTimeout ?? DEFAULTS.connectTimeout, false),
    maxConnections: parseCount('maxConnections', o.maxConnections ?? DEFAULTS.maxConnections),
    maxPerIp: parseCount('maxPerIp', o.maxPerIp ?? DEFAULTS.maxPerIp),
    idleTimeoutMs: parseSeconds('idleTimeout', o.idleTimeout ?? DEFAULTS.idleTimeout, true),
    pingIntervalMs: parseSeconds('pingInterval', o.pingInterval ?? DEFAULTS.pingInterval, true),
    headersTimeoutMs: parseSeconds('headersTimeout', o.headersTimeout ?? DEFAULTS.headersTimeout, false),
    maxHeaderSize: o.maxHeaderSize === undefined ? DEFAULTS.maxHeaderSize : parseSize('maxHeaderSize', o.maxHeaderSize),
    highWaterMark: o.highWaterMark === undefined ? DEFAULTS.highWaterMark : parseSize('highWaterMark', o.highWaterMark),
    shutdownTimeoutMs: parseSeconds('shutdownTimeout', o.shutdownTimeout ?? DEFAULTS.shutdownTimeout, false),
    static: optionalString('static', o.static),
    cert,
    key,
    trustProxy: o.trustProxy === undefined ? false : bool('trustProxy', o.trustProxy),
    proxyProtocol,
    quiet: o.quiet === undefined ? false : bool('quiet', o.quiet),
    verbose: o.verbose === undefined ? false : bool('verbose', o.verbose),
    log: o.log,
  };
}
