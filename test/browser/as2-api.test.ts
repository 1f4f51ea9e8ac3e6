// AS2 XML and XMLNode object behaviour (tree editing, properties, namespaces) as
// recorded from Flash Player by gnash (testsuite/actionscript.all/XML.as) and
// swfdec (test/trace/xml-node.as, xml-node-7.swf.trace; xml-escape-7.swf.trace).
import { expect } from '@esm-bundle/chai';
import { XML, XMLNode, as2Document, escapeXML } from '../../src/as2.js';

// Mocha's globals, as web-test-runner provides them (no @types/mocha in this project).
declare function describe(name: string, body: () => void): void;
declare function it(name: string, body: () => void | Promise<void>): void;

const names = (nodes: XMLNode[]) => nodes.map((n) => n.nodeName);

describe('AS2 XML: document basics', () => {
  it('importing the module defines no global (window.XML stays absent)', () => {
    const w = window as unknown as Record<string, unknown>;
    expect(w.XML).to.equal(undefined);
    expect(w.XMLNode).to.equal(undefined);
    expect(w.XMLSocketPolyfill).to.equal(undefined);
  });

  it('is an XMLNode without a name, not a DOM node, with no ownerDocument', () => {
    const doc = new XML('<a b="1" />');
    expect(doc).to.be.instanceOf(XMLNode);
    expect(doc instanceof Node).to.equal(false);
    expect('ownerDocument' in doc).to.equal(false);
    expect(doc.nodeType).to.equal(1);
    expect(doc.nodeName).to.equal(null);
    expect(doc.nodeValue).to.equal(null);
    expect(String(doc)).to.equal('<a b="1" />');
    expect(String(doc.firstChild)).to.equal('<a b="1" />');
  });

  it('gives attributes as a prototype-less object of strings in source order', () => {
    const doc = new XML('<p z="3" a="1" m="&lt;x&gt;" z="dup" />');
    const attrs = doc.firstChild!.attributes;
    expect(Object.getPrototypeOf(attrs)).to.equal(null);
    expect(Object.keys(attrs)).to.deep.equal(['z', 'a', 'm']);
    expect(attrs.z).to.equal('3'); // the first of duplicates wins
    expect(attrs.m).to.equal('<x>');
    const seen: string[] = [];
    for (const k in attrs) seen.push(k);
    expect(seen).to.deep.equal(['z', 'a', 'm']);
  });

  it('ignores writes to read-only properties, as Flash did', () => {
    const doc = new XML('<parent><prev/><root><first/><last/></root><next/></parent>');
    const root = doc.firstChild!.childNodes[1]!;
    const fake = new XMLNode(1, 'test');
    const r = root as unknown as Record<string, unknown>;
    for (const p of [
      'parentNode',
      'firstChild',
      'lastChild',
      'nextSibling',
      'previousSibling',
      'childNodes',
      'attributes',
      'nodeType',
    ])
      r[p] = fake;
    expect(root.parentNode!.nodeName).to.equal('parent');
    expect(root.firstChild!.nodeName).to.equal('first');
    expect(root.lastChild!.nodeName).to.equal('last');
    expect(root.nextSibling!.nodeName).to.equal('next');
    expect(root.previousSibling!.nodeName).to.equal('prev');
    expect(Array.isArray(root.childNodes)).to.equal(true);
    expect(root.nodeType).to.equal(1);
  });

  it('converts nodeValue and nodeName writes to strings', () => {
    const doc = new XML('<a>x</a>');
    const el = doc.firstChild!;
    (el as unknown as { nodeValue: unknown }).nodeValue = 4;
    expect(el.nodeValue).to.equal('4');
    el.firstChild!.nodeValue = 'y & z';
    el.nodeName = 'b';
    expect(String(doc)).to.equal('<b>y &amp; z</b>');
  });

  it('coerces status, loaded and ignoreWhite like Flash (gnash XML.as)', () => {
    const x = new XML();
    const w = x as unknown as Record<string, unknown>;
    expect(x.status).to.equal(0);
    expect(x.loaded).to.equal(undefined);
    w.status = -1;
    expect(x.status).to.equal(-1);
    w.status = {};
    expect(x.status).to.equal(-2147483648);
    w.status = { valueOf: () => 5 };
    expect(x.status).to.equal(5);
    w.status = 34e45;
    expect(x.status).to.equal(-2147483648);
    w.loaded = 5;
    expect(x.loaded).to.equal(true);
    w.loaded = 0;
    expect(x.loaded).to.equal(false);
    w.ignoreWhite = 8;
    expect(x.ignoreWhite).to.equal(true);
    w.ignoreWhite = 0;
    expect(x.ignoreWhite).to.equal(false);
    expect(x.contentType).to.equal('application/x-www-form-urlencoded');
  });

  it('keeps xmlDecl and docTypeDecl writable, written before the children (gnash XML.as)', () => {
    const h = new XML('<tag></tag><!doctype d><?xMl decl?><!dOcType new><?XMl new?>');
    h.xmlDecl = String(7);
    expect(h.toString()).to.equal('7<!dOcType new><tag />');
    h.docTypeDecl = String(98);
    expect(h.toString()).to.equal('798<tag />');
  });

  it('parsing again replaces the content, using ignoreWhite as set at the start', () => {
    const x = new XML('<X0><X1/></X0>');
    x.parseXML('<a/><!DOCTYPE d><b/>');
    expect(x.childNodes.length).to.equal(2);
    expect(x.docTypeDecl).to.equal('<!DOCTYPE d>');
    x.parseXML('<c/>');
    expect(String(x)).to.equal('<c />');
    expect(x.docTypeDecl).to.equal(undefined);
    expect(x.status).to.equal(0);
  });

  it('XML.prototype.ignoreWhite is the global switch, an instance may override it', () => {
    const before = XML.prototype.ignoreWhite;
    try {
      XML.prototype.ignoreWhite = true;
      expect(String(new XML('<a> <b/> </a>'))).to.equal('<a><b /></a>');
      const own = new XML();
      own.ignoreWhite = false;
      own.parseXML('<a> <b/> </a>');
      expect(String(own)).to.equal('<a> <b /> </a>');
    } finally {
      XML.prototype.ignoreWhite = before;
    }
    expect(String(new XML('<a> <b/> </a>'))).to.equal('<a> <b /> </a>');
  });

  it('keeps whitespace-only CDATA under ignoreWhite and makes CDATA a text node', () => {
    const x = new XML();
    x.ignoreWhite = true;
    x.parseXML('<a> <![CDATA[ ]]> <![CDATA[<b>]]></a>');
    const kids = x.firstChild!.childNodes;
    expect(kids.map((k) => [k.nodeType, k.nodeValue])).to.deep.equal([
      [3, ' '],
      [3, '<b>'],
    ]);
    expect(String(x)).to.equal('<a> &lt;b&gt;</a>');
  });

  it('escapes & < > " \' in text and attributes (swfdec xml-escape-7.swf.trace)', () => {
    expect(escapeXML("t\"'e&s;:''ät")).to.equal('t&quot;&apos;e&amp;s;:&apos;&apos;ät');
    expect(escapeXML('te&lt;st')).to.equal('te&amp;lt;st');
    const x = new XML();
    const el = x.createElement('e');
    el.attributes.v = 'a"b\'c<d>&';
    el.appendChild(x.createTextNode('1 < 2 & "3"'));
    expect(String(el)).to.equal('<e v="a&quot;b&apos;c&lt;d&gt;&amp;">1 &lt; 2 &amp; &quot;3&quot;</e>');
  });

  it('decodes named references in any case and &nbsp;, keeps unknown ones as text', () => {
    const x = new XML('<a t="&QUOT;&apos;">&AMP;&Lt;&nbsp;&copy;&#0;</a>');
    expect(x.firstChild!.attributes.t).to.equal('"\'');
    expect(x.firstChild!.firstChild!.nodeValue).to.equal('&<\u00a0&copy;&#0;');
  });

  it('puts elements with an id in idMap (Flash 8)', () => {
    const x = new XML('<a id="top"><b id="inner"/><c/></a>');
    expect(x.idMap.top).to.equal(x.firstChild);
    expect(x.idMap.inner).to.equal(x.firstChild!.firstChild);
    expect(Object.keys(x.idMap)).to.deep.equal(['top', 'inner']);
  });
});

