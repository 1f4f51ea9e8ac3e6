/**
 * `xmlsocket-polyfill/bridge`: the WebSocket-to-TCP bridge for unchanged XMLSocket
 * servers, for embedding in Node programs and tests. Exports only.
 *
 * @module xmlsocket-polyfill/bridge
 */
export { createBridge, type Bridge, type BridgeAddress } from './bridge/bridge.js';
export { BridgeError, type BridgeErrorCode } from './bridge/errors.js';
export type { CloseReason, RefusalReason } from './bridge/reasons.js';
export { DEFAULTS, type BridgeOptions, type Framing, type RouteTarget } from './bridge/options.js';
export type { LogLine, LogLevel, LogSink } from './bridge/log.js';
