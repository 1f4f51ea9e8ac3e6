/** @module xmlsocket-polyfill */
// The library's ES module entry: exports only, no side effects.
export { XMLSocket, NO_WEBSOCKET_ERROR } from './xml-socket';
export { configure, CONFIG_ERROR } from './config';
export type {
  Framing,
  Settings,
  SocketProxyEntry,
  UrlResolver,
  WebSocketConstructor,
  WebSocketLike,
  XMLParserLike,
  XMLSerializerLike,
  XMLSocketOptions,
} from './config';
export { DataEvent, IOErrorEvent, SecurityErrorEvent, XMLEvent } from './events';
export type { XMLSocketEventMap } from './events';
export { isParseError, NO_PARSER_ERROR } from './xml';
