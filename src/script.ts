// The script-tag entry (dist/xmlsocket.min.js): the only module that touches window.
//   <script src="xmlsocket.min.js" data-url="wss://example.com/bridge/{host}/{port}"></script>
import {
  CONFIG_ERROR,
  configure,
  DataEvent,
  IOErrorEvent,
  isParseError,
  NO_PARSER_ERROR,
  NO_WEBSOCKET_ERROR,
  SecurityErrorEvent,
  XMLEvent,
  XMLSocket,
  type Framing,
} from './index';

// The module's exports, as a plain object so that add-ons (the AS2 build) can extend it.
const api = {
  XMLSocket,
  configure,
  isParseError,
  DataEvent,
  XMLEvent,
  IOErrorEvent,
  SecurityErrorEvent,
  CONFIG_ERROR,
  NO_PARSER_ERROR,
  NO_WEBSOCKET_ERROR,
};

declare global {
  interface Window {
    /** The library, for script-tag users; add-ons (the AS2 build) extend it. */
    XMLSocketPolyfill: typeof api;
  }
}

const script = document.currentScript as HTMLScriptElement | null;
window.XMLSocketPolyfill = api;
// A page that already has an XMLSocket (another polyfill, Ruffle's) keeps it.
if (!('XMLSocket' in window)) (window as unknown as Record<string, unknown>).XMLSocket = XMLSocket;

const { url, framing } = script?.dataset ?? {};
if (url) configure({ url });
if (framing) configure({ framing: framing as Framing });
