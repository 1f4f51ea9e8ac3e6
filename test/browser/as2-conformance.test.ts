// AS2 XML conformance: inputs and outputs recorded from Flash Player by the swfdec
// and gnash test suites, checked here in real Chromium. Every case asserts
// toString(), status and the node structure.
import { expect } from '@esm-bundle/chai';
import { XML, XMLNode, XMLStatus } from '../../src/as2.js';

// Mocha's globals, as web-test-runner provides them (no @types/mocha in this project).
declare function describe(name: string, body: () => void): void;
declare function it(name: string, body: () => void | Promise<void>): void;

/** A tree as text: `name{attr="v"}(children)`, text nodes as JSON strings. */
function shape(node: XMLNode): string {
  if (node.nodeType !== 1) return JSON.stringify(node.nodeValue);
  const attrs = Object.keys(node.attributes).map((k) => `${k}=${JSON.stringify(node.attributes[k])}`);
  return `${node.nodeName}${attrs.length ? `{${attrs.join(' ')}}` : ''}(${node.childNodes.map(shape).join(',')})`;
}

/** The document's children as `shape` text. */
function shapeOf(doc: XML): string {
  return doc.childNodes.map(shape).join(',');
}

/** Every node's parent, sibling and first/last links agree with its childNodes array. */
function checkLinks(node: XMLNode): void {
  const kids = node.childNodes;
  expect(Array.isArray(kids)).to.equal(true);
  expect(node.hasChildNodes()).to.equal(kids.length > 0);
  expect(node.firstChild).to.equal(kids[0] ?? null);
  expect(node.lastChild).to.equal(kids[kids.length - 1] ?? null);
  kids.forEach((kid, i) => {
    expect(kid.parentNode).to.equal(node);
    expect(kid.previousSibling).to.equal(kids[i - 1] ?? null);
    expect(kid.nextSibling).to.equal(kids[i + 1] ?? null);
    expect(kid.nodeType === 1 || kid.nodeType === 3).to.equal(true);
    if (kid.nodeType === 1) expect(kid.nodeValue).to.equal(null);
    else expect(kid.nodeName).to.equal(null);
    checkLinks(kid);
  });
}

interface Case {
  source: string;
  out: string;
  status: number;
  shape: string;
  xmlDecl?: string;
  docTypeDecl?: string;
  ignoreWhite?: boolean;
}

function run(group: string, cases: Case[]): void {
  describe(group, () => {
    for (const c of cases) {
      it(`${JSON.stringify(c.source)} -> ${JSON.stringify(c.out)} (${c.status})`, () => {
        const doc = new XML();
        if (c.ignoreWhite) doc.ignoreWhite = true;
        doc.parseXML(c.source);
        expect(doc.toString()).to.equal(c.out);
        expect(String(doc)).to.equal(c.out);
        expect(doc.status).to.equal(c.status);
        expect(shapeOf(doc)).to.equal(c.shape);
        expect(doc.nodeName).to.equal(null);
        checkLinks(doc);
        expect(doc.xmlDecl).to.equal(c.xmlDecl);
        expect(doc.docTypeDecl).to.equal(c.docTypeDecl);
      });
    }
  });
}

// swfdec test/trace/xml-errors.as with its recording xml-errors-7.swf.trace
// (Flash Player 9, SWF 7): output and status recorded for every case.
run('Flash recording: swfdec xml-errors', [
  { source: '<a><b/></a>', out: '<a><b /></a>', status: 0, shape: 'a(b())' },
  { source: '<a/><?xml A', out: '<a />', status: -3, shape: 'a()' },
  {
    source: '<a/><?xml A ?><b/><?xml B',
    out: '<?xml A ?><a /><b />',
    status: -3,
    shape: 'a(),b()',
    xmlDecl: '<?xml A ?>',
  },
  { source: '<a/><!DOCTYPE A', out: '<a />', status: -4, shape: 'a()' },
  {
    source: '<a/><!DOCTYPE A><b/><!DOCTYPE B',
    out: '<!DOCTYPE A><a /><b />',
    status: -4,
    shape: 'a(),b()',
    docTypeDecl: '<!DOCTYPE A>',
  },
  { source: '<a>', out: '<a />', status: -9, shape: 'a()' },
  { source: '<a><b><c/></a>', out: '<a><b><c /></b></a>', status: -9, shape: 'a(b(c()))' },
  { source: '<b><c/></a>', out: '<b><c /></b>', status: -10, shape: 'b(c())' },
  { source: '<a><b></a><c/>', out: '<a><b /></a>', status: -9, shape: 'a(b())' },
  { source: '<a><b></c><d/></b></a>', out: '<a><b /></a>', status: -10, shape: 'a(b())' },
  { source: '</a>', out: '', status: -10, shape: '' },
  { source: '<a></b><c/></a>', out: '<a />', status: -10, shape: 'a()' },
  { source: '<a></b></a><c/>', out: '<a />', status: -10, shape: 'a()' },
  { source: '<a/ ></a/>', out: '<a/ />', status: -10, shape: 'a/()' },
  { source: '<a>&</a>', out: '<a>&amp;</a>', status: 0, shape: 'a("&")' },
  { source: "<a A='&'/>", out: '<a A="&amp;" />', status: 0, shape: 'a{A="&"}()' },
  { source: '<a A/><b/>', out: '', status: -6, shape: '' },
  { source: '<a A=x></a><b/>', out: '', status: -6, shape: '' },
  { source: "<a A='x></a><b/>", out: '', status: -8, shape: '' },
  { source: '<a/><!-- <b/>', out: '<a />', status: -5, shape: 'a()' },
]);

