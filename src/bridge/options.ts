/**
 * Every option of the bridge, declared once.
 *
 * Each entry of {@link OPTIONS} is one option: its config key (the entry's name), its
 * flag, the flag's argument, its default, how its value is read and checked, the
 * line `--help` prints, and, in the doc comment above it, the line of the options
 * table in docs/bridge.md (generated from this file). {@link BridgeOptions} (with those
 * doc comments), {@link DEFAULTS}, {@link BridgeConfig}, validation, the command's
 * flags and `--help` are all derived from the table: adding an option is one entry
 * here plus its behaviour.
 */
import { BridgeError } from './errors.js';
import type { ListenAddress } from './address.js';
import type { LogSink } from './log.js';
import type { ProxyVersion } from './proxy-protocol.js';
import {
  invalid,
  readAllowList,
  readBoolean,
  readCount,
  readFraming,
  readListen,
  readOrigins,
  readPath,
  readRoutes,
  readSeconds,
  readSize,
  readTarget,
  routesFromFlags,
  type Framing,
  type Milliseconds,
  type ResolvedTarget,
  type RouteTarget,
} from './option-values.js';
import {
  checkRuffleEntries,
  readPublicUrl,
  readRuffleEntries,
  ruffleEntriesFromFlags,
  type RuffleName,
} from './ruffle-config.js';

export type { Framing, ResolvedTarget, RouteTarget } from './option-values.js';

/** How one option is given, defaulted, read and described. */
export interface OptionSpec<In, Out> {
  /**
   * The command-line flag; by default `--` and the key in kebab-case. `false` for an
   * option only `createBridge()` takes (not a flag, not a config-file key).
   */
  readonly flag?: `--${string}` | false;
  /** What the flag's value looks like in `--help` (`BYTES`); absent for a switch. */
  readonly arg?: string;
  /** Whether the flag may be given more than once; its values go through `fromFlags`. */
  readonly repeat?: boolean;
  /** The default, as a user would write it; absent when there is none. */
  readonly default?: In;
  /** How the default reads in `--help` and the docs, where the value alone does not say. */
  readonly defaultText?: string;
  /** The line `--help` prints. */
  readonly help: string;
  /** Checks a value (the default when none was given) and turns it into what the bridge uses. */
  read(value: In | undefined, key: string): Out;
  /** Turns the values of a repeated flag into the option's value. */
  fromFlags?(values: string[]): In;
}

type Spec<In, Out> = OptionSpec<In, Out>;
/** An option with a default; `D` is the default's own type (a size's default is a number, though `64k` is accepted). */
type Defaulted<In, Out, D extends In = In> = Spec<In, Out> & { readonly default: D; readonly defaultText: string };

/** A byte size; flags and config files may write `64k` or `1MiB`. */
function size(help: string, bytes: number, readable: string): Defaulted<number | string, number, number> {
  return {
    arg: 'BYTES',
    help,
    default: bytes,
    defaultText: `${bytes} (${readable})`,
    read: (v, k) => readSize(k, v ?? bytes),
  };
}

/** A duration in seconds (fractions allowed), read into milliseconds. */
function seconds(help: string, secs: number, zeroIsOff = false): Defaulted<number | string, Milliseconds, number> {
  return {
    arg: 'SECONDS',
    help: zeroIsOff ? `${help} (0 = off)` : help,
    default: secs,
    defaultText: zeroIsOff && secs === 0 ? '0 (off)' : String(secs),
    read: (v, k) => readSeconds(k, v ?? secs, zeroIsOff),
  };
}

function count(help: string, n: number): Defaulted<number | string, number, number> {
  return { arg: 'N', help, default: n, defaultText: String(n), read: (v, k) => readCount(k, v ?? n) };
}

/** An on/off flag, off by default. */
function toggle(help: string): Defaulted<boolean, boolean> {
  return { help, default: false, defaultText: 'off', read: (v, k) => readBoolean(k, v ?? false) };
}

