// Flash 8's namespace view of an AS2 node: prefix and local name split from
// nodeName, and xmlns lookups up the parent chain. Flash never validated names, so
// these are plain string rules, reproduced from Flash Player's recorded output
// (swfdec test/trace/xml-node.as, xml-node-7.swf.trace).

/** The parts of a node the lookups read; XMLNode satisfies it. */
export interface NamespaceScope {
  readonly nodeName: string | null;
  readonly attributes: Record<string, string>;
  readonly parentNode: NamespaceScope | null;
}

/**
 * Index of the colon that splits `name`, or -1. Flash splits at the first colon,
 * and not at all when that colon is the last character: `"a:"` has no prefix and
 * local name `"a:"`, `":b"` has prefix `""` and local name `"b"`.
 */
function splitAt(name: string): number {
  const i = name.indexOf(':');
  return i < 0 || i === name.length - 1 ? -1 : i;
}

/** `prefix` of an element: `null` without a name, `""` when there is no prefix. */
export function prefixOf(name: string | null): string | null {
  if (name === null) return null;
  const i = splitAt(name);
  return i < 0 ? '' : name.slice(0, i);
}

/** `localName` of an element: `null` without a name, else the part after the prefix. */
export function localNameOf(name: string | null): string | null {
  if (name === null) return null;
  const i = splitAt(name);
  return i < 0 ? name : name.slice(i + 1);
}

/**
 * The URI bound to `prefix` (`""` = the default namespace) on `node` or its nearest
 * ancestor, read from `xmlns` / `xmlns:prefix` attributes; `null` when unbound.
 */
export function namespaceForPrefix(node: NamespaceScope | null, prefix: string): string | null {
  const key = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
  for (let n = node; n !== null; n = n.parentNode) {
    const uri = n.attributes[key];
    if (uri !== undefined) return String(uri);
  }
  return null;
}

/**
 * The prefix bound to `uri` on `node` or its nearest ancestor: `""` for a default
 * namespace declaration, `null` when none. Like Flash, attribute names and URIs
 * are compared without regard to ASCII case.
 */
export function prefixForNamespace(node: NamespaceScope | null, uri: string): string | null {
  const wanted = uri.toLowerCase();
  for (let n = node; n !== null; n = n.parentNode) {
    for (const key of Object.keys(n.attributes)) {
      const lower = key.toLowerCase();
      if (!lower.startsWith('xmlns') || (key.length > 5 && key[5] !== ':')) continue;
      if (String(n.attributes[key]).toLowerCase() !== wanted) continue;
      return key.length > 6 ? key.slice(6) : '';
    }
  }
  return null;
}

/** `namespaceURI` of a node: `null` without a name, `""` when its prefix is unbound. */
export function namespaceURIOf(node: NamespaceScope): string | null {
  const prefix = prefixOf(node.nodeName);
  if (prefix === null) return null;
  return namespaceForPrefix(node, prefix) ?? '';
}
