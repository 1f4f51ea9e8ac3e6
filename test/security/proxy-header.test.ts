// PROXY protocol headers fuzzed against a bridge behind a (pretend) load balancer:
// random bytes, mutated and truncated v1 and v2 headers, every chunking. A connection
// with a valid header goes on to its handshake; anything else is closed unanswered and
// never dialled. The process survives it all, and the bystander, which sends a valid
// header of its own, keeps echoing.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { HOST } from '../bridge/helpers.js';
import { arena, countLines, exchange, handshake, type Arena } from './arena.js';

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function v2(source: string, sourcePort: number): Buffer {
  const body = Buffer.alloc(12);
  source.split('.').forEach((octet, i) => body.writeUInt8(Number(octet), i));
  body.writeUInt8(127, 4);
  body.writeUInt8(1, 7);
  body.writeUInt16BE(sourcePort, 8);
  body.writeUInt16BE(8080, 10);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x00, 12]), body]);
}

let a: Arena;
before(async () => {
  a = await arena((allowed) => ['--target', allowed, '--proxy-protocol', '--headers-timeout', '2'], {
    options: {
      // ws hands its connection options over: the bridge's port is among them.
      createConnection: (options) => {
        const socket = net.connect((options as net.TcpNetConnectOpts).port, HOST);
        socket.write('PROXY TCP4 198.51.100.7 127.0.0.1 40000 8080\r\n');
        return socket;
      },
    },
  });
});
after(() => a.close());

test('property: arbitrary first bytes, in any chunking, never crash the bridge or reach the target', async () => {
  const valid = fc.constantFrom(
    Buffer.from('PROXY TCP4 198.51.100.9 127.0.0.1 5000 8080\r\n'),
    Buffer.from('PROXY TCP6 2001:db8::9 ::1 5000 8080\r\n'),
    Buffer.from('PROXY UNKNOWN\r\n'),
    v2('198.51.100.10', 5000),
  );
  const mutated = fc.tuple(valid, fc.nat(60), fc.integer({ min: 0, max: 255 })).map(([header, at, byte]) => {
    const copy = Buffer.from(header);
    if (copy.length > 0) copy[at % copy.length] = byte;
    return copy;
  });
  const truncated = fc.tuple(valid, fc.nat(60)).map(([header, n]) => header.subarray(0, n % header.length));
  const first = fc.oneof(
    valid,
    mutated,
    truncated,
    fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)),
  );
  const dials = a.extraDials();
  let passed = 0;
  await fc.assert(
    fc.asyncProperty(first, fc.array(fc.integer({ min: 1, max: 16 }), { maxLength: 8 }), async (header, cuts) => {
      const bytes = Buffer.concat([header, Buffer.from(handshake('/'))]);
      const chunks: Buffer[] = [];
      let at = 0;
      for (const cut of cuts) {
        if (at >= bytes.length) break;
        chunks.push(bytes.subarray(at, at + cut));
        at += cut;
      }
      chunks.push(bytes.subarray(at));
      const { status } = await exchange(a.bridge.port, chunks, { endAfterHead: true, waitMs: 5000 });
      if (status === 101) passed += 1;
      // A valid header lets the handshake go on (101, or an HTTP refusal when the mangled
      // bytes after it are no longer a handshake); anything else is closed unanswered.
      return status === 101 || status === 0 || (status >= 400 && status < 500);
    }),
    { numRuns: 200 },
  );
  assert.equal(a.extraDials() - dials, passed, 'only connections with a valid header were dialled');
  assert.ok(countLines(a.bridge.lines, 'refused', 'proxy_protocol') > 0);
  a.bridge.assertAlive();
  await a.bystander.progresses();
});

test('a header trickled a byte at a time is cut at --headers-timeout', async () => {
  const header = 'PROXY TCP4 198.51.100.9 127.0.0.1 5000 8080\r\n';
  const { status } = await exchange(a.bridge.port, [...header], { gapMs: 300, waitMs: 6000 });
  assert.equal(status, 0);
  await a.bystander.progresses();
});
