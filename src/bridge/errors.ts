/**
 * Errors the bridge raises for operators and embedders, each with a stable `code`.
 *
 * Codes are part of the public API: scripts and tests match on `code`, never on the
 * message text, which may be reworded.
 *
 * | code | when |
 * | --- | --- |
 * | `ERR_BRIDGE_UNKNOWN_OPTION` | a flag or config key the bridge does not know |
 * | `ERR_BRIDGE_INVALID_OPTION` | a known option with a value that cannot be used |
 * | `ERR_BRIDGE_NO_TARGET` | none of `target`, `routes`, `allow` was given |
 * | `ERR_BRIDGE_CONFIG_UNREADABLE` | `--config FILE` cannot be read |
 * | `ERR_BRIDGE_CONFIG_INVALID` | `--config FILE` is not a JSON object |
 * | `ERR_BRIDGE_TLS` | `cert`/`key` cannot be read or do not form a valid pair |
 * | `ERR_BRIDGE_STATIC_DIR` | `static` is not a readable directory |
 * | `ERR_BRIDGE_ADDRESS_IN_USE` | the listen address is taken by another process |
 * | `ERR_BRIDGE_LISTEN` | listening failed for another reason (permission, bad host) |
 * | `ERR_BRIDGE_STATE` | `listen()` called twice, or after `close()` |
 */
export type BridgeErrorCode =
  | 'ERR_BRIDGE_UNKNOWN_OPTION'
  | 'ERR_BRIDGE_INVALID_OPTION'
  | 'ERR_BRIDGE_NO_TARGET'
  | 'ERR_BRIDGE_CONFIG_UNREADABLE'
  | 'ERR_BRIDGE_CONFIG_INVALID'
  | 'ERR_BRIDGE_TLS'
  | 'ERR_BRIDGE_STATIC_DIR'
  | 'ERR_BRIDGE_ADDRESS_IN_USE'
  | 'ERR_BRIDGE_LISTEN'
  | 'ERR_BRIDGE_STATE';

/**
 * An operator or embedder mistake. The message is one line that names the problem,
 * so the CLI can print it as is.
 *
 * @example
 * ```ts
 * try { createBridge({ target: 'nowhere' }); }
 * catch (err) { if (err instanceof BridgeError && err.code === 'ERR_BRIDGE_INVALID_OPTION') … }
 * ```
 */
export class BridgeError extends Error {
  /** Stable machine-readable code; see the table above. */
  readonly code: BridgeErrorCode;

  constructor(code: BridgeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BridgeError';
    this.code = code;
  }
}

/**
 * Why a WebSocket handshake was refused. Used as the `reason` of the `refused` log
 * line and as the `reason` label of `xmlsocket_bridge_refusals_total`.
 *
 * | reason | HTTP status |
 * | --- | --- |
 * | `bad_request` | 400: not a valid WebSocket handshake |
 * | `bad_path` | 404: the path has `%`, `..`, `\`, empty segments or control characters |
 * | `unknown_path` | 404: no route, no `/HOST/PORT` form, no `target` |
 * | `not_allowed` | 403: a `/HOST/PORT` pair that is not in `allow` |
 * | `origin` | 403: `Origin` missing or not in `origins` |
 * | `max_connections` | 503: `maxConnections` reached |
 * | `max_per_ip` | 429: `maxPerIp` reached for this client address |
 * | `shutting_down` | 503: the bridge is closing |
 * | `connect_refused` | 502: the TCP server refused or is unreachable |
 * | `connect_timeout` | 504: no TCP connection within `connectTimeout` |
 * | `client_gone` | none: the client left while the TCP connection was being made |
 * | `proxy_protocol` | none, the connection is closed: `proxyProtocol` is on and no valid PROXY header came first |
 */
export type RefusalReason =
  | 'bad_request'
  | 'bad_path'
  | 'unknown_path'
  | 'not_allowed'
  | 'origin'
  | 'max_connections'
  | 'max_per_ip'
  | 'shutting_down'
  | 'connect_refused'
  | 'connect_timeout'
  | 'client_gone'
  | 'proxy_protocol';

/**
 * Why an established pair ended: the `reason` of the `connection` log line and the
 * label of `xmlsocket_bridge_closes_total`.
 *
 * | reason | WebSocket close code sent |
 * | --- | --- |
 * | `client_closed` | none (the client closed or vanished) |
 * | `target_closed` | 1000 |
 * | `target_error` | 1011 |
 * | `message_too_big` | 1009 |
 * | `client_error` | 1002 or 1007 (sent by `ws` for a broken frame or invalid UTF-8) |
 * | `idle_timeout` | 1000 |
 * | `ping_timeout` | none: the client missed a ping (`pingInterval`) and its connection was cut; logged as 1006 |
 * | `shutdown` | 1001 |
 */
export type CloseReason =
  | 'client_closed'
  | 'target_closed'
  | 'target_error'
  | 'message_too_big'
  | 'client_error'
  | 'idle_timeout'
  | 'ping_timeout'
  | 'shutdown';