// gnash testsuite/actionscript.all/XML.as, "Check various malformed XMLs": outputs
// checked against Flash Player by gnash. gnash does not record these statuses; each
// is the one swfdec recorded for the same construct (unclosed -9, stray end tag -10,
// cut-off attribute -8, bad attribute or cut-off tag -6, comment -5, CDATA -2).
run('Flash recording: gnash XML.as malformed input', [
  { source: '<open>', out: '<open />', status: -9, shape: 'open()' },
  { source: '<open></close>', out: '<open />', status: -10, shape: 'open()' },
  { source: '<open><open2></open>', out: '<open><open2 /></open>', status: -9, shape: 'open(open2())' },
  { source: "<open att='", out: '', status: -8, shape: '' },
  { source: "<open att      r='kk'", out: '', status: -6, shape: '' },
  { source: '<open>& \' "<', out: '<open>&amp; &apos; &quot;</open>', status: -6, shape: 'open("& \' \\"")' },
  { source: '<open>\u00a0</open>', out: '<open>\u00a0</open>', status: 0, shape: 'open("\u00a0")' },
  { source: '</open><open>node with "</open>', out: '', status: -10, shape: '' },
  { source: '<open/><open><!-- lkjsdcölkj<hello>', out: '<open /><open />', status: -5, shape: 'open(),open()' },
  { source: '<open><![CDATA[jlkjdc</open>', out: '<open />', status: -2, shape: 'open()' },
]);

const HTML4 = "<!DOCTYPE HTML PUBLIC '-//W3C//DTD HTML 4.01 Transitional//EN' 'http://www.w3.org/TR/html4/loose.dtd'>";

// gnash XML.as, "Check DOCTYPE and xml declarations" and "Check order": every
// declaration is kept, case-insensitively recognised, and written first.
run('Flash recording: gnash XML.as declarations', [
  { source: `${HTML4}<tag></tag>`, out: `${HTML4}<tag />`, status: 0, shape: 'tag()', docTypeDecl: HTML4 },
  {
    source: '<!DOcTyPE text><tag></tag>',
    out: '<!DOcTyPE text><tag />',
    status: 0,
    shape: 'tag()',
    docTypeDecl: '<!DOcTyPE text>',
  },
  {
    source: '<?xml declaration goes here?><tag>content</tag>',
    out: '<?xml declaration goes here?><tag>content</tag>',
    status: 0,
    shape: 'tag("content")',
    xmlDecl: '<?xml declaration goes here?>',
  },
  {
    source: '<?xMl declaration goes here?><tag>content</tag>',
    out: '<?xMl declaration goes here?><tag>content</tag>',
    status: 0,
    shape: 'tag("content")',
    xmlDecl: '<?xMl declaration goes here?>',
  },
  {
    source: '<!doctype d><?xMl declaration goes here?><tag>content</tag>',
    out: '<?xMl declaration goes here?><!doctype d><tag>content</tag>',
    status: 0,
    shape: 'tag("content")',
    xmlDecl: '<?xMl declaration goes here?>',
    docTypeDecl: '<!doctype d>',
  },
  {
    source: '<tag></tag><!doctype d><?xMl declaration goes here?><tag>content</tag>',
    out: '<?xMl declaration goes here?><!doctype d><tag /><tag>content</tag>',
    status: 0,
    shape: 'tag(),tag("content")',
    xmlDecl: '<?xMl declaration goes here?>',
    docTypeDecl: '<!doctype d>',
  },
  {
    source: '<tag></tag><!doctype d><?xMl decl?><!dOcType new><?XMl new?>',
    out: '<?xMl decl?><?XMl new?><!dOcType new><tag />',
    status: 0,
    shape: 'tag()',
    xmlDecl: '<?xMl decl?><?XMl new?>',
    docTypeDecl: '<!dOcType new>',
  },
]);

// gnash XML.as, "Check special characters" (SWF 6+; xcheck: Flash passes, gnash
// did not): numeric references decode by their leading digits, others stay text.
// Top-level text is accepted.
run('Flash recording: gnash XML.as character references', [
  {
    source: '1: &#229; 2: &#228; 3: &#1025; 4: &#02312; 5: &#0228;',
    out: '1: å 2: ä 3: Ё 4: ई 5: ä',
    status: 0,
    shape: '"1: å 2: ä 3: Ё 4: ई 5: ä"',
  },
  {
    source: '1: &#229e2; 2: &#76e9; 3: &#ee229; 4: &#fee; 5: &#97;',
    out: '1: å 2: L 3: &amp;#ee229; 4: &amp;#fee; 5: a',
    status: 0,
    shape: '"1: å 2: L 3: &#ee229; 4: &#fee; 5: a"',
  },
]);

