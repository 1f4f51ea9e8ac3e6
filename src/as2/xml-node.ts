// AS2's XMLNode: the tree AS2 code walks. Everything here mirrors Flash Player's
// behaviour as recorded by the gnash and swfdec test suites (gnash
// testsuite/actionscript.all/XML.as, swfdec test/trace/xml-node.as), not the DOM:
// attributes are a plain object of strings, childNodes is a real Array, and
// writes to read-only properties are ignored instead of throwing.
import { localNameOf, namespaceForPrefix, namespaceURIOf, prefixForNamespace, prefixOf } from './namespaces.js';
import { serialize } from './serialize.js';

/** `nodeType` of an element. */
export const ELEMENT_NODE = 1;
/** `nodeType` of a text node (CDATA sections become text nodes, as in Flash). */
export const TEXT_NODE = 3;

/**
 * One node of an AS2 XML tree, as Flash Player 8 had it.
 *
 * Not a DOM node: it has no `ownerDocument`, so `XMLSocket.send(node)` sends its
 * Flash-format `toString()`.
 *
 * @example
 * const item = new XMLNode(1, 'item');
 * item.attributes.id = '7';
 * item.appendChild(new XMLNode(3, 'a & b'));
 * String(item); // '<item id="7">a &amp; b</item>'
 */
export class XMLNode {
  /** @internal */ _type: number;
  /** @internal */ _name: string | null = null;
  /** @internal */ _value: string | null = null;
  /** @internal */ _attributes = Object.create(null) as Record<string, string>;
  /** @internal */ _parent: XMLNode | null = null;
  /** @internal */ _prev: XMLNode | null = null;
  /** @internal */ _next: XMLNode | null = null;
  /** @internal The real child list; `childNodes` is a public copy scripts may mangle. */
  _children: XMLNode[] = [];
  /** @internal */ _childNodes: XMLNode[] = [];

  /**
   * `new XMLNode(1, name)` makes an element, `new XMLNode(3, text)` a text node.
   */
  constructor(type: number, value: string | null) {
    this._type = Number(type) | 0;
    const v = value === null || value === undefined ? null : String(value);
    if (this._type === ELEMENT_NODE) this._name = v;
    else this._value = v;
  }

  /** 1 for elements, 3 for text. Read-only; writes are ignored, as in Flash. */
  get nodeType(): number {
    return this._type;
  }
  set nodeType(_ignored: unknown) {}

  /** Element name (`null` on text nodes and on XML documents). */
  get nodeName(): string | null {
    return this._name;
  }
  set nodeName(value: unknown) {
    // Flash ignores undefined and converts anything else to a string.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- Flash converts any value, objects too, with its toString()
    if (value !== undefined) this._name = String(value);
  }

