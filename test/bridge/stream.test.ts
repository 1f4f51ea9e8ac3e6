// Stream framing: raw bytes both ways, byte-exact, as websockify and Ruffle expect.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  closed,
  collect,
  openWs,
  readBytes,
  startBridge,
  tcpServer,
  waitFor,
  type TcpServer,
  type TestBridge,
} from './helpers.js';

let server: TcpServer;
let b: TestBridge;
before(async () => {
  server = await tcpServer();
  b = await startBridge({ target: server.address });
});
after(async () => {
  await b.close();
  await server.close();
});

/** Random bytes with plenty of 0x00 and split multi-byte UTF-8 sequences. */
function payload(size: number): Buffer {
  const bytes = randomBytes(size);
  for (let i = 0; i < size; i += randomInt(1, 64)) bytes[i] = 0;
  const utf8 = Buffer.from('€😀é\0<x a="ü"/>\0');
  for (let i = randomInt(0, 50); i + utf8.length < size; i += randomInt(200, 2000)) utf8.copy(bytes, i);
  return bytes;
}

/** Cuts a buffer at random points, including inside UTF-8 sequences. */
function chunks(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length;) {
    const n = Math.min(data.length - i, randomInt(1, 5000));
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

test('TCP to client: random binary chunks arrive byte-exact as binary frames', async () => {
  const ws = await openWs(b.url());
  const tcp = await server.socket(server.accepted);
  const got = collect(ws);
  const data = payload(300_000);
  for (const c of chunks(data)) {
    tcp.write(c);
    if (randomInt(0, 4) === 0) await new Promise((r) => setImmediate(r));
  }
  await waitFor(() => got.bytes().length >= data.length, 'all bytes');
  assert.ok(got.frames.every((f) => f.binary));
  assert.ok(got.bytes().equals(data));
  ws.close();
  await closed(ws);
});

test('client to TCP: random binary frames arrive byte-exact', async () => {
  const ws = await openWs(b.url());
  const tcp = await server.socket(server.accepted);
  const data = payload(300_000);
  const received = readBytes(tcp, data.length);
  for (const c of chunks(data)) ws.send(c, { binary: true });
  assert.ok((await received).equals(data));
  ws.close();
  await closed(ws);
});

test('a UTF-8 character split across frames and across TCP segments stays intact', async () => {
  const ws = await openWs(b.url());
  const tcp = await server.socket(server.accepted);
  const euro = Buffer.from('€'); // e2 82 ac
  const toTcp = readBytes(tcp, 3);
  ws.send(euro.subarray(0, 1));
  ws.send(euro.subarray(1));
  assert.deepEqual([...(await toTcp)], [...euro]);

  const got = collect(ws);
  tcp.write(euro.subarray(0, 2));
  await waitFor(() => got.bytes().length >= 2, 'first half');
  tcp.write(euro.subarray(2));
  await waitFor(() => got.bytes().length >= 3, 'second half');
  assert.equal(got.bytes().toString('utf8'), '€');
  ws.close();
  await closed(ws);
});

test('client text frames are forwarded as their UTF-8 bytes', async () => {
  const ws = await openWs(b.url());
  const tcp = await server.socket(server.accepted);
  const text = '<msg t="ü€😀"/>';
  const toTcp = readBytes(tcp, Buffer.byteLength(text));
  ws.send(text);
  assert.equal((await toTcp).toString('utf8'), text);
  ws.close();
  await closed(ws);
});

test('a Ruffle-style client (binary frames, no subprotocol) gets stream framing', async () => {
  const ws = await openWs(b.url());
  ws.binaryType = 'arraybuffer';
  assert.equal(ws.protocol, '');
  const tcp = await server.socket(server.accepted);
  const frames: ArrayBuffer[] = [];
  ws.on('message', (d) => frames.push(d as ArrayBuffer));
  const toTcp = readBytes(tcp, 7);
  ws.send(new Uint8Array([60, 97, 47, 62, 0, 60, 98]).buffer); // "<a/>\0<b": not split by the bridge
  assert.deepEqual([...(await toTcp)], [60, 97, 47, 62, 0, 60, 98]);
  tcp.write(Buffer.from('<c/>\0<d/>\0'));
  await waitFor(() => frames.reduce((n, f) => n + f.byteLength, 0) >= 10, 'reply');
  assert.equal(Buffer.concat(frames.map((f) => Buffer.from(f))).toString(), '<c/>\0<d/>\0');
  ws.close();
  await closed(ws);
});

test('the legacy websockify "binary" subprotocol is echoed, unknown ones are not selected', async () => {
  const a = await openWs(b.url(), ['binary']);
  assert.equal(a.protocol, 'binary');
  a.close();
  await closed(a);
  // The bridge selects nothing it does not know; the client then fails the handshake itself.
  await assert.rejects(openWs(b.url(), ['chat.v2']), /Server sent no subprotocol/);
});