describe('AS2 XMLNode: editing the tree (gnash XML.as "Test XML editing")', () => {
  it('appendChild moves a node between documents', () => {
    const xml1 = new XML('<X1T><X1C1></X1C1><X1C2></X1C2></X1T>');
    const xml2 = new XML('<X2T><X2C1></X2C1><X2C2></X2C2></X2T>');
    const moving = xml2.firstChild!.lastChild!;
    expect(moving.parentNode).to.equal(xml2.firstChild);
    expect(xml1.firstChild!.appendChild(moving)).to.equal(undefined);
    expect(moving.parentNode).to.equal(xml1.firstChild);
    expect(names(xml1.firstChild!.childNodes)).to.deep.equal(['X1C1', 'X1C2', 'X2C2']);
    expect(names(xml2.firstChild!.childNodes)).to.deep.equal(['X2C1']);

    xml1.firstChild!.insertBefore(xml2.firstChild!.lastChild!, xml1.firstChild!.childNodes[1]!);
    expect(names(xml1.firstChild!.childNodes)).to.deep.equal(['X1C1', 'X2C1', 'X1C2', 'X2C2']);
    expect(xml2.firstChild!.childNodes.length).to.equal(0);
    xml2.firstChild!.removeNode();
    expect(xml2.childNodes.length).to.equal(0);

    const x1c1 = xml1.firstChild!.childNodes[0]!;
    const x2c1 = xml1.firstChild!.childNodes[1]!;
    expect(x1c1.nextSibling).to.equal(x2c1);
    expect(x2c1.previousSibling).to.equal(x1c1);
    xml1.firstChild!.removeNode();
    expect(xml1.childNodes.length).to.equal(0);
    xml1.appendChild(x1c1);
    xml1.appendChild(x2c1);
    expect(x1c1.nextSibling).to.equal(x2c1);
    x1c1.appendChild(x2c1);
    expect(xml1.childNodes.length).to.equal(1);
    expect(xml1.firstChild!.lastChild!.nodeName).to.equal('X2C1');
    expect(x1c1.nextSibling).to.equal(null);
  });

  it('cloneNode copies shallow or deep, and the copy has no parent', () => {
    const src = new XML('<a k="v"><b><c/></b>t</a>').firstChild!;
    const shallow = src.cloneNode();
    const deep = src.cloneNode(true);
    expect(shallow.childNodes.length).to.equal(0);
    expect(shallow.attributes.k).to.equal('v');
    expect(String(deep)).to.equal('<a k="v"><b><c /></b>t</a>');
    expect(deep.parentNode).to.equal(null);
    src.firstChild!.nodeName = 'changed';
    src.attributes.k = 'w';
    expect(String(deep)).to.equal('<a k="v"><b><c /></b>t</a>');
  });

  it("removeNode keeps the removed node's children with it", () => {
    const xml1 = new XML('<X1T><X1C1><X1C1C1></X1C1C1></X1C1><X1C2></X1C2></X1T>');
    const fc = xml1.firstChild!.firstChild!;
    fc.removeNode();
    expect(xml1.firstChild!.childNodes.length).to.equal(1);
    expect(fc.parentNode).to.equal(null);
    expect(fc.childNodes.length).to.equal(1);
    expect(fc.childNodes[0]!.parentNode).to.equal(fc);
  });

  it('refuses cycles, and re-appending a child is a no-op', () => {
    const x = new XML('<a><b><c/></b></a>');
    const a = x.firstChild!;
    const c = a.firstChild!.firstChild!;
    c.appendChild(a);
    a.appendChild(a);
    expect(String(x)).to.equal('<a><b><c /></b></a>');
    a.appendChild(a.firstChild!);
    expect(a.childNodes.length).to.equal(1);
  });

  it('rebuilds childNodes after changes, dropping values a script pushed (swfdec xml-node trace)', () => {
    const root = new XML('<root><a/><b/>c<d/></root>').firstChild!;
    expect(root.childNodes.join()).to.equal('<a />,<b />,c,<d />');
    (root.childNodes as unknown[]).push('fake');
    expect(root.childNodes.join()).to.equal('<a />,<b />,c,<d />,fake');
    expect(root.lastChild!.nodeName).to.equal('d');
    root.firstChild!.removeNode();
    expect(root.childNodes.join()).to.equal('<b />,c,<d />');
    root.appendChild(new XMLNode(1, 'e'));
    root.insertBefore(new XMLNode(1, 'f'), root.lastChild!);
    expect(root.childNodes.join()).to.equal('<b />,c,<d />,<f />,<e />');
  });

  it('createElement and createTextNode make parentless nodes', () => {
    const doc = new XML();
    const e1 = doc.createElement('element1');
    const e2 = doc.createElement('element2');
    const t1 = doc.createTextNode('textNode1 String value');
    expect(e2.hasChildNodes()).to.equal(false);
    e2.appendChild(t1);
    expect(e2.hasChildNodes()).to.equal(true);
    expect(e2.nodeValue).to.equal(null);
    expect(e2.lastChild!.nodeValue).to.equal('textNode1 String value');
    e1.appendChild(e2);
    doc.appendChild(e1);
    expect(String(doc)).to.equal('<element1><element2>textNode1 String value</element2></element1>');
    expect(new XMLNode(3, 'x').nodeName).to.equal(null);
  });
});

