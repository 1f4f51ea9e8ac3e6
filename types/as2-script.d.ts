// Copied as it is into dist/ by rollup.config.mjs: imports are relative to dist/.
// Types for the AS2 script-tag build, dist/xmlsocket-as2.min.js
// (`xmlsocket-polyfill/as2-script`): the globals it defines or extends.
//   /// <reference types="xmlsocket-polyfill/as2-script" />
import type * as as2 from './as2.js';

declare global {
  /** What the AS2 build adds to `window.XMLSocketPolyfill`. */
  interface XMLSocketPolyfillGlobal {
    XML: typeof as2.XML;
    XMLNode: typeof as2.XMLNode;
    XMLStatus: typeof as2.XMLStatus;
    as2Document: typeof as2.as2Document;
  }
  var XMLSocketPolyfill: XMLSocketPolyfillGlobal;
  /** Flash's `XML` class (unless the page already had an `XML`). */
  var XML: typeof as2.XML;
  type XML = as2.XML;
  /** Flash's `XMLNode` class (unless the page already had one). */
  var XMLNode: typeof as2.XMLNode;
  type XMLNode = as2.XMLNode;
}

export {};