const XML_IN =
  '<TOPNODE tna1="tna1val" tna2="tna2val" tna3="tna3val"><SUBNODE1 sna1="sna1val" sna2="sna2val"><SUBSUBNODE1 ssna1="ssna1val" ssna2="ssna2val"><!-- comment should be ignored-->sub sub1 node data 1</SUBSUBNODE1><SUBSUBNODE2><!--comment: cdata with illegal characters --><![CDATA[sub /sub1 <br>"node data 2"]]></SUBSUBNODE2></SUBNODE1><SUBNODE2><SUBSUBNODE1>sub sub2 node data 1</SUBSUBNODE1><SUBSUBNODE2>sub sub2 node data 2</SUBSUBNODE2></SUBNODE2></TOPNODE>';
const XML_OUT =
  '<TOPNODE tna1="tna1val" tna2="tna2val" tna3="tna3val"><SUBNODE1 sna1="sna1val" sna2="sna2val"><SUBSUBNODE1 ssna1="ssna1val" ssna2="ssna2val">sub sub1 node data 1</SUBSUBNODE1><SUBSUBNODE2>sub /sub1 &lt;br&gt;&quot;node data 2&quot;</SUBSUBNODE2></SUBNODE1><SUBNODE2><SUBSUBNODE1>sub sub2 node data 1</SUBSUBNODE1><SUBSUBNODE2>sub sub2 node data 2</SUBSUBNODE2></SUBNODE2></TOPNODE>';

// gnash XML.as xml_in/xml_out (comments dropped, CDATA as escaped text), the XML
// editing sources, and the ignoreWhite section; swfdec test/trace/xml-node.as
// (xml-node-7.swf.trace) for mixed content.
run('Flash recording: gnash XML.as documents and ignoreWhite', [
  {
    source: XML_IN,
    out: XML_OUT,
    status: 0,
    shape:
      'TOPNODE{tna1="tna1val" tna2="tna2val" tna3="tna3val"}(SUBNODE1{sna1="sna1val" sna2="sna2val"}(SUBSUBNODE1{ssna1="ssna1val" ssna2="ssna2val"}("sub sub1 node data 1"),SUBSUBNODE2("sub /sub1 <br>\\"node data 2\\"")),SUBNODE2(SUBSUBNODE1("sub sub2 node data 1"),SUBSUBNODE2("sub sub2 node data 2")))',
  },
  {
    source: '<X1T><X1C1></X1C1><X1C2></X1C2></X1T>',
    out: '<X1T><X1C1 /><X1C2 /></X1T>',
    status: 0,
    shape: 'X1T(X1C1(),X1C2())',
  },
  { source: '<X0><X1/></X0>', out: '<X0><X1 /></X0>', status: 0, shape: 'X0(X1())' },
  {
    source: '<X1T> <X1C1> </X1C1> <X1C2>\n</X1C2> \t</X1T>',
    out: '<X1T> <X1C1> </X1C1> <X1C2>\n</X1C2> \t</X1T>',
    status: 0,
    shape: 'X1T(" ",X1C1(" ")," ",X1C2("\\n")," \\t")',
  },
  {
    source: '<X1T> <X1C1> </X1C1> <X1C2>\n</X1C2> \t</X1T>',
    out: '<X1T><X1C1 /><X1C2 /></X1T>',
    status: 0,
    shape: 'X1T(X1C1(),X1C2())',
    ignoreWhite: true,
  },
  { source: '<X1> </X1>', out: '<X1 />', status: 0, shape: 'X1()', ignoreWhite: true },
  { source: '<X1> </X1>', out: '<X1> </X1>', status: 0, shape: 'X1(" ")' },
  { source: '<X1>\n</X1>', out: '<X1 />', status: 0, shape: 'X1()', ignoreWhite: true },
  { source: '<X1> t </X1>', out: '<X1> t </X1>', status: 0, shape: 'X1(" t ")', ignoreWhite: true },
  {
    source: '<root><a/><b/>c<d/></root>',
    out: '<root><a /><b />c<d /></root>',
    status: 0,
    shape: 'root(a(),b(),"c",d())',
  },
]);

describe('XML status codes', () => {
  it("exports Flash's codes by name", () => {
    expect(XMLStatus).to.deep.equal({
      OK: 0,
      CDATA_NOT_TERMINATED: -2,
      XMLDECL_NOT_TERMINATED: -3,
      DOCTYPE_NOT_TERMINATED: -4,
      COMMENT_NOT_TERMINATED: -5,
      ELEMENT_MALFORMED: -6,
      OUT_OF_MEMORY: -7,
      ATTRIBUTE_NOT_TERMINATED: -8,
      START_TAG_NOT_CLOSED: -9,
      END_TAG_WITHOUT_START: -10,
    });
  });
});