/** A file or directory, none by default. */
function path(arg: string, help: string): Spec<string, string | undefined> {
  return { arg, help, read: (v, k) => (v === undefined ? undefined : readPath(k, v)) };
}

/** The options, in `--help` and docs order. */
export const OPTIONS = {
  /** Address for HTTP and WebSocket. `[::1]:8080` for IPv6; port 0 picks a free port. */
  listen: {
    arg: '[HOST:]PORT',
    help: 'address for HTTP and WebSocket',
    default: 8080,
    defaultText: '8080 (all interfaces)',
    read: (v): ListenAddress => readListen(v ?? 8080),
  } satisfies Defaulted<number | string, ListenAddress, number>,
  /** Every WebSocket path that no route or `/HOST/PORT` rule matches goes to this TCP server. */
  target: {
    arg: 'HOST:PORT',
    help: 'send every WebSocket path to this TCP server',
    read: (v, k) => (v === undefined ? undefined : readTarget(k, v)),
  } satisfies Spec<string, ReturnType<typeof readTarget> | undefined>,
  /**
   * One path goes to one server: `{ "/chat": "10.0.0.5:5000" }`, or with its own framing
   * `{ "/lobby": { "target": "10.0.0.6:9339", "framing": "message" } }`.
   */
  routes: {
    flag: '--route',
    arg: '/PATH=HOST:PORT[,FRAMING]',
    repeat: true,
    help: 'send one path to one TCP server (FRAMING: stream|message)',
    read: (v) => (v === undefined ? new Map<string, ResolvedTarget>() : readRoutes(v)),
    fromFlags: routesFromFlags,
  } satisfies Spec<Record<string, string | RouteTarget>, ReturnType<typeof readRoutes>>,
  /**
   * Allows the path `/HOST/PORT` for this pair, to match the library's
   * `ws://bridge/{host}/{port}` URL template. The host must be spelled as the client spells it.
   */
  allow: {
    arg: 'HOST:PORT',
    repeat: true,
    help: 'allow this pair through the path /HOST/PORT',
    read: (v) => (v === undefined ? new Set<string>() : readAllowList(v)),
    fromFlags: (values) => values,
  } satisfies Spec<string[], Set<string>>,
  /** Exact page origins allowed to connect, e.g. `https://game.example`; any origin when none is given. */
  origins: {
    flag: '--origin',
    arg: 'ORIGIN',
    repeat: true,
    help: 'allow pages from this exact origin (e.g. https://game.example)',
    defaultText: 'any origin',
    read: (v) => (v === undefined ? new Set<string>() : readOrigins(v)),
    fromFlags: (values) => values,
  } satisfies Spec<string[], Set<string>>,
  /** Default framing: `stream` (raw bytes, as websockify) or `message` (one text frame per XML message). */
  framing: {
    arg: 'stream|message',
    help: 'default framing; clients asking for xmlsocket.message get message',
    default: 'stream' as Framing,
    defaultText: 'stream',
    read: (v, k) => readFraming(k, v ?? 'stream'),
  } satisfies Defaulted<Framing, Framing>,
  /**
   * Largest client frame. In message framing, also the largest TCP message that has not
   * reached its 0x00 yet. Beyond it: close 1009.
   */
  maxMessage: size('largest message (client frame; unterminated TCP data in message mode)', 1024 * 1024, '1 MiB'),
  /** Time allowed for the TCP connection before the handshake gets 504. */
  connectTimeout: seconds('wait this long for the TCP connection, then answer 504', 10),
  /** Open plus pending connections. Beyond it: 503. */
  maxConnections: count('open plus pending connections before answering 503', 10000),
  /**
   * Connections per client address (IPv6: per /64). Beyond it: 429. Sockets still in
   * their handshake count too, with room for `maxHandshakes` more (see below).
   */
  maxPerIp: count('connections per client address (IPv6: per /64) before answering 429', 256),
  /**
   * Sockets a bridge holds beyond its connections while they handshake (TCP accepted;
   * TLS, PROXY header or HTTP request not done). A socket beyond `maxConnections` plus
   * this in all, or beyond `maxPerIp` plus this from one address, is closed at once,
   * unanswered (`max_handshakes`). Both are lowered at start when they would not fit
   * in the process's open-file limit.
   */
  maxHandshakes: count('sockets still in their handshake, beyond the connections, before new ones are closed', 1024),
  /** Closes a pair that has had no data either way for this long. */
  idleTimeout: seconds('close pairs without traffic either way for this long', 0, true),
  /**
   * Pings every client this often; a client that answered neither the previous ping nor
   * sent anything is cut (`ping_timeout`) and its TCP connection freed, so a vanished
   * player is found within two intervals.
   */
  pingInterval: seconds('ping each client this often; one that misses a ping is cut', 30, true),
  /** Time a client may take to send its HTTP request head (slowloris); slower ones get 408. */
  headersTimeout: seconds('cut clients that take longer to send the request headers', 10),
  /** Largest HTTP request head; larger ones get 431. */
  maxHeaderSize: size('largest request head; bigger ones get 431', 16 * 1024, '16 KiB'),
  /** Bytes queued towards a slow peer before the bridge stops reading from the other side. */
  highWaterMark: size('bytes queued towards a slow peer before pausing the other side', 256 * 1024, '256 KiB'),
  /** On SIGTERM/SIGINT or `close()`, how long to wait for close handshakes before cutting sockets. */
  shutdownTimeout: seconds('on SIGTERM/SIGINT, wait this long for close handshakes', 10),
  /** Serves the files in this directory (the game page and its assets) on the same port. */
  static: path('DIR', 'serve the files in DIR over HTTP on the same port'),
  /**
   * The `ws:`/`wss:` URL players reach the bridge at, e.g. behind a TLS terminator or a
   * proxy that strips a path prefix. Ruffle's `socketProxy` list is built on it; without
   * it, `/socket-proxy.json` answers with the URL each request came to.
   */
  publicUrl: {
    arg: 'URL',
    help: 'the ws:/wss: URL players reach the bridge at (for the Ruffle config)',
    defaultText: 'the URL of each request',
    read: (v, k) => readPublicUrl(k, v),
  } satisfies Spec<string, string | undefined>,
  /**
   * Lists PATH in Ruffle's `socketProxy` under HOST:PORT, the address the game's SWF
   * connects to, instead of the route's or target's own address: `{ "game.example:9339": "/chat" }`.
   */
  ruffleEntries: {
    flag: '--ruffle-entry',
    arg: 'HOST:PORT=/PATH',
    repeat: true,
    help: "list PATH in Ruffle's socketProxy under the address the SWF connects to",
    read: (v) => readRuffleEntries(v),
    fromFlags: ruffleEntriesFromFlags,
  } satisfies Spec<Record<string, string>, RuffleName[]>,
  /** PEM certificate; with `key`, the bridge speaks HTTPS and `wss://`. */
  cert: path('FILE', 'PEM certificate; with --key, serve HTTPS and wss'),
  /** PEM private key for `cert`. */
  key: path('FILE', 'PEM private key for --cert'),
  /** Takes the client address from the last `X-Forwarded-For` entry. Only behind a reverse proxy. */
  trustProxy: toggle('take the client address from X-Forwarded-For (behind a reverse proxy)'),
  /**
   * Every connection must start with a PROXY protocol v1 or v2 header (HAProxy TCP mode,
   * `send-proxy`/`send-proxy-v2`), whose source address is the client address for
   * `maxPerIp`, logs and metrics. Connections without a valid header within 10 s are
   * closed. Not with `cert`/`key`.
   */
  proxyProtocol: toggle(
    'each connection starts with a PROXY v1/v2 header naming the client (load balancer in TCP mode)',
  ),
  /**
   * Raw TCP XMLSocket clients (the Flash projector, AIR, Ruffle's desktop player) on the
   * same port as browsers: the bridge tells them apart by their first bytes and relays
   * a raw client byte for byte to `rawTarget`.
   */
  rawTcp: toggle('also take raw TCP XMLSocket clients on this port (desktop players)'),
  /** Where raw TCP clients go; by default `target`. A raw client never chooses its target. */
  rawTarget: {
    arg: 'HOST:PORT',
    help: 'send raw TCP clients to this server',
    defaultText: 'the --target',
    read: (v, k) => (v === undefined ? undefined : readTarget(k, v)),
  } satisfies Spec<string, ReturnType<typeof readTarget> | undefined>,
  /**
   * How long a new connection may stay silent before it is taken for a raw client
   * (a game server that speaks first). A browser's first bytes arrive at once and are
   * never waited for; a browser's spare connection, silent until it carries a request,
   * still goes to HTTP unless the game server greets it first.
   */
  sniffWait: seconds('with --raw-tcp, a silent connection is a raw client after this long', 0.5),
  /**
   * `auto`: answer Flash's `<policy-file-request/>` with a policy the bridge writes,
   * permitting exactly the port(s) where it takes raw clients, for the domains of
   * `origins` (any domain when none is given). Without it or `policyFile`, a raw client's
   * policy request goes to the game server like any other message.
   */
  policy: {
    arg: 'auto',
    help: 'answer policy-file requests with a policy the bridge writes',
    read: (v, k) => {
      if (v === undefined || v === 'auto') return v;
      throw invalid(`${k} must be "auto" (or give policyFile), got ${JSON.stringify(v)}`);
    },
  } satisfies Spec<'auto', 'auto' | undefined>,
  /** Answer Flash's `<policy-file-request/>` with this cross-domain policy file. */
  policyFile: path('FILE', 'answer policy-file requests with this policy'),
  /** Also answer policy requests on this address (port 843 is where Flash asks first). */
  policyListen: {
    arg: '[HOST:]PORT',
    help: 'answer policy-file requests on this port too (843 in production)',
    read: (v): ListenAddress | undefined => (v === undefined ? undefined : readListen(v)),
  } satisfies Spec<number | string, ListenAddress | undefined>,
  /**
   * Start every connection to a target, WebSocket or raw, with a PROXY protocol header
   * (HAProxy's `send-proxy` / `send-proxy-v2`) naming the player's address, so the game
   * server sees the player, not the bridge.
   */
  sendProxy: {
    arg: 'v1|v2',
    help: "start each target connection with a PROXY header naming the player's address",
    read: (v, k) => {
      if (v === undefined || v === 'v1' || v === 'v2') return v;
      throw invalid(`${k} must be "v1" or "v2", got ${JSON.stringify(v)}`);
    },
  } satisfies Spec<ProxyVersion, ProxyVersion | undefined>,
  /** Logs warnings and errors only. */
  quiet: toggle('log warnings and errors only'),
  /** Also logs each pair as it opens. */
  verbose: toggle('also log each connection as it opens'),
  /** Receives each structured log line; by default JSON lines go to stdout (info) and stderr (warnings). */
  log: {
    flag: false,
    help: 'receives each log line',
    defaultText: 'JSON lines on stdout/stderr',
    read: (v, k) => {
      if (v !== undefined && typeof v !== 'function') throw invalid(`${k} must be a function`);
      return v;
    },
  } satisfies Spec<LogSink, LogSink | undefined>,
} as const;