describe('AS2 XMLNode: Flash 8 namespaces (swfdec xml-node-7.swf.trace)', () => {
  it('splits prefix and localName at the first colon, unless it ends the name', () => {
    const a = new XMLNode(1, 'a:b');
    const table: [string, string, string][] = [
      ['a:b', 'a', 'b'],
      ['', '', ''],
      [':', '', ':'],
      [':b', '', 'b'],
      ['a:', '', 'a:'],
      ['a::b', 'a', ':b'],
      ['a::', 'a', ':'],
      ['::b', '', ':b'],
      ['::', '', ':'],
    ];
    for (const [name, prefix, local] of table) {
      a.nodeName = name;
      expect([a.nodeName, a.prefix, a.localName]).to.deep.equal([name, prefix, local]);
    }
    (a as unknown as { prefix: string }).prefix = 'e';
    expect(a.prefix).to.equal('');
    expect(new XMLNode(3, 't').prefix).to.equal(null);
  });

  it('resolves namespaceURI and prefixes up the parent chain', () => {
    const x = new XML();
    x.ignoreWhite = true;
    x.parseXML(`
<root:root xmlns='nsdefault' xmlns:a='nsa'>
  <child xmlns='nsdefault_at_child' xmlns:d='nsd'>
    <a:a/>
    <b:b/>
  </child>
  c
  <d:d/>
  <e:e/>
</root:root>
    `);
    const root = x.firstChild!;
    const rows = [
      root.firstChild!.firstChild!,
      root.firstChild!.lastChild!,
      root.lastChild!.previousSibling!,
      root.lastChild!,
    ].map((e) => [
      e.namespaceURI,
      e.getNamespaceForPrefix(),
      e.getNamespaceForPrefix(''),
      e.getNamespaceForPrefix('a'),
    ]);
    expect(rows).to.deep.equal([
      ['nsa', null, 'nsdefault_at_child', 'nsa'],
      ['', null, 'nsdefault_at_child', 'nsa'],
      ['', null, 'nsdefault', 'nsa'],
      ['', null, 'nsdefault', 'nsa'],
    ]);
    const ele = root.firstChild!.firstChild!;
    (ele as unknown as { namespaceURI: string }).namespaceURI = 'fake';
    expect(ele.namespaceURI).to.equal('nsa');
    expect(ele.getPrefixForNamespace('nsd')).to.equal('d');
    expect(ele.getPrefixForNamespace('nsdefault_at_child')).to.equal('');
    expect(ele.getPrefixForNamespace('NSA')).to.equal('a');
    expect(ele.getPrefixForNamespace('nope')).to.equal(null);
    expect(ele.getPrefixForNamespace()).to.equal(null);
  });
});

