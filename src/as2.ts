/** @module xmlsocket-polyfill/as2 */
// ES entry `xmlsocket-polyfill/as2`: AS2's XML and XMLNode. Exports only; no side
// effects, and nothing from the XMLSocket core (it works without it).
export { XMLNode, ELEMENT_NODE, TEXT_NODE } from './as2/xml-node.js';
export { XML } from './as2/xml.js';
export { XMLStatus, unescapeXML } from './as2/parse.js';
export { escapeXML } from './as2/serialize.js';
export { as2Document } from './as2/document-factory.js';
