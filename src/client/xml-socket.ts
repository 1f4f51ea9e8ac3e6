// The XMLSocket class: connection state machine, AS2 callbacks and AS3 events.
import { checkOption, mergeOptions, missingError, settingsFor, type Settings, type XMLSocketOptions } from './config';
import { warn } from './console';
import { DataEvent, IOErrorEvent, SecurityErrorEvent, XMLEvent, type XMLSocketEventMap } from './events';
import { encodeStreamMessage, encodeText, messageText, StreamDecoder } from './framing';
import { resolveUrl } from './routing';
import { parseMessage, toMessage } from './xml';

/** Stable code of the error thrown when there is no WebSocket implementation. */
export const NO_WEBSOCKET_ERROR = 'ERR_XMLSOCKET_NO_WEBSOCKET';

/**
 * The `Accept` of the question the library asks after a refused handshake, and the
 * content type of the answer from xmlsocket-bridge (src/bridge/diagnosis.ts).
 */
export const DIAGNOSIS_TYPE = 'text/x-xmlsocket-why';

/** One connection attempt; a new `connect()` makes a new one, so stale events are ignored. */
interface Connection {
  ws: WebSocket;
  url: string;
  settings: Settings;
  /** Set when the WebSocket opened: from then on the socket is `connected`. */
  opened?: boolean;
  /** Messages sent before the WebSocket opened; flushed in order on open. */
  queue: string[];
  timer?: ReturnType<typeof setTimeout>;
  /** Stream framing only. */
  decoder: StreamDecoder | undefined;
}

/**
 * Per-object state, keyed by the object itself so that every object gets its own
 * connection whatever its prototype chain (AS1/AS2 code does `Sub.prototype = new
 * XMLSocket()`, and every `new Sub()` must still connect on its own).
 */
interface SocketState {
  /** This socket's own options (`socket.configure()`, the constructor's). */
  options: XMLSocketOptions;
  connection: Connection | undefined;
  timeout: number | undefined;
  /**
   * Event types that ever had a listener, so that no event object is built for nobody.
   * EventTarget cannot be asked, so additions are mirrored here; removals are not, so
   * the worst case is an event built in vain after its last listener left, never a
   * missed one.
   */
  listeners: Record<string, 1 | undefined>;
}

const states = new WeakMap<object, SocketState>();

function stateOf(socket: object): SocketState {
  let state = states.get(socket);
  if (!state) {
    state = { options: {}, listeners: {} } as SocketState;
    states.set(socket, state);
  }
  return state;
}

/** Flash raised connect timeouts under 250 ms to 250 ms; timers cannot wait past 2^31 ms. */
function timeoutOf(state: SocketState): number {
  return Math.min(Math.max(250, state.timeout ?? settingsFor(state.options).timeout), 2e9);
}

/** Like an exception thrown by a DOM event listener: reported, and nothing stops. */
const reportError: (error: unknown) => void =
  (globalThis as { reportError?: (error: unknown) => void }).reportError ??
  ((error) =>
    setTimeout(() => {
      throw error;
    }));

/** Calls an AS2 callback if there is one. One argument at most: no array per message. */
function call(socket: object, handler: unknown, argument?: unknown): void {
  if (typeof handler !== 'function') return;
  try {
    handler.call(socket, argument);
  } catch (error) {
    reportError(error);
  }
}

/** Detaches and closes a connection without telling anyone (no onClose, no close). */
function drop(state: SocketState): void {
  const connection = state.connection;
  state.connection = undefined;
  if (!connection) return;
  // Its decoder goes with it: an unterminated tail is never delivered.
  clearTimeout(connection.timer);
  const { ws } = connection;
  // onerror stays: ws (Node) throws an 'error' event that has no listener.
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.close();
}

/** ws: to anything but loopback from an https page: mixed content, which browsers refuse. */
const insecureFromSecurePage = (url: string): boolean =>
  (globalThis as { location?: Location }).location?.protocol === 'https:' &&
  /^ws:\/\/(?!(localhost|[^/]*\.localhost|127\.[\d.]+|\[::1\])([:/]|$))/i.test(url);

function opened(socket: XMLSocket, state: SocketState, connection: Connection): void {
  clearTimeout(connection.timer);
  connection.opened = true;
  for (const message of connection.queue.splice(0)) write(connection, message);
  call(socket, socket.onConnect, true);
  if (state.connection === connection && state.listeners.connect) socket.dispatchEvent(new Event('connect'));
}

/** Dispatches an error event, or, when nobody listens for it, says it on the console. */
function report(socket: XMLSocket, state: SocketState, event: IOErrorEvent | SecurityErrorEvent): void {
  if (state.listeners[event.type]) socket.dispatchEvent(event);
  else warn(event.text);
}

