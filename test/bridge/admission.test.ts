// Admission, over raw sockets: a handshake ws would refuse, an HTTP/1.0 upgrade and a
// client that floods before the answer are each refused, logged and counted under
// their own reason, and the first two never make the bridge dial its target.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { blackholePort, HOST, metricsOf, startBridge, tcpServer, type TcpServer, type TestBridge } from './helpers.js';

let server: TcpServer;
let b: TestBridge;
before(async () => {
  // A target that never answers the client's bytes keeps the bridge waiting on the handshake.
  server = await tcpServer();
  b = await startBridge({ target: server.address });
});
after(async () => {
  await b.close();
  await server.close();
});

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Sends `head` (and then `after`, if any) on a raw connection; resolves with all the bridge answered. */
function exchange(head: string | Buffer, after?: Buffer, port = b.port): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST, () => {
      socket.write(head);
      if (after) socket.write(after);
    });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(answer) : reject(err)));
  });
}

const upgrade = (extra: string, version = '1.1') =>
  `GET / HTTP/${version}\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

test('handshakes ws refuses are refused before any dial, counted and logged as bad_request', async () => {
  const nbsp = Buffer.from('\u00a0', 'utf8');
  const cases: (string | Buffer)[] = [
    // A trailing, a leading, and a separating U+00A0: String.prototype.trim() would strip it, ws does not.
    Buffer.concat([
      Buffer.from(upgrade('').slice(0, -2)),
      Buffer.from('Sec-WebSocket-Protocol: xmlsocket.message'),
      nbsp,
      Buffer.from('\r\n\r\n'),
    ]),
    Buffer.concat([
      Buffer.from(upgrade('').slice(0, -2)),
      Buffer.from('Sec-WebSocket-Protocol: '),
      nbsp,
      Buffer.from('binary\r\n\r\n'),
    ]),
    Buffer.concat([
      Buffer.from(upgrade('').slice(0, -2)),
      Buffer.from('Sec-WebSocket-Protocol: binary,'),
      nbsp,
      Buffer.from('xmlsocket.message\r\n\r\n'),
    ]),
    upgrade('Sec-WebSocket-Protocol: binary,,binary\r\n'),
    upgrade('').replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 7'),
    upgrade('').replace(KEY, 'short=='),
    upgrade('').replace('GET', 'POST'),
  ];
  const before = await metricsOf(b.port);
  const refusedBefore = b.logs.filter((l) => l.event === 'refused').length;
  for (const head of cases) {
    const answer = await exchange(head);
    assert.match(answer, /^HTTP\/1\.1 400 /, String(head));
    assert.match(answer, /\r\n\r\nbad_request\n$/);
  }
  const after = await metricsOf(b.port);
  const key = 'xmlsocket_bridge_refusals_total{reason="bad_request"}';
  assert.equal(after.get(key), before.get(key)! + cases.length);
  const lines = b.logs.filter((l) => l.event === 'refused').slice(refusedBefore);
  assert.equal(lines.length, cases.length);
  for (const line of lines) assert.equal(line.reason, 'bad_request');
  assert.equal(server.accepted, 0, 'no refused handshake reached the target');
});

test('an HTTP/1.0 upgrade gets 400 and no dial', async () => {
  const answer = await exchange(upgrade('', '1.0'));
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.equal(server.accepted, 0);
});

test('more than 64 KiB before the answer is refused as early_data, and the connect attempt is dropped', async () => {
  // A target that never completes the TCP handshake holds the answer back while the flood arrives.
  const hole = await blackholePort();
  const held = await startBridge({ target: `${HOST}:${hole.port}`, connectTimeout: 30 });
  try {
    const answer = await exchange(upgrade(''), Buffer.alloc(70 * 1024, 0x61), held.port);
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /\r\n\r\nearly_data\n$/);
    const metrics = await metricsOf(held.port);
    assert.equal(metrics.get('xmlsocket_bridge_refusals_total{reason="early_data"}'), 1);
    assert.equal(metrics.get('xmlsocket_bridge_refusals_total{reason="client_gone"}'), 0);
    assert.equal(metrics.get('xmlsocket_bridge_handshakes_pending'), 0);
    assert.equal(held.logs.find((l) => l.event === 'refused')?.reason, 'early_data');
  } finally {
    await held.close();
    hole.close();
  }
});
