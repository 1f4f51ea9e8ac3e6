// The AS2 parser and serializer outside a browser (Node has no DOM): they must
// need nothing but the language. Cases from swfdec test/trace/xml-errors-7.swf.trace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XML, XMLStatus, unescapeXML } from '../../src/as2.js';

test('parses and serializes without a DOM, with Flash statuses', () => {
  assert.equal(typeof (globalThis as Record<string, unknown>).DOMParser, 'undefined');
  const cases: [string, string, number][] = [
    ['<a><b/></a>', '<a><b /></a>', XMLStatus.OK],
    ['<a><b></a><c/>', '<a><b /></a>', XMLStatus.START_TAG_NOT_CLOSED],
    ['<b><c/></a>', '<b><c /></b>', XMLStatus.END_TAG_WITHOUT_START],
    ["<a A='x></a><b/>", '', XMLStatus.ATTRIBUTE_NOT_TERMINATED],
    ['<a A/><b/>', '', XMLStatus.ELEMENT_MALFORMED],
  ];
  for (const [source, out, status] of cases) {
    const doc = new XML(source);
    assert.equal(String(doc), out, source);
    assert.equal(doc.status, status, source);
  }
});

test("unescapeXML decodes Flash's references and keeps the rest", () => {
  assert.equal(unescapeXML('&lt;&GT;&amp;amp; &#229e2; &#ee229; &'), '<>&amp; å &#ee229; &');
});
