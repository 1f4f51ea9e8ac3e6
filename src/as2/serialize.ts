// Flash's AS2 XML.toString(): the exact text Flash Player produced, because AS2
// servers and save files compare it byte for byte.
// Sources: swfdec test/trace/xml-errors-7.swf.trace, xml-escape-7.swf.trace, gnash
// testsuite/actionscript.all/XML.as (xml_out, ignoreWhite and declaration cases).

/** What the serializer reads of a node; XMLNode and XML satisfy it. */
export interface SerializableNode {
  readonly nodeType: number;
  readonly nodeName: string | null;
  readonly nodeValue: string | null;
  readonly attributes: Record<string, string>;
  readonly childNodes: readonly unknown[];
  /** Internal child list (the public childNodes array may hold script junk). */
  readonly _children: readonly SerializableNode[];
  /** Only on XML documents. */
  readonly xmlDecl?: string | undefined;
  readonly docTypeDecl?: string | undefined;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};
const SPECIAL = /[&<>"']/g;

/**
 * Escapes text the way Flash did for both text nodes and attribute values: all
 * five of `& < > " '`, including quotes in text (`<a>&quot;</a>`), which a DOM
 * serializer would leave alone.
 *
 * @example escapeXML(`t"'e&s`) // 't&quot;&apos;e&amp;s'
 */
export function escapeXML(text: string): string {
  SPECIAL.lastIndex = 0;
  return SPECIAL.test(text) ? text.replace(SPECIAL, (c) => ESCAPES[c]!) : text;
}

/**
 * Serializes a node in Flash's format: `<name a="v">…</name>`, childless elements
 * as `<name />` (with the space), attributes in insertion order, a document as
 * xmlDecl + docTypeDecl + children, and an element without a name as its
 * children only.
 */
export function serialize(node: SerializableNode): string {
  const out: string[] = [];
  if (node.xmlDecl !== undefined) out.push(node.xmlDecl);
  if (node.docTypeDecl !== undefined) out.push(node.docTypeDecl);
  write(node, out);
  return out.join('');
}

function write(node: SerializableNode, out: string[]): void {
  if (node.nodeType !== 1) {
    // Flash wrote every non-element node as escaped text.
    out.push(node.nodeValue === null ? '' : escapeXML(node.nodeValue));
    return;
  }
  const name = node.nodeName;
  const kids = node._children;
  if (name !== null) {
    out.push('<', name);
    const attrs = node.attributes;
    for (const key of Object.keys(attrs)) out.push(' ', key, '="', escapeXML(String(attrs[key])), '"');
    if (kids.length === 0) {
      out.push(' />');
      return;
    }
    out.push('>');
  }
  for (const kid of kids) write(kid, out);
  if (name !== null) out.push('</', name, '>');
}
