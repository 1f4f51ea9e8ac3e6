// The chat protocol's escaping and request parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { element, escapeXml, parseRequest, ProtocolError, usersMessage } from '../../demo/server/protocol.js';

test('escapeXml escapes all five special characters and nothing else', () => {
  assert.equal(
    escapeXml(`<a href="x">Tom & Jerry's</a> ü`),
    '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt; ü',
  );
});

test('element() output parses back to the same attribute values and text', () => {
  const tricky = `"quoted" & 'single' <tag> — ☃`;
  const xml = element('msg', { from: tricky, t: tricky }, tricky);
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
  assert.equal(root.getAttribute('from'), tricky);
  assert.equal(root.getAttribute('t'), tricky);
  assert.equal(root.textContent, tricky);
  assert.equal(element('join', { nick: 'a' }), '<join nick="a"/>');
  assert.equal(usersMessage(['a', 'b']), '<users><user nick="a"/><user nick="b"/></users>');
});

test('parseRequest reads the requests of the protocol', () => {
  assert.deepEqual(parseRequest('<login nick="Zoë"/>'), { type: 'login', nick: 'Zoë' });
  assert.deepEqual(parseRequest('<msg> hi &amp; bye </msg>'), { type: 'msg', text: 'hi & bye' });
  assert.deepEqual(parseRequest('<topic></topic>'), { type: 'topic', text: '' });
  assert.deepEqual(parseRequest('<?xml version="1.0"?>\n<ping/>'), { type: 'ping' });
  assert.deepEqual(parseRequest('<policy-file-request/>'), { type: 'policy-file-request' });
});

test('parseRequest refuses with a stable code', () => {
  const code = (source: string) => {
    try {
      parseRequest(source);
    } catch (err) {
      assert.ok(err instanceof ProtocolError);
      return err.code;
    }
    return 'accepted';
  };
  assert.equal(code('<msg>'), 'malformed');
  assert.equal(code('<msg>&nbsp;</msg>'), 'malformed');
  assert.equal(code('<msg>&#233;</msg>'), 'accepted');
  assert.equal(code('<login nick="has space"/>'), 'nick-invalid');
  assert.equal(code(`<login nick="${'x'.repeat(17)}"/>`), 'nick-invalid');
  assert.equal(code('<login/>'), 'nick-invalid');
  assert.equal(code('<msg/>'), 'empty');
  assert.equal(code(`<topic>${'t'.repeat(121)}</topic>`), 'too-long');
  assert.equal(code('<kick nick="a"/>'), 'unknown');
});
