// The bridge between XMLSocket and the AS2 layer: a documentFactory that makes
// onXML receive AS2 XML objects, as Flash's XMLSocket.onData did (it called
// `this.onXML(new XML(src))`).
import { XML } from './xml.js';

/**
 * A `documentFactory` for XMLSocket: parses each message into an AS2 {@link XML}.
 * Whitespace-only text is dropped when the socket's `ignoreWhite` is set or, as in
 * Flash, when `XML.prototype.ignoreWhite` is.
 *
 * @example
 * import { configure } from 'xmlsocket-polyfill';
 * import { as2Document } from 'xmlsocket-polyfill/as2';
 * configure({ documentFactory: as2Document });
 * socket.onXML = function (doc) { trace(doc.firstChild.attributes.name); };
 */
export function as2Document(source: string, ignoreWhite: boolean): XML {
  const doc = new XML();
  // Only an own `true`: leaving it unset keeps XML.prototype.ignoreWhite in charge.
  if (ignoreWhite) doc.ignoreWhite = true;
  doc.parseXML(source);
  return doc;
}
