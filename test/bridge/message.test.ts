// Message framing: TCP is split at 0x00 into one text frame per message; each client
// frame becomes the message plus one 0x00.
import assert from 'node:assert/strict';
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

const tick = () => new Promise((r) => setTimeout(r, 10));

test('the xmlsocket.message subprotocol is echoed and selects message framing', async () => {
  const ws = await openWs(b.url(), ['xmlsocket.message']);
  assert.equal(ws.protocol, 'xmlsocket.message');
  ws.close();
  await closed(ws);
});

test('many messages per segment and messages split across segments: one text frame each', async () => {
  const ws = await openWs(b.url(), ['other', 'xmlsocket.message']);
  assert.equal(ws.protocol, 'xmlsocket.message');
  const tcp = await server.socket(server.accepted);
  const got = collect(ws);
  tcp.write('<a/>\0<b x="1"/>\0<c>');
  await tick();
  tcp.write('text</c');
  await tick();
  tcp.write('>\0\0<d>€');
  await tick();
  tcp.write(Buffer.from('😀', 'utf8').subarray(0, 1)); // split inside a UTF-8 sequence
  await tick();
  tcp.write(Buffer.concat([Buffer.from('😀', 'utf8').subarray(1), Buffer.from('</d>\0<unterminated')]));
  await got.next(5);
  await tick();
  assert.deepEqual(
    got.frames.map((f) => [f.data.toString('utf8'), f.binary]),
    [
      ['<a/>', false],
      ['<b x="1"/>', false],
      ['<c>text</c>', false],
      ['', false],
      ['<d>€😀</d>', false],
    ],
  );
  ws.close();
  await closed(ws);
});

// 4096 B: up to it, a message and its 0x00 go out as one buffer.
const JOIN_MAX_BYTES = 4096;

test('client messages on both sides of the one-write size reach TCP intact, each with one 0x00', async () => {
  const ws = await openWs(b.url(), 'xmlsocket.message');
  const tcp = await server.socket(server.accepted);
  const sizes = [JOIN_MAX_BYTES - 2, JOIN_MAX_BYTES - 1, JOIN_MAX_BYTES, JOIN_MAX_BYTES + 1, 70_000];
  const messages = sizes.map((n, i) => Buffer.alloc(n, 0x61 + i));
  const expected = Buffer.concat(messages.flatMap((m) => [m, Buffer.from([0])]));
  const toTcp = readBytes(tcp, expected.length);
  for (const m of messages) ws.send(m, { binary: true });
  assert.ok((await toTcp).equals(expected));
  ws.close();
  await closed(ws);
});

test('every client frame reaches TCP with exactly one trailing 0x00', async () => {
  const ws = await openWs(b.url(), 'xmlsocket.message');
  const tcp = await server.socket(server.accepted);
  const expected = '<login user="ü"/>\0<ping/>\0\0';
  const toTcp = readBytes(tcp, Buffer.byteLength(expected));
  ws.send('<login user="ü"/>');
  ws.send(Buffer.from('<ping/>'), { binary: true });
  ws.send('');
  assert.equal((await toTcp).toString('utf8'), expected);
  ws.close();
  await closed(ws);
});

test('bytes that are not UTF-8 still arrive as a valid text frame', async () => {
  const ws = await openWs(b.url(), 'xmlsocket.message');
  const tcp = await server.socket(server.accepted);
  const got = collect(ws);
  tcp.write(Buffer.from([0x3c, 0x61, 0xff, 0x2f, 0x3e, 0x00]));
  await got.next(1);
  assert.equal(got.frames[0]!.data.toString('utf8'), '<a\uFFFD/>');
  assert.equal(got.frames[0]!.binary, false);
  ws.close();
  await closed(ws);
});

test('an unterminated tail is dropped when the server closes, as Flash does', async () => {
  const ws = await openWs(b.url(), 'xmlsocket.message');
  const tcp = await server.socket(server.accepted);
  const got = collect(ws);
  const done = closed(ws);
  tcp.end('<last/>\0<partial');
  const { code } = await done;
  assert.equal(code, 1000);
  await waitFor(() => got.frames.length >= 1, 'last message');
  assert.deepEqual(
    got.frames.map((f) => f.data.toString()),
    ['<last/>'],
  );
});
