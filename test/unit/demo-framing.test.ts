// The chat server's NUL framing, under every way TCP can cut the bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeMessage, MessageSplitter } from '../../demo/server/framing.js';

const messages = ['<msg>ü€🎮</msg>', '', '<a/>', '<msg>日本語 text</msg>'];
const bytes = Buffer.concat(messages.map(encodeMessage));

test('every single cut point, inside multi-byte characters too, yields the same messages', () => {
  for (let cut = 0; cut <= bytes.length; cut++) {
    const out: string[] = [];
    const splitter = new MessageSplitter(1024);
    assert.ok(splitter.push(bytes.subarray(0, cut), (m) => out.push(m)));
    assert.ok(splitter.push(bytes.subarray(cut), (m) => out.push(m)));
    assert.deepEqual(out, messages, `cut at ${cut}`);
    assert.equal(splitter.bufferedBytes, 0);
  }
});

test('one byte at a time yields the same messages', () => {
  const out: string[] = [];
  const splitter = new MessageSplitter(1024);
  for (const byte of bytes) splitter.push(Buffer.of(byte), (m) => out.push(m));
  assert.deepEqual(out, messages);
});

test('the pending buffer is bounded, split or not', () => {
  const whole = new MessageSplitter(8);
  assert.equal(
    whole.push(Buffer.from('123456789\0'), () => {}),
    false,
  );
  const split = new MessageSplitter(8);
  assert.equal(
    split.push(Buffer.from('12345'), () => {}),
    true,
  );
  assert.equal(
    split.push(Buffer.from('6789'), () => {}),
    false,
  );
  const exact = new MessageSplitter(8);
  const out: string[] = [];
  assert.equal(
    exact.push(Buffer.from('12345678\0'), (m) => out.push(m)),
    true,
  );
  assert.deepEqual(out, ['12345678']);
});

test('invalid UTF-8 becomes U+FFFD instead of throwing', () => {
  const out: string[] = [];
  new MessageSplitter(64).push(Buffer.from([0x3c, 0xff, 0xc3, 0x3e, 0]), (m) => out.push(m));
  assert.deepEqual(out, ['<\uFFFD\uFFFD>']);
});
