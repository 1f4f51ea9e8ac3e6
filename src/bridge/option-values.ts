/**
 * How the values of the bridge's options are read: sizes, durations, counts, addresses,
 * routes and origins. Each reader takes what a flag (always a string), a JSON config
 * file or `createBridge()` may give, and throws a `BridgeError` that names the option.
 */
import { formatHostPort, parseHostPort, parseListen, type HostPort, type ListenAddress } from './address.js';
import { BridgeError } from './errors.js';

/** How bytes cross the bridge. */
export type Framing = 'stream' | 'message';

/** A route's target with its own framing. */
export interface RouteTarget {
  /** `HOST:PORT` of the TCP XMLSocket server. */
  target: string;
  /** Framing for this route; default: the bridge's `framing`. */
  framing?: Framing;
}

/** A resolved target: where to connect and, for routes, a fixed framing. */
export interface ResolvedTarget extends HostPort {
  framing: Framing | undefined;
}

/** A duration after reading: whole milliseconds. */
export type Milliseconds = number;

export function invalid(message: string): BridgeError {
  return new BridgeError('ERR_BRIDGE_INVALID_OPTION', message);
}

/** A byte size: a positive integer, or a string like `65536`, `64k`, `1MiB`. */
export function readSize(name: string, value: number | string): number {
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

/** A whole count of at least 1. */
export function readCount(name: string, value: number | string): number {
  const n = typeof value === 'number' ? value : /^\s*[0-9]+\s*$/.test(value) ? Number(value) : NaN;
  if (Number.isSafeInteger(n) && n >= 1) return n;
  throw invalid(`${name} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
}

/**
 * Seconds (fractions allowed) into milliseconds. `0` means "off" where `zeroIsOff`;
 * anything else must come to at least 1 ms, because Node's timers read a timeout
 * rounded down to 0 as "no timeout at all".
 */
export function readSeconds(name: string, value: number | string, zeroIsOff: boolean): Milliseconds {
  const n = typeof value === 'number' ? value : /^\s*[0-9]+(\.[0-9]+)?\s*$/.test(value) ? Number(value) : NaN;
  const ms = n * 1000;
  // setTimeout clamps anything above 2^31-1 ms to 1 ms, which would turn a long timeout into none.
  if (Number.isFinite(ms) && ((zeroIsOff && ms === 0) || (ms >= 1 && ms <= 2 ** 31 - 1))) return Math.round(ms);
  const range = zeroIsOff ? 'from 0.001 (0 = off)' : 'from 0.001';
  throw invalid(`${name} must be a number of seconds ${range} to 2147483, got ${JSON.stringify(value)}`);
}

export function readBoolean(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw invalid(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

export function readPath(name: string, value: unknown): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw invalid(`${name} must be a non-empty string`);
}

export function readStringList(name: string, value: unknown): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw invalid(`${name} must be a list of strings`);
}

export function readFraming(name: string, value: unknown): Framing {
  if (value === 'stream' || value === 'message') return value;
  throw invalid(`${name} must be "stream" or "message", got ${JSON.stringify(value)}`);
}

export function readListen(value: string | number): ListenAddress {
  const listen = parseListen(value);
  if (!listen) throw invalid(`listen must be [HOST:]PORT with PORT 0-65535, got ${JSON.stringify(value)}`);
  return listen;
}

export function readTarget(name: string, value: unknown, framing?: Framing): ResolvedTarget {
  const hp = typeof value === 'string' ? parseHostPort(value) : undefined;
  if (!hp) throw invalid(`${name} must be HOST:PORT (IPv6 as [ADDR]:PORT), got ${JSON.stringify(value)}`);
  // Connecting to "any address" reaches this host by a name nobody would list on purpose.
  if (isUnspecified(hp.host)) {
    throw invalid(
      `${name}: ${JSON.stringify(value)} names no host (0.0.0.0 and :: mean "any"); give the server's address`,
    );
  }
  return { ...hp, framing };
}

function isUnspecified(host: string): boolean {
  return /^0+(\.0+){0,3}$/.test(host) || (host.includes(':') && /^[0:]+$/.test(host));
}

/** `--allow` entries as `formatHostPort` keys, the form request paths are matched in. */
export function readAllowList(value: unknown): Set<string> {
  return new Set(readStringList('allow', value).map((entry) => formatHostPort(readTarget('allow', entry))));
}

const ROUTE_PATH_RE = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;

/** `routes`: a path per target, each `"HOST:PORT"` or `{ target, framing }`. */
export function readRoutes(value: unknown): Map<string, ResolvedTarget> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('routes must be an object mapping /PATH to HOST:PORT');
  }
  const routes = new Map<string, ResolvedTarget>();
  for (const [path, route] of Object.entries(value as Record<string, unknown>)) {
    if (!ROUTE_PATH_RE.test(path) || path.split('/').some((s) => s === '.' || s === '..') || path.includes('//')) {
      throw invalid(
        `route path ${JSON.stringify(path)} must start with / and use plain characters (no %, .., //, spaces)`,
      );
    }
    if (typeof route === 'string') {
      routes.set(path, readTarget(`route ${path}`, route));
    } else if (route !== null && typeof route === 'object') {
      const { target, framing, ...rest } = route as Record<string, unknown>;
      const extra = Object.keys(rest)[0];
      if (extra !== undefined)
        throw new BridgeError('ERR_BRIDGE_UNKNOWN_OPTION', `unknown key "${extra}" in route ${path}`);
      routes.set(
        path,
        readTarget(
          `route ${path}`,
          target,
          framing === undefined ? undefined : readFraming(`route ${path} framing`, framing),
        ),
      );
    } else {
      throw invalid(`route ${path} must be "HOST:PORT" or { target, framing }`);
    }
  }
  return routes;
}

/** `--route /PATH=HOST:PORT[,FRAMING]`, repeated, as the `routes` object. */
export function routesFromFlags(values: readonly string[]): Record<string, string | RouteTarget> {
  const routes: Record<string, string | RouteTarget> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    const [target, framing, ...rest] = value.slice(eq + 1).split(',');
    if (eq <= 0 || rest.length > 0 || !target) {
      throw invalid(`--route must be /PATH=HOST:PORT[,FRAMING], got ${JSON.stringify(value)}`);
    }
    const path = value.slice(0, eq);
    if (Object.hasOwn(routes, path)) throw invalid(`--route ${path} given more than once`);
    routes[path] = framing === undefined ? target : { target, framing: framing as Framing };
  }
  return routes;
}

/** Page origins, each exactly `scheme://host[:port]` as browsers send it. */
export function readOrigins(value: unknown): Set<string> {
  return new Set(readStringList('origins', value).map(readOrigin));
}

function readOrigin(value: string): string {
  let origin: string | undefined;
  try {
    origin = new URL(value).origin;
  } catch {
    origin = undefined;
  }
  if (origin === undefined || origin === 'null' || origin !== value) {
    throw invalid(
      `origins: ${JSON.stringify(value)} is not an exact origin like https://game.example (no path, no trailing slash)`,
    );
  }
  return value;
}
