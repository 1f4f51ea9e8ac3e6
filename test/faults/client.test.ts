// Fault campaign, client side: the client resets its TCP connection, or vanishes
// without a packet (no close frame, no FIN, no RST). The bridge's WebSocket
// keepalive (--ping-interval) finds the silent one and frees its target connection.
import assert from 'node:assert/strict';
import net, { type Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import {
  closed,
  echo,
  HOST,
  httpGet,
  openWs,
  readBytes,
  settle,
  startBridge,
  tcpServer,
  waitFor,
} from '../bridge/helpers.js';
import { assertPrefix, numbered, report, splitNul } from './ledger.js';

const PING_S = 0.5;

/** Resolves with the time (ms since `from`) at which the target side of the pair closes. */
function targetClosed(s: Socket, from: () => number): Promise<number> {
  return new Promise((resolve) => s.once('close', () => resolve(Date.now() - from())));
}

test(
  'client RST mid-stream: the target gets an in-order prefix, then FIN; the pair is logged client_closed',
  { timeout: 120_000 },
  async (t) => {
    const server = await tcpServer(echo);
    const b = await startBridge({ target: server.address, framing: 'message' });
    try {
      const ws = await openWs(b.url(), 'xmlsocket.message');
      const tcp = await server.socket(1);
      const received: Buffer[] = [];
      tcp.on('data', (d) => received.push(d));
      const sent = numbered(2000, 40);
      let echoed = 0;
      let resetAt = 0;
      const gone = new Promise<void>((resolve) => {
        ws.on('message', () => {
          echoed += 1;
          // Reset while hundreds of messages are still in flight both ways.
          if (echoed === 500) {
            resetAt = Date.now();
            (ws as unknown as { _socket: Socket })._socket.resetAndDestroy();
            resolve();
          }
        });
      });
      const freed = targetClosed(tcp, () => resetAt);
      // Keep sending, a batch per turn of the event loop, until the reset: it lands mid-stream.
      let offered = 0;
      while (offered < sent.length && !resetAt) {
        for (const m of sent.slice(offered, offered + 50)) ws.send(m);
        offered = Math.min(sent.length, offered + 50);
        await new Promise((r) => setImmediate(r));
      }
      await gone;
      const detectMs = await freed;
      const { messages, tail } = splitNul(Buffer.concat(received));
      const delivered = assertPrefix(messages, sent, 'client to target');
      assert.ok(delivered >= 500, 'the echoed messages had reached the target');
      // A tail cut by the client's own reset is never completed by the bridge.
      assert.ok(tail.length === 0 || Buffer.from(`${sent[delivered]}`).subarray(0, tail.length).equals(tail));
      await waitFor(() => b.logs.some((l) => l.event === 'connection'), 'connection log line');
      const line = b.logs.find((l) => l.event === 'connection')!;
      assert.equal(line.reason, 'client_closed');
      assert.equal(line.closeCode, 1006);
      assert.equal(b.bridge.connections, 0);
      // Whatever the bridge took from the client reached the target (what the client's own
      // reset discarded from its send buffer never reached the bridge).
      const lost = (line.messagesToTarget as number) - delivered;
      assert.equal(lost, 0);
      report(t, { case: 'client RST mid-stream', delivered, lost, offeredBeforeReset: offered, detectMs });
    } finally {
      await b.close();
      await server.close();
    }
  },
);

test(
  'a client that goes silent (no pong, reads nothing) is cut after a missed ping and its target freed',
  { timeout: 120_000 },
  async (t) => {
    const server = await tcpServer(echo);
    const b = await startBridge({ target: server.address, pingInterval: PING_S });
    try {
      const healthy = await openWs(b.url());
      const healthyTcp = await server.socket(1);
      const silent = await openWs(b.url(), undefined, { autoPong: false });
      const silentTcp = await server.socket(2);
      // The client's machine is gone: it reads nothing and answers nothing.
      silent.on('ping', () => {});
      const silencedAt = Date.now();
      (silent as unknown as { _socket: Socket })._socket.pause();
      const detectMs = await targetClosed(silentTcp, () => silencedAt);
      // It had to miss a whole interval's ping before being cut.
      assert.ok(detectMs >= PING_S * 1000 - 50, `cut after ${detectMs} ms, before a ping could be missed`);
      await waitFor(() => b.logs.some((l) => l.event === 'connection'), 'connection log line');
      const line = b.logs.find((l) => l.event === 'connection')!;
      assert.equal(line.reason, 'ping_timeout');
      assert.equal(line.closeCode, 1006);
      const metrics = (await httpGet(b.port, '/metrics')).body.toString();
      assert.match(metrics, /xmlsocket_bridge_closes_total\{transport="websocket",reason="ping_timeout"\} 1\n/);

      // The client that answers pings is still bridged after several intervals.
      await settle(PING_S * 3000);
      assert.equal(healthy.readyState, WebSocket.OPEN);
      assert.equal(healthyTcp.destroyed, false);
      healthy.send('still here');
      assert.equal((await readBytes(healthyTcp, 10)).toString(), 'still here');
      healthy.close();
      await closed(healthy);
      silent.terminate();
      report(t, {
        case: 'client silent (autoPong off, socket paused)',
        delivered: 1,
        lost: 0,
        pingIntervalMs: PING_S * 1000,
        detectMs,
      });
    } finally {
      await b.close();
      await server.close();
    }
  },
);

test(
  'a client behind a proxy that stops forwarding (packets dropped) is found by ping; its target is freed',
  { timeout: 120_000 },
  async (t) => {
    const server = await tcpServer(echo);
    const b = await startBridge({ target: server.address, pingInterval: PING_S });
    // A TCP proxy we control: forwards both ways until `drop`, then swallows everything
    // without closing either side, as a NAT that lost its mapping does.
    let dropping = false;
    const proxySockets: Socket[] = [];
    const proxy = net.createServer((down) => {
      const up = net.connect(b.port, HOST);
      proxySockets.push(down, up);
      for (const s of [down, up]) s.on('error', () => {});
      down.on('data', (d) => dropping || up.write(d));
      up.on('data', (d) => dropping || down.write(d));
    });
    await new Promise<void>((r) => proxy.listen(0, HOST, r));
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    try {
      const ws = await openWs(`ws://${HOST}:${proxyPort}/`);
      const tcp = await server.socket(1);
      const got: Buffer[] = [];
      ws.on('message', (d) => got.push(d as Buffer));
      const sent = numbered(50);
      for (const m of sent) ws.send(m);
      await waitFor(() => Buffer.concat(got).length === Buffer.byteLength(sent.join('')), 'echoes before the drop');
      const droppedAt = Date.now();
      dropping = true;
      const detectMs = await targetClosed(tcp, () => droppedAt);
      assert.ok(detectMs >= PING_S * 1000 - 50);
      assert.equal(
        Buffer.concat(got).toString(),
        sent.join(''),
        'everything sent before the drop came back once, in order',
      );
      await waitFor(() => b.bridge.connections === 0, 'pair gone');
      assert.equal(b.logs.find((l) => l.event === 'connection')!.reason, 'ping_timeout');
      ws.terminate();
      report(t, {
        case: 'client silent (proxy drops packets)',
        delivered: sent.length,
        lost: 0,
        pingIntervalMs: PING_S * 1000,
        detectMs,
      });
    } finally {
      for (const s of proxySockets) s.destroy();
      proxy.close();
      await b.close();
      await server.close();
    }
  },
);

test(
  'a client that goes silent while the target streams: bytes held stay bounded, ping frees the target',
  { timeout: 120_000 },
  async (t) => {
    const highWaterMark = 64 * 1024;
    let streaming = true;
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const server = await tcpServer((s) => {
      // The target writes as fast as the bridge lets it, until the pair is gone.
      const pump = () => {
        while (streaming && !s.destroyed && s.write(chunk));
      };
      s.on('drain', pump);
      s.on('close', () => (streaming = false));
      pump();
    });
    const b = await startBridge({ target: server.address, pingInterval: PING_S, highWaterMark });
    try {
      const ws = await openWs(b.url(), undefined, { autoPong: false });
      ws.on('ping', () => {});
      const tcp = await server.socket(1);
      const silencedAt = Date.now();
      (ws as unknown as { _socket: Socket })._socket.pause();
      const detectMs = await targetClosed(tcp, () => silencedAt);
      const toClient = Number(
        /xmlsocket_bridge_bytes_total\{transport="websocket",direction="to_client"\} (\d+)/.exec(
          await b.bridge.metrics(),
        )![1],
      );
      // The bridge read at most highWaterMark plus what the kernels' buffers took, not an unbounded stream.
      assert.ok(toClient < 32 * 1024 * 1024, `bridge read ${toClient} bytes for a client that reads nothing`);
      await waitFor(() => b.bridge.connections === 0, 'pair gone');
      assert.equal(b.logs.find((l) => l.event === 'connection')!.reason, 'ping_timeout');
      ws.terminate();
      report(t, {
        case: 'client silent while the target streams',
        delivered: 0,
        lost: 0,
        pingIntervalMs: PING_S * 1000,
        detectMs,
        bridgeReadFromTargetBytes: toClient,
        highWaterMark,
      });
    } finally {
      streaming = false;
      await b.close();
      await server.close();
    }
  },
);

test(
  'a client sending invalid UTF-8 text (1007) or a broken frame (1002) loses only its own pair; the target is freed',
  { timeout: 120_000 },
  async (t) => {
    const server = await tcpServer(echo);
    const b = await startBridge({ target: server.address, framing: 'message' });
    try {
      const bystander = await openWs(b.url());
      const bystanderTcp = await server.socket(1);
      const badText = await openWs(b.url());
      const badTextTcp = await server.socket(2);
      const badFrame = await openWs(b.url());
      const badFrameTcp = await server.socket(3);
      const textClosed = closed(badText);
      const frameClosed = closed(badFrame);
      badText.send(Buffer.from([0x3c, 0xff, 0x3e]), { binary: false }); // "<\xff>" as a text frame
      // FIN with RSV2 and RSV3 set, masked, empty: no extension allows those bits.
      (badFrame as unknown as { _socket: Socket })._socket.write(Buffer.from([0xb1, 0x80, 0, 0, 0, 0]));
      assert.equal((await textClosed).code, 1007);
      assert.equal((await frameClosed).code, 1002);
      await waitFor(() => badTextTcp.destroyed && badFrameTcp.destroyed, 'their target connections freed');
      await waitFor(() => b.logs.filter((l) => l.event === 'connection').length === 2, 'two log lines');
      assert.deepEqual(
        b.logs.filter((l) => l.event === 'connection').map((l) => l.reason),
        ['client_error', 'client_error'],
      );
      // The bystander is untouched.
      bystander.send('<still/>');
      assert.equal((await readBytes(bystanderTcp, 9)).toString(), '<still/>\0');
      bystander.close();
      await closed(bystander);
      report(t, { case: 'client sends invalid UTF-8 / broken frame', delivered: 1, lost: 0, closeCodes: '1007,1002' });
    } finally {
      await b.close();
      await server.close();
    }
  },
);
