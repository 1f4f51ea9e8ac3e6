// Settings: what the user may configure, their defaults, and validation that fails
// when the option is given rather than at the first connect.

/** How XMLSocket messages ride on the WebSocket (see the README's "Framing"). */
export type Framing = 'stream' | 'message';

/**
 * One entry of Ruffle's `socketProxy` option, accepted as is so that a site's
 * Ruffle configuration carries over.
 */
export interface SocketProxyEntry {
  host: string;
  port: number;
  proxyUrl: string;
}

/** Maps a (host, port) the game asked for to a WebSocket URL; `null` means "no route". */
export type UrlResolver = (host: string, port: number) => string | null | undefined;

/** The part of `DOMParser` the library uses (xmldom's `DOMParser` fits). */
export interface XMLParserLike {
  parseFromString(source: string, mimeType: 'text/xml'): Document;
}

/** The part of `XMLSerializer` the library uses (xmldom's `XMLSerializer` fits). */
export interface XMLSerializerLike {
  serializeToString(node: Node): string;
}

/**
 * What the library needs of a WebSocket. The browser's `WebSocket` and `ws`'s both fit,
 * so `configure({ WebSocket })` with `ws` type-checks without a cast. The library
 * assigns the handlers and never calls them, so their events are the implementation's
 * own (hence `never`: any event type fits).
 */
export interface WebSocketLike {
  binaryType: string;
  send(data: string | Uint8Array): void;
  close(): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

/** A `WebSocket` constructor: the browser's, or `ws`'s in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Everything `configure()` and the per-socket options accept. */
export interface XMLSocketOptions {
  /** Ruffle-style list of exact (host, port) to URL routes; the first match wins. */
  socketProxy?: SocketProxyEntry[];
  /**
   * A URL template with `{host}` and `{port}` placeholders, `ws:`/`wss:` or relative
   * to the page (`/bridge/{host}/{port}`), or a function of (host, port).
   * Default: `ws://{host}:{port}/` (`wss://` on https pages).
   */
  url?: string | UrlResolver;
  /** `'stream'` (default: raw bytes, 0x00 after each message) or `'message'`. */
  framing?: Framing;
  /** WebSocket subprotocols to request, e.g. `'xmlsocket.message'` for the bridge. */
  protocols?: string | string[];
  /** Connect timeout in ms (default 20000; values under 250 count as 250, as in Flash). */
  timeout?: number;
  /** The WebSocket implementation, where there is no global one (Node before 22). */
  WebSocket?: WebSocketConstructor;
  /** XML parser used where there is no global `DOMParser` (Workers, Node). */
  parser?: XMLParserLike;
  /** XML serializer used where there is no global `XMLSerializer`. */
  serializer?: XMLSerializerLike;
  /**
   * Turns a message into what `onXML` and the `xml` event receive, instead of a DOM
   * document (the AS2 entry's `as2Document` gives Flash `XML` objects).
   */
  documentFactory?: (source: string, ignoreWhite: boolean) => unknown;
}

/** Settings after defaults are applied. */
export type Settings = XMLSocketOptions & { framing: Framing; timeout: number };

/** Stable code of every configuration error. */
export const CONFIG_ERROR = 'ERR_XMLSOCKET_CONFIG';

const defaults: Settings = { framing: 'stream', timeout: 20000 };

const isString = (v: unknown) => typeof v === 'string';

/**
 * ws: and wss: URLs (placeholders allowed), or URLs relative to the page, which the
 * browser resolves to ws: or wss: on the page's own address. Anything else would not
 * open a WebSocket.
 */
function isWebSocketUrl(url: unknown): boolean {
  try {
    return isString(url) && /^wss?:$/.test(new URL(url.replace(/\{(host|port)\}/g, '1'), 'ws://h').protocol);
  } catch {
    return false;
  }
}

const isProxyEntry = (e: Partial<SocketProxyEntry> | null) =>
  isString(e?.host) && Number.isInteger(e?.port) && isWebSocketUrl(e?.proxyUrl);

/**
 * Per option: what its value must be, as a `typeof` name or, where that is not
 * enough, a test and the words the error uses.
 */
const checks: { [K in keyof XMLSocketOptions]-?: string | [(value: unknown) => boolean, string] } = {
  socketProxy: [(v) => Array.isArray(v) && v.every(isProxyEntry), 'a list of { host, port, proxyUrl }'],
  url: [(v) => typeof v === 'function' || isWebSocketUrl(v), 'a ws:, wss: or relative URL, or a function'],
  framing: [(v) => v === 'stream' || v === 'message', '"stream" or "message"'],
  protocols: [(v) => isString(v) || (Array.isArray(v) && v.every(isString)), 'a string or strings'],
  timeout: [(v) => (v as number) >= 0, 'milliseconds'],
  WebSocket: 'function',
  parser: 'object',
  serializer: 'object',
  documentFactory: 'function',
};

/**
 * Thrown where the platform lacks a piece (WebSocket, DOMParser, XMLSerializer) and
 * the settings give none: a setup error, so it fails fast.
 */
export function missingError(what: string, option: string, code: string): Error {
  return Object.assign(new TypeError(`XMLSocket: no ${what} here; configure({ ${option} })`), { code });
}

function configError(message: string): TypeError {
  return Object.assign(new TypeError(`XMLSocket: ${message}`), { code: CONFIG_ERROR });
}

/** Throws the configuration error for `key` unless `value` is acceptable. */
export function checkOption(key: string, value: unknown): void {
  if (!Object.hasOwn(checks, key)) {
    // An AS2 habit: ignoreWhite lives on the prototype, as XML.prototype.ignoreWhite did.
    throw configError(`unknown option "${key}"${key == 'ignoreWhite' ? ': set XMLSocket.prototype.ignoreWhite' : ''}`);
  }
  const check = checks[key as keyof XMLSocketOptions];
  const [test, expected] = isString(check) ? [(v: unknown) => typeof v === check && v !== null, `a ${check}`] : check;
  if (value !== undefined && !test(value)) {
    const got = isString(value) ? `"${value}"` : typeof value;
    throw configError(`option "${key}" must be ${expected}, got ${got}`);
  }
}

/**
 * Validates `options` and merges them into `into`. An option given as `undefined`
 * returns to its default.
 */
export function mergeOptions(into: XMLSocketOptions, options: XMLSocketOptions): void {
  // What is not an object fails here too: Object.entries throws a TypeError for null,
  // and a string's characters are unknown options.
  const entries = Object.entries(options) as [keyof XMLSocketOptions, unknown][];
  for (const [key, value] of entries) checkOption(key, value);
  for (const [key, value] of entries) {
    if (value === undefined) delete into[key];
    else (into as Record<string, unknown>)[key] = value;
  }
}

const globalOptions: XMLSocketOptions = {};

/**
 * Sets options for every socket (per-socket options win). Returns the settings now
 * in force, defaults included.
 *
 * @example
 * configure({ url: 'wss://game.example.com/bridge/{host}/{port}' });
 * configure({ socketProxy: [{ host: 'chat.example.com', port: 9339, proxyUrl: 'wss://example.com/chat' }] });
 */
export function configure(options: XMLSocketOptions = {}): Settings {
  mergeOptions(globalOptions, options);
  return settingsFor({});
}

/** The settings for a socket's own options: defaults, then the global options, then its own. */
export function settingsFor(options: XMLSocketOptions): Settings {
  return { ...defaults, ...globalOptions, ...options };
}
