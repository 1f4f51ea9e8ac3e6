// Property test over the live bridge: random message sets (multi-byte UTF-8
// everywhere), cut at random byte offsets into TCP writes one way and into WebSocket
// messages and continuation frames the other way, in both framings. Every message
// must arrive exactly once, in order and byte-identical, both directions.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import type { WebSocket } from 'ws';
import { closed, openWs, startBridge, tcpServer, type TcpServer, type TestBridge } from '../bridge/helpers.js';
import { report } from './ledger.js';

const RUNS_PER_FRAMING = 1000; // 2,000 message sets in all

// Characters of every UTF-8 length (1 to 4 bytes) and XML's own; NUL is the message terminator, so never inside one.
const tricky = fc.constantFrom('a', '<', '>', '&', '"', 'é', 'ß', '€', '中', '😀', '𝄞', '\u2028', '\uFEFF', ' ');
const anyChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\0');
const message = fc.array(fc.oneof(tricky, anyChar), { maxLength: 40 }).map((cs) => cs.join(''));
// A cut point: at a random byte, or (half the time) inside a random multi-byte character.
const cutPoint = fc.record({ pick: fc.nat(), insideChar: fc.boolean() });
const cuts = (max: number) => fc.array(cutPoint, { minLength: 1, maxLength: max });
const scenario = fc.record({
  messages: fc.array(message, { minLength: 1, maxLength: 12 }),
  tcpCuts: cuts(10), // target's TCP writes
  wsMessageCuts: cuts(6), // stream framing: the client's byte stream into WebSocket messages
  wsFrameCuts: cuts(6), // each WebSocket message into continuation frames
});
type Cut = { pick: number; insideChar: boolean };

/** Whether offset `at` falls inside a multi-byte UTF-8 character (the byte there is a continuation byte). */
const insideChar = (bytes: Buffer, at: number) => at > 0 && at < bytes.length && (bytes[at]! & 0xc0) === 0x80;

/** Cuts `bytes` at the given points (duplicates and ends allowed: empty pieces are kept). */
function cut(bytes: Buffer, points: readonly Cut[]): Buffer[] {
  const inside: number[] = [];
  for (let i = 1; i < bytes.length; i++) if (insideChar(bytes, i)) inside.push(i);
  const at = points
    .map((c) => (c.insideChar && inside.length ? inside[c.pick % inside.length]! : c.pick % (bytes.length + 1)))
    .sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const p of at) {
    pieces.push(bytes.subarray(start, p));
    start = p;
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

/** Sends one WebSocket message as continuation frames cut at `points`. */
function sendFragmented(ws: WebSocket, data: Buffer, binary: boolean, points: readonly Cut[]): void {
  const frames = cut(data, points);
  frames.forEach((frame, i) => ws.send(frame, { binary, fin: i === frames.length - 1 }));
}

const tick = () => new Promise((r) => setImmediate(r));

/** Waits for the next connection the target accepts. */
function nextTarget(server: TcpServer): Promise<Socket> {
  return server.socket(server.accepted + 1);
}

type Scenario = { messages: string[]; tcpCuts: Cut[]; wsMessageCuts: Cut[]; wsFrameCuts: Cut[] };

/** Counts, to show the splits reach the bridge as separate reads rather than being coalesced. */
const seen = { tcpWrites: 0, framesToClient: 0, midCharCuts: 0 };

async function oneRun(b: TestBridge, server: TcpServer, framing: 'stream' | 'message', s: Scenario): Promise<number> {
  const accepted = nextTarget(server);
  const ws = await openWs(b.url(), framing === 'message' ? 'xmlsocket.message' : undefined);
  const tcp = await accepted;
  const wire = Buffer.from(`${s.messages.join('\0')}\0`);
  const received: Buffer[] = [];
  ws.on('message', (d) => received.push(d as Buffer));
  const atTarget: Buffer[] = [];
  tcp.on('data', (d) => atTarget.push(d));

  // Target to client: the wire bytes in random TCP writes, each given a turn of the event loop.
  let offset = 0;
  for (const piece of cut(wire, s.tcpCuts)) {
    if (piece.length) {
      tcp.write(piece);
      seen.tcpWrites += 1;
      offset += piece.length;
      if (insideChar(wire, offset)) seen.midCharCuts += 1;
    }
    await tick();
  }
  // Client to target.
  if (framing === 'message') {
    for (const m of s.messages) sendFragmented(ws, Buffer.from(m), false, s.wsFrameCuts);
  } else {
    for (const piece of cut(wire, s.wsMessageCuts)) sendFragmented(ws, piece, true, s.wsFrameCuts);
  }
  const expectedToClient = framing === 'message' ? s.messages.length : wire.length;
  const doneToClient = () =>
    (framing === 'message' ? received.length : Buffer.concat(received).length) >= expectedToClient;
  const doneToTarget = () => Buffer.concat(atTarget).length >= wire.length;
  const deadline = Date.now() + 10_000;
  while (!(doneToClient() && doneToTarget())) {
    if (Date.now() > deadline) throw new Error('messages did not arrive (hang or loss)');
    await new Promise((r) => setTimeout(r, 1));
  }
  ws.close();
  await closed(ws);
  if (framing === 'stream') seen.framesToClient += received.length;
  assert.deepEqual(Buffer.concat(atTarget), wire, 'client to target: bytes differ');
  if (framing === 'message') {
    assert.deepEqual(
      received.map((d) => d.toString('utf8')),
      s.messages,
      'target to client: messages differ',
    );
  } else {
    assert.deepEqual(Buffer.concat(received), wire, 'target to client: bytes differ');
  }
  return s.messages.length * 2;
}

for (const framing of ['message', 'stream'] as const) {
  test(
    `property: ${framing} framing, ${RUNS_PER_FRAMING} random message sets under random TCP and WebSocket splits arrive exactly once, in order, byte-identical`,
    { timeout: 120_000 },
    async (t) => {
      const server = await tcpServer();
      const b = await startBridge({ target: server.address, framing, quiet: true });
      let delivered = 0;
      const started = Date.now();
      Object.assign(seen, { tcpWrites: 0, framesToClient: 0, midCharCuts: 0 });
      try {
        await fc.assert(
          fc.asyncProperty(scenario, async (s) => {
            delivered += await oneRun(b, server, framing, s);
          }),
          { numRuns: RUNS_PER_FRAMING },
        );
        report(t, {
          case: `property test (${framing})`,
          delivered,
          lost: 0,
          runs: RUNS_PER_FRAMING,
          elapsedMs: Date.now() - started,
          targetTcpWrites: seen.tcpWrites,
          tcpCutsInsideAChar: seen.midCharCuts,
          // Stream framing forwards each TCP read as one frame: close to targetTcpWrites means the splits reached the bridge as separate reads.
          ...(framing === 'stream' ? { streamFramesToClient: seen.framesToClient } : {}),
        });
      } finally {
        await b.close();
        await server.close();
      }
    },
  );
}
