// src/client/framing.ts: bytes in, messages out, under every chunking.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeStreamMessage, messageText, StreamDecoder } from '../../src/client/framing.js';

const encoder = new TextEncoder();

/** Runs bytes through a decoder in the given chunks and returns the messages. */
function decode(chunks: Uint8Array[]): string[] {
  const decoder = new StreamDecoder();
  const messages: string[] = [];
  for (const chunk of chunks) decoder.push(chunk, (m) => (messages.push(m), true));
  return messages;
}

/** Cuts `bytes` at the given offsets (sorted, deduplicated, in range). */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.slice(from, point));
    from = point;
  }
  return chunks;
}

// Multi-byte characters (2, 3 and 4 bytes), empty strings and zero-free text: the
// messages a server could send.
const message = fc.string({ unit: fc.constantFrom('a', '<', '>', ' ', 'é', '€', '😀', '\uFEFF', 'x'), maxLength: 12 });

test('the same bytes give the same messages under any chunking', () => {
  fc.assert(
    fc.property(
      fc.array(message, { maxLength: 8 }),
      fc.string({ maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (messages, tail, offsets) => {
        const stream = encoder.encode(messages.map((m) => `${m}\0`).join('') + tail.replace(/\0/g, ''));
        assert.deepEqual(decode(cut(stream, offsets)), messages);
      },
    ),
    { numRuns: 2000 },
  );
});

test('runs of zero bytes are empty messages, wherever the chunks split them', () => {
  fc.assert(
    fc.property(fc.nat({ max: 10 }), fc.array(fc.nat(), { maxLength: 10 }), (zeros, offsets) => {
      const stream = new Uint8Array(zeros);
      assert.deepEqual(decode(cut(stream, offsets)), new Array(zeros).fill(''));
    }),
  );
});

test('a message split inside a multi-byte character decodes whole', () => {
  const bytes = encoder.encode('😀\0');
  for (let i = 1; i < 4; i++) assert.deepEqual(decode([bytes.slice(0, i), bytes.slice(i)]), ['😀']);
  assert.deepEqual(decode([...bytes].map((b) => Uint8Array.of(b))), ['😀']);
});

test('invalid UTF-8 becomes U+FFFD and never throws', () => {
  assert.deepEqual(decode([Uint8Array.of(0xff, 0x61, 0xc3, 0, 0xe2, 0x82), Uint8Array.of(0)]), [
    '\uFFFDa\uFFFD',
    '\uFFFD',
  ]);
});

test('an unterminated tail waits for the next chunk (a closed connection drops it with its decoder)', () => {
  const decoder = new StreamDecoder();
  const messages: string[] = [];
  const deliver = (m: string) => (messages.push(m), true);
  decoder.push(encoder.encode('<a/'), deliver);
  assert.deepEqual(messages, []);
  decoder.push(encoder.encode('>\0<b'), deliver);
  assert.deepEqual(messages, ['<a/>']);
  decoder.push(encoder.encode('/>\0'), deliver);
  assert.deepEqual(messages, ['<a/>', '<b/>']);
});

test('delivery stops, and the rest of the chunk is dropped, when deliver returns false', () => {
  const decoder = new StreamDecoder();
  const messages: string[] = [];
  decoder.push(encoder.encode('1\x002\x003\x004'), (m) => (messages.push(m), m !== '2'));
  decoder.push(encoder.encode('5\0'), (m) => (messages.push(m), true));
  assert.deepEqual(messages, ['1', '2', '5']);
});

test('a leading byte order mark stays in the message', () => {
  assert.deepEqual(decode([encoder.encode('\uFEFF<a/>\0')]), ['\uFEFF<a/>']);
});

test('work per byte is constant: a 4 MB message in 1-byte chunks decodes each byte once', () => {
  // Counted, not timed: a quadratic decoder would decode (or copy) the pending bytes per chunk.
  const size = 1 << 22;
  const decoder = new StreamDecoder();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with its own `this` below
  const realDecode = TextDecoder.prototype.decode;
  let decoded = 0;
  TextDecoder.prototype.decode = function (
    this: TextDecoder,
    input?: AllowSharedBufferSource,
    options?: TextDecodeOptions,
  ) {
    decoded += input?.byteLength ?? 0;
    return realDecode.call(this, input, options);
  };
  let received = '';
  try {
    const chunk = Uint8Array.of(0x61);
    for (let i = 0; i < size; i++) decoder.push(chunk, () => true);
    decoder.push(Uint8Array.of(0), (m) => ((received = m), true));
  } finally {
    TextDecoder.prototype.decode = realDecode;
  }
  assert.equal(received.length, size);
  assert.equal(decoded, size);
});

test('stream messages go out as UTF-8 plus one 0x00; message framing drops one trailing 0x00', () => {
  assert.deepEqual([...encodeStreamMessage('é')], [0xc3, 0xa9, 0]);
  assert.equal(messageText('<a/>\0'), '<a/>');
  assert.equal(messageText('<a/>\0\0'), '<a/>\0');
  assert.equal(messageText('<a/>'), '<a/>');
  const bytes = (text: string) => encoder.encode(text).buffer;
  assert.equal(messageText(bytes('<a>é</a>\0')), '<a>é</a>');
  assert.equal(messageText(bytes('<a/>\0\0')), '<a/>\0');
  assert.equal(messageText(bytes('\uFEFF<a/>')), '\uFEFF<a/>');
});