function failed(socket: XMLSocket, state: SocketState, reason: string): void {
  drop(state);
  call(socket, socket.onConnect, false);
  report(socket, state, new IOErrorEvent('ioError', reason));
}

/**
 * Why a handshake was refused. Browsers hide its HTTP status from scripts, so the
 * library asks the same URL again with a plain GET, which xmlsocket-bridge answers
 * with the refusal in words that name the fix. Any other answer, or none, is nothing.
 */
async function diagnose(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url.replace(/^ws/, 'http'), { headers: { accept: DIAGNOSIS_TYPE } });
    if (response.headers.get('content-type') == DIAGNOSIS_TYPE) return await response.text();
  } catch {
    // Not the bridge, or not reachable: the WebSocket's own reason stands.
  }
}

function closed(socket: XMLSocket, state: SocketState, connection: Connection, code: number): void {
  if (!connection.opened) {
    // The attempt's timer still runs, so a slow answer cannot hold the outcome past the
    // timeout; a connect() or close() meanwhile makes the answer stale.
    void diagnose(connection.url).then(
      (answer) =>
        state.connection == connection &&
        failed(socket, state, answer || `WebSocket closed with code ${code} before opening`),
    );
    return;
  }
  drop(state);
  call(socket, socket.onClose);
  if (state.listeners.close) socket.dispatchEvent(new Event('close'));
}

function write(connection: Connection, message: string): void {
  connection.ws.send(connection.settings.framing === 'stream' ? encodeStreamMessage(message) : message);
}

/**
 * Delivers one message: the `data` event, then `onData`. Returns whether delivery may
 * go on (a handler may have closed or reconnected the socket).
 */
function deliver(socket: XMLSocket, state: SocketState, connection: Connection, message: string): boolean {
  if (state.listeners.data) {
    socket.dispatchEvent(new DataEvent('data', message));
    if (state.connection !== connection) return false;
  }
  // An AS1-style object may lack the prototype's onData; it still gets the default.
  call(socket, 'onData' in socket ? socket.onData : defaultOnData, message);
  return state.connection === connection;
}

function received(socket: XMLSocket, state: SocketState, connection: Connection, data: unknown): void {
  const { decoder } = connection;
  if (decoder) {
    const chunk = typeof data === 'string' ? encodeText(data) : new Uint8Array(data as ArrayBuffer);
    decoder.push(chunk, (message) => deliver(socket, state, connection, message));
  } else {
    deliver(socket, state, connection, messageText(data as string | ArrayBuffer));
  }
}

/**
 * Flash's default `XMLSocket.prototype.onData`: parses the message and hands the
 * document to `onXML`, then dispatches `xml`. Replace `onData` to get raw strings.
 */
function defaultOnData(this: XMLSocket, source: string): void {
  const state = stateOf(this);
  const xmlListeners = state.listeners.xml;
  // Flash parsed every message; nobody listening means nothing to parse for.
  if (typeof this.onXML !== 'function' && !xmlListeners) return;
  const document = parseMessage(source, state.connection?.settings ?? settingsFor(state.options), !!this.ignoreWhite);
  call(this, this.onXML, document);
  if (xmlListeners) this.dispatchEvent(new XMLEvent('xml', source, document as Document));
}

type Listener<K extends keyof XMLSocketEventMap> = (this: XMLSocket, event: XMLSocketEventMap[K]) => unknown;

/**
 * Flash's `XMLSocket` over WebSocket, for AS2-style and AS3-style code at once.
 *
 * @example
 * // AS2 style
 * const socket = new XMLSocket();
 * socket.onConnect = (success) => success && socket.send('<login name="ann"/>');
 * socket.onXML = (doc) => console.log(doc.documentElement.nodeName);
 * socket.connect('game.example.com', 9339);
 *
 * @example
 * // AS3 style
 * const socket = new XMLSocket('game.example.com', 9339);
 * socket.addEventListener('data', (event) => console.log(event.data));
 */
