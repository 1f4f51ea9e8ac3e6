// Copied as it is into dist/ by rollup.config.mjs: imports are relative to dist/.
// Types for the script-tag build, dist/xmlsocket.min.js (`xmlsocket-polyfill/script`):
// the globals it defines. Reference them from a page's scripts with
//   /// <reference types="xmlsocket-polyfill/script" />
// or import the file for its side effect: `import 'xmlsocket-polyfill/script'`.
import type * as lib from './xmlsocket.js';

declare global {
  /** What the script-tag builds put on `window.XMLSocketPolyfill`; the AS2 build adds to it. */
  interface XMLSocketPolyfillGlobal {
    XMLSocket: typeof lib.XMLSocket;
    configure: typeof lib.configure;
    isParseError: typeof lib.isParseError;
    DataEvent: typeof lib.DataEvent;
    XMLEvent: typeof lib.XMLEvent;
    IOErrorEvent: typeof lib.IOErrorEvent;
    SecurityErrorEvent: typeof lib.SecurityErrorEvent;
    CONFIG_ERROR: typeof lib.CONFIG_ERROR;
    NO_PARSER_ERROR: typeof lib.NO_PARSER_ERROR;
    NO_WEBSOCKET_ERROR: typeof lib.NO_WEBSOCKET_ERROR;
  }
  /** The whole library, for script-tag pages. */
  var XMLSocketPolyfill: XMLSocketPolyfillGlobal;
  /** `XMLSocket`, as Flash Player defined it (unless the page already had one). */
  var XMLSocket: typeof lib.XMLSocket;
  type XMLSocket = lib.XMLSocket;
}

export {};
