// NulSplitter: 0x00-terminated messages out of any chunking of the byte stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { countMessages, NulSplitter } from '../../src/bridge/framing.js';

/** Feeds `chunks` and returns every message, or 'overflow'. */
function run(max: number, chunks: Buffer[]): Buffer[] | 'overflow' {
  const s = new NulSplitter(max);
  const out: Buffer[] = [];
  for (const c of chunks) {
    const r = s.push(c);
    out.push(...r.messages);
    if (r.overflow) return 'overflow';
  }
  return out;
}

/** Splits `data` at the given cut points. */
function cut(data: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...sorted, data.length]) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  return out;
}

test('splits at 0x00 and keeps the unterminated tail pending', () => {
  const s = new NulSplitter(100);
  assert.deepEqual(s.push(Buffer.from('<a/>\0<b/>\0<c')).messages.map(String), ['<a/>', '<b/>']);
  assert.deepEqual(s.push(Buffer.from('/>')).messages, []);
  assert.deepEqual(s.push(Buffer.from('\0\0')).messages.map(String), ['<c/>', '']);
});

test('countMessages counts the 0x00 bytes a chunk holds', () => {
  assert.equal(countMessages(Buffer.from('')), 0);
  assert.equal(countMessages(Buffer.from('<a/>')), 0);
  assert.equal(countMessages(Buffer.from('<a/>\0')), 1);
  assert.equal(countMessages(Buffer.from('\0\0<b/>\0<c')), 3);
});

test('property: every chunking of a stream gives the same messages', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a.filter((b) => b !== 0))),
        { maxLength: 20 },
      ),
      fc.uint8Array({ maxLength: 30 }).map((bytes) => Buffer.from(bytes)),
      fc.array(fc.nat(), { maxLength: 30 }),
      (messages, tail, points) => {
        const stream = Buffer.concat([
          ...messages.flatMap((m) => [m, Buffer.from([0])]),
          Buffer.from(tail.filter((b) => b !== 0)),
        ]);
        const got = run(1000, cut(stream, points));
        assert.notEqual(got, 'overflow');
        assert.deepEqual(
          (got as Buffer[]).map((b) => b.toString('hex')),
          messages.map((m) => m.toString('hex')),
        );
      },
    ),
  );
});

test('property: overflow exactly when a message (finished or not) exceeds the limit', () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 8 }),
      fc.nat({ max: 30 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.integer({ min: 1, max: 25 }),
      (lengths, tailLength, points, max) => {
        const parts = lengths.map((n) => Buffer.concat([Buffer.alloc(n, 0x41), Buffer.from([0])]));
        const stream = Buffer.concat([...parts, Buffer.alloc(tailLength, 0x42)]);
        const expectOverflow = lengths.some((n) => n > max) || tailLength > max;
        const got = run(max, cut(stream, points));
        assert.equal(got === 'overflow', expectOverflow);
      },
    ),
  );
});

test('work is linear: a message arriving one byte at a time is joined once', () => {
  const s = new NulSplitter(1 << 20);
  const n = 200_000;
  for (let i = 0; i < n; i++) assert.equal(s.push(Buffer.from([0x61])).messages.length, 0);
  const { messages } = s.push(Buffer.from([0]));
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.length, n);
});

test('the start of an unfinished message is kept as a copy: the caller may reuse its chunk', () => {
  const split = new NulSplitter(1024);
  const chunk = Buffer.from('<a/>\0<b');
  assert.deepEqual(split.push(chunk).messages.map(String), ['<a/>']);
  chunk.fill('x'); // the bridge's next read lands in the same memory
  assert.deepEqual(split.push(Buffer.from('/>\0')).messages.map(String), ['<b/>']);
});
