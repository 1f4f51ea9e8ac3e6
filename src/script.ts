// The script-tag entry (dist/xmlsocket.min.js): the only module that touches window.
//   <script src="xmlsocket.min.js" data-url="wss://example.com/bridge/{host}/{port}"></script>
import { warn } from './client/console';
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

script?.getAttributeNames().map((name) => /^data-(?!(url|framing)$)/.test(name) && warn(`unknown attribute ${name}`));
const { url, framing } = script?.dataset ?? {};
try {
  configure({ url, framing: framing as Framing });
} catch (error) {
  // Said once, and no attempt at a default the page did not ask for: connect() returns false.
  configure({ url: () => null });
  console.error(error);
}
