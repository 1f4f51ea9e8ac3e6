// Request smuggling shapes: conflicting lengths, bodies on upgrades, folded and
// malformed headers, pipelined requests. Each is refused (or its extra bytes never reach
// a target), nothing is dialled for a refused one, and the bystander keeps echoing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../bridge/helpers.js';
import { arena, countLines, exchange, handshake, type Arena } from './arena.js';

let a: Arena;
before(async () => {
  a = await arena((allowed) => ['--target', allowed, '--headers-timeout', '2']);
});
after(() => a.close());

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
const UPGRADE = [
  'Host: x',
  'Connection: Upgrade',
  'Upgrade: websocket',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Sec-WebSocket-Version: 13',
];

test('smuggling shapes are refused before any dial', async () => {
  const shapes: [string, string][] = [
    [
      'Content-Length and Transfer-Encoding together',
      head(['POST / HTTP/1.1', 'Host: x', 'Content-Length: 4', 'Transfer-Encoding: chunked']) + '0\r\n\r\n',
    ],
    [
      'two different Content-Lengths',
      head(['GET / HTTP/1.1', 'Host: x', 'Content-Length: 1', 'Content-Length: 2']) + 'ab',
    ],
    ['an upgrade with a Content-Length body', head(['GET / HTTP/1.1', ...UPGRADE, 'Content-Length: 5']) + 'hello'],
    [
      'an upgrade with a chunked body',
      head(['GET / HTTP/1.1', ...UPGRADE, 'Transfer-Encoding: chunked']) + '5\r\nhello\r\n0\r\n\r\n',
    ],
    [
      'a folded Upgrade header',
      head([
        'GET / HTTP/1.1',
        'Host: x',
        'Connection: Upgrade',
        'Upgrade:',
        ' websocket',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
      ]),
    ],
    [
      'a bare LF head',
      'GET / HTTP/1.1\nHost: x\nConnection: Upgrade\nUpgrade: websocket\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n',
    ],
    ['a NUL in a header', head(['GET / HTTP/1.1', ...UPGRADE, 'X-A: a\x00b'])],
    [
      'a space before the colon',
      head([
        'GET / HTTP/1.1',
        'Host: x',
        'Connection: Upgrade',
        'Upgrade : websocket',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
      ]),
    ],
    [
      'Upgrade: websocket, h2c',
      head([
        'GET / HTTP/1.1',
        'Host: x',
        'Connection: Upgrade',
        'Upgrade: websocket, h2c',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
      ]),
    ],
    [
      'an invalid chunk size',
      head(['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked']) + 'zz\r\nhello\r\n0\r\n\r\n',
    ],
    ['HTTP/1.0 upgrade', head(['GET / HTTP/1.0', ...UPGRADE])],
  ];
  const refusedBefore = countLines(a.bridge.lines, 'refused');
  for (const [name, bytes] of shapes) {
    const { status } = await exchange(a.bridge.port, [bytes]);
    assert.ok(status === 0 || (status >= 400 && status < 600), `${name}: HTTP ${status}`);
  }
  // HTTP/0.9 has no headers to answer with: the bridge speaks 1.0 and 1.1 only.
  assert.equal((await exchange(a.bridge.port, ['GET /healthz\r\n\r\n'])).status, 505);
  assert.equal(a.extraDials(), 0, 'a refused request reached the target');
  // Those the bridge refused itself (not Node's parser) are logged under a reason.
  assert.ok(countLines(a.bridge.lines, 'refused') > refusedBefore);
  a.bridge.assertAlive();
  await a.bystander.progresses();
});

test('a request pipelined behind an upgrade never reaches the target as a request', async () => {
  // The second request's bytes arrive with the handshake: the WebSocket reads them as
  // frames, finds the first one broken (a client frame must be masked), and closes
  // with 1002 before forwarding a byte.
  const before = countLines(a.bridge.lines, 'connection');
  const { answer } = await exchange(a.bridge.port, [handshake('/') + 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n']);
  assert.match(answer, /^HTTP\/1\.1 101 /);
  await waitFor(() => countLines(a.bridge.lines, 'connection') > before, 'the connection line');
  const line = a.bridge.lines.filter((l) => l.event === 'connection').at(-1)!;
  assert.equal(line.reason, 'client_error');
  assert.equal(line.closeCode, 1002);
  assert.equal(line.bytesToTarget, 0);
  a.bridge.assertAlive();
  await a.bystander.progresses();
});
