// Script-tag entry (dist/xmlsocket-as2.min.js), loaded after dist/xmlsocket.min.js:
// adds XML, XMLNode and as2Document to window.XMLSocketPolyfill, defines window.XML
// and window.XMLNode when absent, and makes XMLSocket's onXML receive AS2 XML
// objects, as Flash's did. `<script src="xmlsocket-as2.min.js" data-documents="dom">`
// keeps DOM documents for onXML. Bundles no copy of XMLSocket.
import { as2Document } from './as2/document-factory.js';
import { XMLStatus } from './as2/parse.js';
import { XML } from './as2/xml.js';
import { XMLNode } from './as2/xml-node.js';
import { warn } from './client/console.js';

type Namespace = Record<string, unknown> & { configure?: (options: Record<string, unknown>) => unknown };
const scope = globalThis as unknown as Record<string, unknown>;
const ns = (scope.XMLSocketPolyfill ??= {}) as Namespace;
Object.assign(ns, { XML, XMLNode, XMLStatus, as2Document });
if (scope.XML === undefined) scope.XML = XML;
if (scope.XMLNode === undefined) scope.XMLNode = XMLNode;

const script = typeof document !== 'undefined' ? document.currentScript : null;
// Settings of the socket belong on the core's tag; this one knows data-documents only.
for (const name of script?.getAttributeNames() ?? []) {
  if (/^data-(url|framing)$/.test(name))
    warn(`${name} belongs on the xmlsocket.min.js tag, not on xmlsocket-as2.min.js`);
  else if (/^data-(?!documents$)/.test(name)) warn(`unknown attribute ${name} on xmlsocket-as2.min.js`);
}
if (script?.getAttribute('data-documents') !== 'dom' && typeof ns.configure === 'function') {
  ns.configure({ documentFactory: as2Document });
}
