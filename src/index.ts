/** @module xmlsocket-polyfill */
// The library's ES module entry: exports only, no side effects.
export { XMLSocket, NO_WEBSOCKET_ERROR } from './client/xml-socket';
export { configure, CONFIG_ERROR } from './client/config';
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
} from './client/config';
export { DataEvent, IOErrorEvent, SecurityErrorEvent, XMLEvent } from './client/events';
export type { XMLSocketEventMap } from './client/events';
export { isParseError, NO_PARSER_ERROR } from './client/xml';