type Options = typeof OPTIONS;
/** An option's key. */
export type OptionKey = keyof Options;
type InputOf<S> = S extends OptionSpec<infer In, unknown> ? In : never;
type OutputOf<S> = S extends { read: (...args: never[]) => infer Out } ? Out : never;

/**
 * Options of {@link createBridge}, named like the command's flags in camelCase
 * (`--max-message` is `maxMessage`) and like the keys of its `--config` file. Durations
 * are seconds and may have fractions; sizes are bytes, or strings like `64k`, `1MiB`.
 */
export type BridgeOptions = { -readonly [K in OptionKey]?: InputOf<Options[K]> };

/** Options after reading: every default applied, addresses parsed, durations in milliseconds. */
export type BridgeConfig = { readonly [K in OptionKey]: OutputOf<Options[K]> };

type DefaultOf<S> = S extends { readonly default: infer D } ? D : never;
type DefaultedKey = { [K in OptionKey]: Options[K] extends { readonly default: unknown } ? K : never }[OptionKey];

/** The default of every option that has one, as a user would write it (seconds, bytes). */
export const DEFAULTS = Object.fromEntries(
  Object.entries(OPTIONS).flatMap(([key, spec]) => ('default' in spec ? [[key, spec.default]] : [])),
) as { readonly [K in DefaultedKey]: DefaultOf<Options[K]> };