  /** Text of a text node (`null` on elements). */
  get nodeValue(): string | null {
    return this._value;
  }
  set nodeValue(value: unknown) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- Flash converts any value, objects too, with its toString()
    if (value !== undefined) this._value = String(value);
  }

  /**
   * The attributes: a prototype-less object of strings in source order, so
   * `node.attributes.name` and `for (var k in node.attributes)` work as in AS2.
   */
  get attributes(): Record<string, string> {
    return this._attributes;
  }
  set attributes(_ignored: unknown) {}

  /**
   * The children as a real Array. Flash rebuilt it after every change to the tree,
   * so values a script pushes into it do not become children.
   */
  get childNodes(): XMLNode[] {
    return this._childNodes;
  }
  set childNodes(_ignored: unknown) {}

  get parentNode(): XMLNode | null {
    return this._parent;
  }
  set parentNode(_ignored: unknown) {}

  get firstChild(): XMLNode | null {
    return this._children[0] ?? null;
  }
  set firstChild(_ignored: unknown) {}

  get lastChild(): XMLNode | null {
    const kids = this._children;
    return kids.length ? kids[kids.length - 1]! : null;
  }
  set lastChild(_ignored: unknown) {}

  get nextSibling(): XMLNode | null {
    return this._next;
  }
  set nextSibling(_ignored: unknown) {}

  get previousSibling(): XMLNode | null {
    return this._prev;
  }
  set previousSibling(_ignored: unknown) {}

  /** Flash 8: the part of nodeName before the first colon (`""` if none). */
  get prefix(): string | null {
    return prefixOf(this._name);
  }
  set prefix(_ignored: unknown) {}

  /** Flash 8: nodeName without its prefix. */
  get localName(): string | null {
    return localNameOf(this._name);
  }
  set localName(_ignored: unknown) {}

  /** Flash 8: the URI bound to this element's prefix, `""` if unbound. */
  get namespaceURI(): string | null {
    return namespaceURIOf(this);
  }
  set namespaceURI(_ignored: unknown) {}

  /**
   * Flash 8: the URI bound to `prefix` here or on an ancestor (`""` asks for the
   * default namespace); `null` if unbound or when called without an argument.
   */
  getNamespaceForPrefix(prefix?: string): string | null {
    if (arguments.length === 0) return null;
    return namespaceForPrefix(this, prefix === undefined || prefix === null ? '' : String(prefix));
  }

  /** Flash 8: the prefix bound to `uri` here or on an ancestor, `""` for a default namespace, else `null`. */
  getPrefixForNamespace(uri?: string): string | null {
    if (arguments.length === 0) return null;
    return prefixForNamespace(this, String(uri));
  }

  hasChildNodes(): boolean {
    return this._children.length > 0;
  }

  /**
   * Appends `child`, first removing it from wherever it is. As in Flash, nothing
   * happens when it is already a child here, or when it is this node or one of
   * its ancestors (a cycle).
   */
  appendChild(child: XMLNode): void {
    if (!(child instanceof XMLNode) || child._parent === this) return;
    this._insertAt(child, this._children.length);
  }

  /** Inserts `child` before `before`, which must be a child of this node; otherwise does nothing. */
  insertBefore(child: XMLNode, before: XMLNode): void {
    if (!(child instanceof XMLNode) || !(before instanceof XMLNode)) return;
    if (child._parent === this || before._parent !== this) return;
    this._insertAt(child, this._children.indexOf(before));
  }

  /** Removes this node from its parent. Its own children stay with it. */
  removeNode(): void {
    const parent = this._parent;
    if (parent === null) return;
    const kids = parent._children;
    kids.splice(kids.indexOf(this), 1);
    if (this._prev) this._prev._next = this._next;
    if (this._next) this._next._prev = this._prev;
    this._parent = this._prev = this._next = null;
    parent._sync(null);
  }

  /**
   * A copy of this node with its attributes; with `deep`, of its subtree too.
   * The copy has no parent. Cloning an XML document gives an XMLNode, as in Flash.
   */
  cloneNode(deep?: boolean): XMLNode {
    const copy = new XMLNode(this._type, null);
    copy._name = this._name;
    copy._value = this._value;
    Object.assign(copy._attributes, this._attributes);
    if (deep) for (const kid of this._children) copy._append(kid.cloneNode(true));
    return copy;
  }

  /** Flash's format: `<a b="1" />`, `<a>x &amp; y</a>`; see serialize.ts. */
  toString(): string {
    return serialize(this);
  }

  /** @internal Appends a node that has no parent yet (the parser's fast path). */
  _append(child: XMLNode): void {
    const kids = this._children;
    const last = kids.length ? kids[kids.length - 1]! : null;
    kids.push(child);
    child._parent = this;
    child._prev = last;
    child._next = null;
    if (last) last._next = child;
    this._sync(child);
  }

  /** @internal Drops every child (parseXML starts from an empty tree). */
  _clear(): void {
    for (const kid of this._children) kid._parent = kid._prev = kid._next = null;
    this._children.length = 0;
    this._childNodes.length = 0;
  }

  /** @internal */
  _insertAt(child: XMLNode, index: number): void {
    // A node cannot become a child of itself or of its own descendant.
    if (child === this) return;
    for (let n = this._parent; n !== null; n = n._parent) if (n === child) return;
    child.removeNode();
    const kids = this._children;
    const prev = index > 0 ? kids[index - 1]! : null;
    const next = kids[index] ?? null;
    kids.splice(index, 0, child);
    child._parent = this;
    child._prev = prev;
    child._next = next;
    if (prev) prev._next = child;
    if (next) next._prev = child;
    this._sync(next === null ? child : null);
  }

  /** @internal Rebuilds the public childNodes array from the real child list. */
  _sync(appended: XMLNode | null): void {
    const pub = this._childNodes;
    const kids = this._children;
    // Appending is the common case: one push instead of a rebuild keeps building
    // a long list linear.
    if (appended !== null && pub.length === kids.length - 1 && pub[pub.length - 1] === kids[kids.length - 2]) {
      pub.push(appended);
      return;
    }
    pub.length = 0;
    for (const kid of kids) pub.push(kid);
  }
}
