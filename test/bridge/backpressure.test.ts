// Backpressure both ways: a peer that does not read makes the bridge stop reading
// from the other side, so memory stays bounded. Each test offers up to 200 MB and
// stops as soon as the sender stalls; a bridge without backpressure would swallow
// everything and fail the bound.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
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

/**
 * Writes `next()` chunks to `s` until OFFER bytes have gone or the socket has not
 * drained for STALL_MS; resolves whether it stalled.
 */
function offerUntilStalled(s: Socket, next: () => Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    let offered = 0;
    const pump = () => {
      while (offered < OFFER) {
        const chunk = next();
        offered += chunk.length;
        if (!s.write(chunk)) {
          const stall = setTimeout(() => {
            s.removeListener('drain', onDrain);
            resolve(true);
          }, STALL_MS);
          const onDrain = () => {
            clearTimeout(stall);
            pump();
          };
          s.once('drain', onDrain);
          return;
        }
      }
      resolve(false);
    };
    pump();
  });
}

function bytesMetric(text: string, direction: string): number {
  const m = new RegExp(`xmlsocket_bridge_bytes_total\\{transport="websocket",direction="${direction}"\\} (\\d+)`).exec(
    text,
  );
  return Number(m?.[1]);
}

test('a WebSocket client that does not read stops the bridge reading from TCP', async () => {
  let pushed = 0;
  const sentHash = createHash('sha256');
  let pushDone!: (stalled: boolean) => void;
  const pushing = new Promise<boolean>((r) => (pushDone = r));
  const server = await tcpServer((s: Socket) => {
    let i = 0;
    void offerUntilStalled(s, () => {
      const chunk = chunkAt(i++);
      pushed += chunk.length;
      sentHash.update(chunk);
      return chunk;
    }).then(pushDone);
  });
  const b = await startBridge({ target: server.address });
  try {
    const ws = await openWs(b.url());
    ws.pause(); // stop reading the socket: the kernel buffers fill, then the bridge's queue
    const stalled = await pushing;
    const readFromTcp = bytesMetric(await b.bridge.metrics(), 'to_client');
    console.log(
      `# TCP->WS: server wrote ${(pushed / 2 ** 20).toFixed(1)} MiB before stalling; bridge read ${(readFromTcp / 2 ** 20).toFixed(1)} MiB`,
    );
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
    const readFromWs = bytesMetric(await b.bridge.metrics(), 'to_target');
    console.log(
      `# WS->TCP: client got ${(accepted / 2 ** 20).toFixed(1)} MiB out before stalling; bridge read ${(readFromWs / 2 ** 20).toFixed(1)} MiB`,
    );
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

/** A WebSocket client that is only a socket: its own reads can be stopped exactly. */
function rawClient(port: number, protocol: string): Promise<{ socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
      );
    });
    let head = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.pause();
      if (!head.subarray(0, end).toString().startsWith('HTTP/1.1 101')) reject(new Error(head.toString()));
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

test(
  'message framing, small messages, small high-water mark: TCP pauses, then resumes, and every frame arrives',
  { timeout: 120_000 },
  async () => {
    // Many small frames per TCP read, most of them sent without a send callback (see
    // Pair.send): the bridge must still stop reading TCP while the client does not read,
    // and start again once it does. The client is a bare socket, so that "not reading"
    // is exact (ws's own pause() keeps a chunk it already read).
    const MESSAGE = Buffer.from('<m d="0123456789012345678901234567890123456789"/>\0');
    const FRAME = Buffer.concat([Buffer.from([0x81, MESSAGE.length - 1]), MESSAGE.subarray(0, -1)]);
    const BATCH = Buffer.concat(Array.from({ length: 1024 }, () => MESSAGE));
    let written = 0;
    let pushDone!: (stalled: boolean) => void;
    const pushing = new Promise<boolean>((r) => (pushDone = r));
    const server = await tcpServer((s: Socket) => {
      void offerUntilStalled(s, () => {
        written += BATCH.length;
        return BATCH;
      }).then(pushDone);
    });
    // No keepalive: a ping frame would land in the byte stream this test compares exactly
    // (it did once, at a frame boundary, 30 s pings being dealt anywhere in the interval).
    const b = await startBridge({ target: server.address, highWaterMark: 4096, pingInterval: 0 });
    try {
      const { socket, rest } = await rawClient(b.port, 'xmlsocket.message');
      assert.ok(await pushing, 'the server never stalled: the bridge kept reading');
      const expectedBytes = (written / MESSAGE.length) * FRAME.length;
      let got = rest.length;
      let mismatch = -1;
      const check = (d: Buffer, at: number) => {
        for (let i = 0; i < d.length && mismatch === -1; i++)
          if (d[i] !== FRAME[(at + i) % FRAME.length]) mismatch = at + i;
      };
      check(rest, 0);
      const all = new Promise<void>((resolve) => {
        socket.on('data', (d: Buffer) => {
          check(d, got);
          got += d.length;
          if (got >= expectedBytes) resolve();
        });
      });
      socket.resume();
      await all;
      assert.equal(mismatch, -1);
      assert.equal(got, expectedBytes);
      socket.destroy();
    } finally {
      await b.close();
      await server.close();
    }
  },
);