/** An option's flag, or `undefined` for one only `createBridge()` takes. */
export function flagOf(key: OptionKey): `--${string}` | undefined {
  const spec: OptionSpec<unknown, unknown> = OPTIONS[key];
  if (spec.flag === false) return undefined;
  return spec.flag ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** How an option's default reads in `--help` and the docs (every default comes with its text). */
export function defaultTextOf(key: OptionKey): string {
  const spec: OptionSpec<unknown, unknown> = OPTIONS[key];
  return spec.defaultText ?? 'none';
}

/** Whether `key` names an option (an own key of the table, so `toString` is not one). */
export function isOptionKey(key: string): key is OptionKey {
  return Object.hasOwn(OPTIONS, key);
}

/**
 * Checks every option, applies defaults, and checks the options that depend on each other.
 *
 * @throws {BridgeError} `ERR_BRIDGE_UNKNOWN_OPTION`, `ERR_BRIDGE_INVALID_OPTION` or `ERR_BRIDGE_NO_TARGET`.
 */
export function resolveOptions(options: BridgeOptions): BridgeConfig {
  if (options === null || typeof options !== 'object') throw invalid('options must be an object');
  for (const key of Object.keys(options)) {
    if (!isOptionKey(key)) throw new BridgeError('ERR_BRIDGE_UNKNOWN_OPTION', `unknown option "${key}"`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(OPTIONS) as [OptionKey, OptionSpec<unknown, unknown>][]) {
    config[key] = spec.read(options[key], key);
  }
  return checkCombinations(config as BridgeConfig);
}

function checkCombinations(config: BridgeConfig): BridgeConfig {
  if (!config.target && config.routes.size === 0 && config.allow.size === 0) {
    throw new BridgeError(
      'ERR_BRIDGE_NO_TARGET',
      'no target: give --target HOST:PORT, --route /PATH=HOST:PORT or --allow HOST:PORT',
    );
  }
  if ((config.cert === undefined) !== (config.key === undefined)) throw invalid('cert and key must be given together');
  if (config.rawTcp && !config.rawTarget && !config.target) {
    throw invalid('rawTcp needs a server for raw clients: give --raw-target HOST:PORT or --target HOST:PORT');
  }
  if (config.rawTarget && !config.rawTcp) throw invalid('rawTarget is only used with rawTcp');
  if (config.policy && config.policyFile) throw invalid('give policy auto or policyFile, not both');
  const answersPolicy = config.policy !== undefined || config.policyFile !== undefined;
  if (answersPolicy && !config.rawTcp && !config.policyListen) {
    throw invalid('policy and policyFile answer raw clients: give --raw-tcp, --policy-listen, or both');
  }
  if (config.policyListen && !answersPolicy) throw invalid('policyListen needs policy auto or policyFile');
  checkRuffleEntries(config);
  if (config.proxyProtocol && config.trustProxy) {
    throw invalid(
      'proxyProtocol and trustProxy cannot be combined: the PROXY header names the client, and an X-Forwarded-For header would let the client name itself',
    );
  }
  if (config.proxyProtocol && config.cert !== undefined) {
    throw invalid(
      'proxyProtocol cannot be combined with cert/key yet: terminate TLS at the load balancer, or pass it through without the PROXY header',
    );
  }
  return config;
}
