// Backpressure both ways: a peer that does not read makes the bridge stop reading
// from the other side, so memory stays bounded. Each test offers up to 200 MB and
// stops as soon as the sender stalls; a bridge without backpressure would swallow
// everything and fail the bound.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { closed, openWs, startBridge, tcpServer, waitFor } from './helpers.js';

const OFFER = 200 * 1024 * 1024;
const CHUNK = 64 * 1024;
// Loopback socket buffers (send + receive, on two hops) plus the bridge's own
// high-water mark stay far below this on Linux; an unbounded bridge blows through it.
const WINDOW = 48 * 1024 * 1024;
// How long "no progress" counts as stalled. Only decides when to stop offering data;
// a slow machine stopping early still has to pass every assertion below.
const STALL_MS = 750;

const chunkAt = (i: number) => Buffer.alloc(CHUNK, i & 0xff);

function bytesMetric(text: string, direction: string): number {
  const m = new RegExp(`xmlsocket_bridge_bytes_total\\{direction="${direction}"\\} (\\d+)`).exec(text);
  return Number(m?.[1]);
}

test('a WebSocket client that does not read stops the bridge reading from TCP', async () => {
  let pushed = 0;
  const sentHash = createHash('sha256');
  let pushDone!: (stalled: boolean) => void;
  const pushing = new Promise<boolean>((r) => (pushDone = r));
  const server = await tcpServer((s: Socket) => {
    let i = 0;
    const pump = () => {
      while (pushed < OFFER) {
        const chunk = chunkAt(i++);
        pushed += chunk.length;
        sentHash.update(chunk);
        if (!s.write(chunk)) {
          const stall = setTimeout(() => {
            s.removeListener('drain', onDrain);
            pushDone(true);
          }, STALL_MS);
          const onDrain = () => {
            clearTimeout(stall);
            pump();
          };
          s.once('drain', onDrain);
          return;
        }
      }
      pushDone(false);
    };
    pump();
  });
  const b = await startBridge({ target: server.address });
  try {
    const ws = await openWs(b.url());
    ws.pause(); // stop reading the socket: the kernel buffers fill, then the bridge's queue
    const stalled = await pushing;
    const readFromTcp = bytesMetric(b.bridge.metrics(), 'to_client');
    console.log(`# TCP->WS: server wrote ${(pushed / 2 ** 20).toFixed(1)} MiB before stalling; bridge read ${(readFromTcp / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(stalled, 'the server never stalled: the bridge kept reading');
    assert.ok(pushed < WINDOW, `server wrote ${pushed} bytes`);
    assert.ok(readFromTcp < WINDOW, `bridge read ${readFromTcp} bytes from TCP`);

    // Once the client reads again, everything written arrives intact and in order.
    const tcp = await server.socket(1);
    const gotHash = createHash('sha256');
    let got = 0;
    ws.on('message', (d: Buffer) => {
      gotHash.update(d);
      got += d.length;
    });
    tcp.end();
    const done = closed(ws);
    ws.resume();
    assert.equal((await done).code, 1000);
    assert.equal(got, pushed);
    assert.equal(gotHash.digest('hex'), sentHash.digest('hex'));
  } finally {
    await b.close();
    await server.close();
  }
});

test('a TCP server that does not read stops the bridge reading from the WebSocket', async () => {
  const server = await tcpServer((s) => s.pause());
  const b = await startBridge({ target: server.address });
  try {
    const ws = await openWs(b.url());
    const sentHash = createHash('sha256');
    let offered = 0;
    let i = 0;
    let stalled = false;
    while (offered < OFFER) {
      const chunk = chunkAt(i++);
      ws.send(chunk);
      offered += chunk.length;
      sentHash.update(chunk);
      if (ws.bufferedAmount > 4 * CHUNK) {
        // Wait for the queue to shrink; if it does not, the path is blocked.
        const before = ws.bufferedAmount;
        const deadline = Date.now() + STALL_MS;
        while (ws.bufferedAmount >= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        if (ws.bufferedAmount >= before) {
          stalled = true;
          break;
        }
      }
    }
    const accepted = offered - ws.bufferedAmount; // what left the client process
    const readFromWs = bytesMetric(b.bridge.metrics(), 'to_target');
    console.log(`# WS->TCP: client got ${(accepted / 2 ** 20).toFixed(1)} MiB out before stalling; bridge read ${(readFromWs / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(stalled, 'the client never stalled: the bridge kept reading');
    assert.ok(accepted < WINDOW, `client sent ${accepted} bytes`);
    assert.ok(readFromWs < WINDOW, `bridge read ${readFromWs} bytes from the WebSocket`);

    // Once the server reads again, everything arrives intact and in order.
    const tcp = await server.socket(1);
    const gotHash = createHash('sha256');
    let got = 0;
    tcp.on('data', (d: Buffer) => {
      gotHash.update(d);
      got += d.length;
    });
    tcp.resume();
    await waitFor(() => got === offered, `all ${offered} bytes at the server`, 30_000);
    assert.equal(gotHash.digest('hex'), sentHash.digest('hex'));
    ws.close();
    await closed(ws);
  } finally {
    await b.close();
    await server.close();
  }
});