describe('AS2 XML: documentFactory for XMLSocket', () => {
  it("as2Document parses with the socket's ignoreWhite or XML.prototype's", () => {
    expect(String(as2Document('<a> <b/> </a>', false))).to.equal('<a> <b /> </a>');
    const doc = as2Document('<a> <b/> </a>', true);
    expect(doc).to.be.instanceOf(XML);
    expect(String(doc)).to.equal('<a><b /></a>');
    const before = XML.prototype.ignoreWhite;
    try {
      XML.prototype.ignoreWhite = true;
      expect(String(as2Document('<a> <b/> </a>', false))).to.equal('<a><b /></a>');
    } finally {
      XML.prototype.ignoreWhite = before;
    }
  });

  it('never throws on hostile input', () => {
    for (const src of [
      '<',
      '<<<<',
      '&',
      '<a b=',
      '<![CDATA[',
      '<!--',
      '<?xml',
      '<!DOCTYPE',
      '</',
      '<a/',
      '\u0000<a>\ud800</a>',
      '<a '.repeat(1000),
    ]) {
      const doc = as2Document(src, false);
      expect(typeof doc.status).to.equal('number');
      expect(typeof String(doc)).to.equal('string');
    }
  });

  it('handles large messages: 10k siblings walked by nextSibling, 2000 levels deep', () => {
    const wide = `<r>${'<i a="1">x</i>'.repeat(10000)}</r>`;
    const doc = as2Document(wide, false);
    expect(doc.firstChild!.childNodes.length).to.equal(10000);
    expect(String(doc)).to.equal(wide);
    let n = doc.firstChild!.firstChild;
    let count = 0;
    while (n) {
      count++;
      n = n.nextSibling;
    }
    expect(count).to.equal(10000);
    const deep = `${'<d>'.repeat(2000)}${'</d>'.repeat(2000)}`;
    expect(as2Document(deep, false).status).to.equal(0);
  });
});
