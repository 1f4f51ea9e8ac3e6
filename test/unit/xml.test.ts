// src/client/xml.ts without a browser: xmldom documents, as in Workers and Node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOMImplementation, DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { removeWhitespaceText } from '../../src/client/xml.js';

const serialize = (node: unknown) => new XMLSerializer().serializeToString(node as never);

test('ignoreWhite removes text made only of spaces, tabs, CR and LF, and nothing else', () => {
  const doc = new DOMParser().parseFromString('<a>\n <b> x </b>\t<c>\r\n</c><d>\u00a0</d> </a>', 'text/xml');
  removeWhitespaceText(doc as unknown as Node);
  assert.equal(serialize(doc), '<a><b> x </b><c/><d>\u00a0</d></a>');
});

test('ignoreWhite copes with a document nested 100,000 deep (no recursion)', () => {
  const doc = new DOMImplementation().createDocument(null, 'root', null);
  let parent = doc.documentElement!;
  for (let i = 0; i < 100_000; i++) {
    parent.appendChild(doc.createTextNode(' '));
    const child = doc.createElement('n');
    parent.appendChild(child);
    parent = child;
  }
  parent.appendChild(doc.createTextNode('leaf'));
  removeWhitespaceText(doc as unknown as Node);
  let depth = 0;
  for (let node = doc.documentElement!.firstChild; node; node = node.firstChild) {
    if (node.nodeType === 3) {
      assert.equal(node.nodeValue, 'leaf');
      break;
    }
    assert.equal(node.previousSibling, null);
    depth += 1;
  }
  assert.equal(depth, 100_000);
});
