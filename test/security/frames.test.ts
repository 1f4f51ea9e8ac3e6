// WebSocket frame abuse on an open pair: huge lengths, endless fragments, ping and pong
// floods, invalid UTF-8, close-code abuse, a deflate offer followed by compressed
// frames, unmasked frames. Each ends that pair with the close code the docs list, logged
// as sent; the target connection is let go; the bystander keeps echoing; memory stays
// bounded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '../bridge/helpers.js';
import { arena, clientFrame, rawWebSocket, type Arena, type LogLine } from './arena.js';

const TEXT = 0x1;
const BINARY = 0x2;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;
/** The bridge may grow by at most this much over the whole file. */
const MEMORY_BOUND = 64 * 1024 * 1024;

let a: Arena;
let rssBefore: number;
before(async () => {
  a = await arena((allowed) => ['--target', allowed, '--max-message', '65536']);
  rssBefore = a.bridge.rssBytes();
});
after(async () => {
  const growth = a.bridge.rssBytes() - rssBefore;
  assert.ok(growth < MEMORY_BOUND, `the bridge grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
  await a.close();
});

/** Opens a pair, runs `abuse` on it, and returns the close code seen and the pair's log line. */
async function abuse(
  send: (ws: Awaited<ReturnType<typeof rawWebSocket>>) => void | Promise<void>,
  extra: string[] = [],
): Promise<{ code: number | undefined; line: LogLine }> {
  const lines = () => a.bridge.lines.filter((l) => l.event === 'connection');
  const before = lines().length;
  const targets = a.allowed.sockets.length;
  const ws = await rawWebSocket(a.bridge.port, '/', extra);
  await waitFor(() => a.allowed.sockets.length > targets, 'the target connection');
  const target = a.allowed.sockets.at(-1)!;
  await send(ws);
  const code = await ws.closed;
  await waitFor(() => lines().length > before, 'the connection line');
  await waitFor(() => target.destroyed, 'the target connection let go');
  a.bridge.assertAlive();
  await a.bystander.progresses();
  return { code, line: lines().at(-1)! };
}

test('a frame claiming 2^63 bytes is closed with 1009', async () => {
  const { code, line } = await abuse((ws) => ws.send(clientFrame(BINARY, 'x', { claimedLength: 2n ** 63n - 1n })));
  assert.equal(code, 1009);
  assert.deepEqual([line.reason, line.closeCode], ['message_too_big', 1009]);
});

test('a frame over --max-message is closed with 1009 before its payload arrives', async () => {
  const { code, line } = await abuse((ws) => ws.send(clientFrame(BINARY, 'x', { claimedLength: 1n << 20n })));
  assert.equal(code, 1009);
  assert.equal(line.closeCode, 1009);
});

test('a message in endless fragments is closed with 1008', async () => {
  const { code, line } = await abuse((ws) => {
    ws.send(clientFrame(TEXT, 'a', { fin: false }));
    const fragments = Array.from({ length: 17_000 }, () => clientFrame(CONTINUATION, 'a', { fin: false }));
    ws.send(Buffer.concat(fragments));
  });
  assert.equal(code, 1008);
  assert.deepEqual([line.reason, line.closeCode], ['client_error', 1008]);
});

test('invalid UTF-8 in a text frame is closed with 1007', async () => {
  const { code, line } = await abuse((ws) => ws.send(clientFrame(TEXT, Buffer.from([0x3c, 0xff, 0xfe, 0x3e]))));
  assert.equal(code, 1007);
  assert.deepEqual([line.reason, line.closeCode], ['client_error', 1007]);
});

test('close-code abuse (reserved, out of range) is a protocol error, 1002; a valid code is echoed', async () => {
  for (const bad of [1005, 1006, 999, 5000]) {
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(bad);
    const { code, line } = await abuse((ws) => ws.send(clientFrame(CLOSE, payload)));
    assert.equal(code, 1002, `close code ${bad}`);
    assert.equal(line.closeCode, 1002);
  }
  const { code, line } = await abuse((ws) => ws.send(clientFrame(CLOSE, Buffer.from([0x0f, 0xa0]))));
  assert.equal(code, 4000);
  assert.deepEqual([line.reason, line.closeCode], ['client_closed', 4000]);
});

test('a deflate offer is declined, and a compressed frame after it is a protocol error', async () => {
  const { code, line } = await abuse(
    (ws) => ws.send(clientFrame(TEXT, 'compressed?', { rsv1: true })),
    ['Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'],
  );
  assert.equal(code, 1002);
  assert.equal(line.closeCode, 1002);
});

test('an unmasked client frame is a protocol error, 1002', async () => {
  const { code } = await abuse((ws) => ws.send(clientFrame(BINARY, 'plain', { mask: false })));
  assert.equal(code, 1002);
});

test('a ping flood from a client that reads no pongs is cut as ping_flood', async () => {
  const { code, line } = await abuse(async (ws) => {
    ws.socket.pause(); // read nothing: the pongs pile up in the bridge
    const ping = clientFrame(PING, 'p'.repeat(125));
    for (let sent = 0; !ws.socket.destroyed && sent < 400_000; sent += 1000) {
      const ok = ws.socket.write(Buffer.concat(Array.from({ length: 1000 }, () => ping)));
      if (!ok) await new Promise((r) => setTimeout(r, 5));
    }
    ws.socket.resume();
  });
  assert.equal(code, undefined, 'cut without a close frame');
  assert.deepEqual([line.reason, line.closeCode], ['ping_flood', 1006]);
});

test('a pong flood changes nothing: the pair stays open and echoes', async () => {
  const targets = a.allowed.sockets.length;
  const ws = await rawWebSocket(a.bridge.port, '/');
  await waitFor(() => a.allowed.sockets.length > targets, 'the target connection');
  ws.send(Buffer.concat(Array.from({ length: 10_000 }, () => clientFrame(PONG, 'unasked'))));
  let echoed = '';
  ws.socket.on('data', (d: Buffer) => (echoed += d.toString('latin1')));
  ws.send(clientFrame(BINARY, '<still-here/>\0'));
  await waitFor(() => echoed.includes('<still-here/>'), 'the echo after the flood');
  ws.send(clientFrame(CLOSE, Buffer.from([0x03, 0xe8])));
  assert.equal(await ws.closed, 1000);
  await a.bystander.progresses();
});
