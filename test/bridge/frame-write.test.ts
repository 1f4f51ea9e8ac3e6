// joinSmallFrames: frames written in one piece arrive exactly as ws would have sent
// them, at every size around the join limit and the WebSocket length encodings, as
// binary and as text, and with each send's callback called.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { JOIN_MAX_BYTES, joinSmallFrames } from '../../src/bridge/frame-write.js';

const SIZES = [0, 1, 125, 126, 127, 1000, JOIN_MAX_BYTES - 1, JOIN_MAX_BYTES, JOIN_MAX_BYTES + 1, 65535, 65536, 200_000];

function payload(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0x7f; // ASCII, so valid as text too
  return b;
}

test('every size, binary and text, arrives intact and in order; callbacks run', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, { perMessageDeflate: false });
  const received: { data: Buffer; isBinary: boolean }[] = [];
  const expected = SIZES.length * 3;
  const allReceived = new Promise<void>((resolve) =>
    client.on('message', (data: Buffer, isBinary: boolean) => {
      received.push({ data, isBinary });
      if (received.length === expected) resolve();
    }),
  );
  const ws = await serverSide;
  const sender = (ws as unknown as { _sender: { sendFrame: unknown } })._sender;
  const before = sender.sendFrame;
  joinSmallFrames(ws);
  assert.notEqual(sender.sendFrame, before, 'the sender takes the joined path');
  let callbacks = 0;
  const done = () => callbacks++;
  for (const size of SIZES) {
    ws.send(payload(size), { binary: true }, done);
    ws.send(payload(size), { binary: false }, done);
    ws.send(payload(size).toString('latin1'), { binary: false }, done); // a string payload: ws's own path
  }
  await allReceived;
  SIZES.forEach((size, i) => {
    for (let k = 0; k < 3; k++) {
      const got = received[i * 3 + k];
      assert.equal(got.isBinary, k === 0, `size ${size}, send ${k}: frame type`);
      assert.ok(got.data.equals(payload(size)), `size ${size}, send ${k}: bytes`);
    }
  });
  await new Promise<void>((resolve) => {
    client.once('close', () => resolve());
    client.close();
  });
  assert.equal(callbacks, expected);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
});

test('applied twice, or to a socket without the expected sender, changes nothing', () => {
  const fake = { _sender: { sendFrame: 'not a function', _socket: {} } };
  joinSmallFrames(fake as unknown as WebSocket);
  assert.equal(fake._sender.sendFrame, 'not a function');
  const bare = {};
  joinSmallFrames(bare as unknown as WebSocket);
  assert.deepEqual(bare, {});
});