// The class and the interface below are one type: the interface adds typed overloads
// of EventTarget's methods, which cost no code.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class XMLSocket extends EventTarget {
  /** AS2: called with `true` when connected, `false` when the attempt failed. */
  declare onConnect?: ((this: XMLSocket, success: boolean) => void) | null;
  /** AS2: called once when the server closes or the connection is lost. */
  declare onClose?: ((this: XMLSocket) => void) | null;
  /** AS2: called with each parsed message (by the default `onData`). */
  declare onXML?: ((this: XMLSocket, document: Document) => void) | null;
  /** AS2: called with each message's source text; the default parses it for `onXML`. */
  declare onData: ((this: XMLSocket, source: string) => void) | null;
  /**
   * Drop whitespace-only text nodes before `onXML`. Lives on the prototype, so
   * `XMLSocket.prototype.ignoreWhite = true` switches it for every socket, as
   * `XML.prototype.ignoreWhite` did in AS2.
   */
  declare ignoreWhite: boolean;

  /**
   * `new XMLSocket()` makes an unconnected socket; with a host (AS3) it starts
   * connecting at once. `options` are this socket's own settings (see `configure`).
   */
  constructor(host?: string | null, port?: number | string, options?: XMLSocketOptions) {
    super();
    if (options) this.configure(options);
    if (host != null) this.connect(host, port!);
  }

  /**
   * Sets options for this socket only; they win over `configure()`'s. Takes effect at
   * the next `connect()`. Returns the settings now in force for this socket.
   */
  configure(options: XMLSocketOptions): Settings {
    const state = stateOf(this);
    mergeOptions(state.options, options);
    return settingsFor(state.options);
  }

  /**
   * Starts connecting to the TCP endpoint (host, port), through the WebSocket URL the
   * settings map it to. Returns `false`, calling nothing, when no attempt can start;
   * otherwise `true`, and the outcome comes later through `onConnect` and the
   * `connect` or `ioError` event. An open or pending connection is dropped first,
   * silently.
   */
  connect(host: string | null | undefined, port: number | string): boolean {
    const state = stateOf(this);
    drop(state);
    const settings = settingsFor(state.options);
    // AS2 converted the port to a number: games pass ports read from XML attributes.
    port = +port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return false;
    const url = resolveUrl(settings, host, port);
    if (!url) return false;
    const WebSocketImpl = settings.WebSocket ?? (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
    if (!WebSocketImpl) throw missingError('WebSocket', 'WebSocket', NO_WEBSOCKET_ERROR);
    let ws: WebSocket;
    try {
      // WebKit constructs ws: from an https page and fails it later; Chromium and Firefox throw.
      if (insecureFromSecurePage(url)) throw new DOMException('ws: from an https page', 'SecurityError');
      // Both fitting implementations deliver ArrayBuffers once binaryType says so.
      ws = new WebSocketImpl(url, settings.protocols) as WebSocket;
    } catch (error) {
      if ((error as Error)?.name === 'SecurityError') {
        // Asynchronous, like every other outcome, so listeners added after an AS3
        // constructor's connect still hear it.
        const reason = (error as Error).message;
        setTimeout(() => report(this, state, new SecurityErrorEvent('securityError', reason)));
      }
      return false;
    }
    ws.binaryType = 'arraybuffer';
    const connection: Connection = {
      ws,
      url,
      settings,
      queue: [],
      decoder: settings.framing === 'stream' ? new StreamDecoder() : undefined,
    };
    state.connection = connection;
    const timeout = timeoutOf(state);
    connection.timer = setTimeout(() => failed(this, state, `timed out after ${timeout} ms`), timeout);
    ws.onopen = () => opened(this, state, connection);
    ws.onmessage = (event) => received(this, state, connection, event.data);
    ws.onclose = (event) => closed(this, state, connection, event.code);
    // A close event follows and says what happened, except in WebKit, which fires error
    // alone, still CONNECTING, when it blocks a port or mixed content: fail at once.
    // (A stale one is harmless: its outcome is dropped, see closed().)
    ws.onerror = () => ws.readyState || closed(this, state, connection, 1006);
    return true;
  }

  /**
   * Sends one message: a DOM node serialized as XML, anything else as `String(value)`.
   * Before the connection opens it is queued; with no connection it does nothing.
   */
  send(value: unknown): void {
    const connection = stateOf(this).connection;
    if (!connection) return;
    const message = toMessage(value, connection.settings);
    if (connection.opened) write(connection, message);
    else connection.queue.push(message);
  }

  /**
   * Ends the connection without calling `onClose` (as in Flash). Unread bytes and
   * messages still pending from the current frame are dropped. Safe to call anytime.
   */
  close(): void {
    drop(stateOf(this));
  }

  /** `true` from the moment the connect callbacks run until close or loss. */
  get connected(): boolean {
    return !!stateOf(this).connection?.opened;
  }

  /** Connect timeout in ms (AS3 `timeout`); default 20000, at least 250. */
  get timeout(): number {
    return timeoutOf(stateOf(this));
  }

  set timeout(value: number) {
    checkOption('timeout', value ?? null);
    stateOf(this).timeout = value;
  }

  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
    if (listener) stateOf(this).listeners[type] = 1;
  }
}

/**
 * Typed `addEventListener`/`removeEventListener` per event name. (Objects that only
 * inherit from `XMLSocket.prototype`, AS1-style, are not EventTargets: they use the
 * callbacks.)
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the class
export interface XMLSocket {
  addEventListener<K extends keyof XMLSocketEventMap>(
    type: K,
    listener: Listener<K> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof XMLSocketEventMap>(
    type: K,
    listener: Listener<K> | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

XMLSocket.prototype.onData = defaultOnData;
XMLSocket.prototype.ignoreWhite = false;
