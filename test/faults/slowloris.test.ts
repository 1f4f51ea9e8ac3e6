// Fault campaign, handshake abuse: request headers trickled a byte at a time, many
// half-open handshakes, oversize headers, and thousands of connections from one
// address against --max-per-ip.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import {
  closed,
  echo,
  HOST,
  openWs,
  rawUpgrade,
  readBytes,
  startBridge,
  tcpServer,
  waitFor,
} from '../bridge/helpers.js';
import { report } from './ledger.js';

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** A raw TCP connection to the bridge; resolves with what the bridge answered and when it closed. */
function rawClient(port: number) {
  const s = net.connect(port, HOST);
  s.on('error', () => {});
  let answer = '';
  s.on('data', (d) => (answer += d.toString('latin1')));
  const gone = new Promise<void>((resolve) => s.once('close', () => resolve()));
  return { s, gone, answer: () => answer };
}

test(
  'slowloris: upgrade headers trickled one byte a second are cut at --headers-timeout with 408',
  { timeout: 120_000 },
  async (t) => {
    const server = await tcpServer(echo);
    const headersTimeout = 2;
    const b = await startBridge({ target: server.address, headersTimeout });
    try {
      const c = rawClient(b.port);
      const started = Date.now();
      let sentBytes = 0;
      const trickle = setInterval(() => {
        if (c.s.destroyed || sentBytes >= UPGRADE.length) return;
        c.s.write(UPGRADE[sentBytes]!);
        sentBytes += 1;
      }, 1000);
      await c.gone;
      clearInterval(trickle);
      const cutMs = Date.now() - started;
      assert.ok(sentBytes < UPGRADE.length, 'cut before the headers were complete');
      assert.ok(cutMs >= headersTimeout * 1000 - 50, 'not cut before the timeout');
      assert.match(c.answer(), /^HTTP\/1\.1 408 /);
      assert.equal(server.accepted, 0, 'no target connection was opened');
      // A well-behaved client is served meanwhile and afterwards.
      const ws = await openWs(b.url());
      ws.close();
      await closed(ws);
      report(t, {
        case: 'slowloris trickle (1 B/s)',
        delivered: 0,
        lost: 0,
        headersTimeoutMs: headersTimeout * 1000,
        cutMs,
        bytesSentBeforeCut: sentBytes,
      });
    } finally {
      await b.close();
      await server.close();
    }
  },
);

test(
  'many half-open handshakes (connected, partial or no request) are all cut; real clients are served meanwhile',
  { timeout: 120_000 },
  async (t) => {
    const server = await tcpServer(echo);
    const headersTimeout = 1;
    const b = await startBridge({ target: server.address, headersTimeout });
    const N = 1000;
    try {
      const rssBefore = process.memoryUsage.rss();
      const started = Date.now();
      const clients = Array.from({ length: N }, (_, i) => {
        const c = rawClient(b.port);
        // Half send nothing at all, half stop in the middle of the headers.
        if (i % 2) c.s.write(UPGRADE.slice(0, 40));
        return c;
      });
      await Promise.all(clients.map((c) => new Promise((r) => c.s.once('connect', r))));
      const rssHeld = process.memoryUsage.rss();
      // While they hang, a real client connects and echoes.
      const ws = await openWs(b.url());
      const tcp = await server.socket(1);
      ws.send('<still-served/>');
      assert.equal((await readBytes(tcp, 15)).toString(), '<still-served/>');
      ws.close();
      await closed(ws);
      await Promise.all(clients.map((c) => c.gone));
      const allCutMs = Date.now() - started;
      assert.equal(server.accepted, 1, 'half-open handshakes never reach the target');
      report(t, {
        case: 'half-open handshakes',
        delivered: 1,
        lost: 0,
        handshakes: N,
        headersTimeoutMs: headersTimeout * 1000,
        allCutMs,
        rssKiBPerHeldHandshakeBothEnds: Math.round(((rssHeld - rssBefore) / N / 1024) * 10) / 10,
      });
    } finally {
      await b.close();
      await server.close();
    }
  },
);

test(
  'oversize request headers get 431 at the default 16 KiB and at a smaller --max-header-size',
  { timeout: 120_000 },
  async (t) => {
    const server = await tcpServer(echo);
    const byDefault = await startBridge({ target: server.address });
    const small = await startBridge({ target: server.address, maxHeaderSize: 4096 });
    try {
      assert.equal((await rawUpgrade(byDefault.port, '/', { 'X-Pad': 'a'.repeat(17 * 1024) })).status, 431);
      assert.equal((await rawUpgrade(byDefault.port, '/', { 'X-Pad': 'a'.repeat(8 * 1024) })).status, 101);
      assert.equal((await rawUpgrade(small.port, '/', { 'X-Pad': 'a'.repeat(5 * 1024) })).status, 431);
      assert.equal((await rawUpgrade(small.port, '/', { 'X-Pad': 'a'.repeat(1024) })).status, 101);
      await waitFor(() => server.accepted === 2, 'the two accepted handshakes reach the target');
      report(t, { case: 'oversize headers', delivered: 2, lost: 0, defaultLimitBytes: 16384, status: 431 });
    } finally {
      await byDefault.close();
      await small.close();
      await server.close();
    }
  },
);

test(
  '2,000 connections from one address against --max-per-ip 256: 256 bridged, the rest 429; another address still gets in',
  { timeout: 120_000 },
  async (t) => {
    const server = await tcpServer(echo);
    const b = await startBridge({ target: server.address, quiet: true });
    const N = 2000;
    const open: import('ws').WebSocket[] = [];
    try {
      const statuses = new Map<number, number>();
      const started = Date.now();
      for (let i = 0; i < N; i += 250) {
        const batch = await Promise.allSettled(Array.from({ length: Math.min(250, N - i) }, () => openWs(b.url())));
        for (const r of batch) {
          const status = r.status === 'fulfilled' ? 101 : ((r.reason as { status?: number }).status ?? 0);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (r.status === 'fulfilled') open.push(r.value);
        }
      }
      const elapsedMs = Date.now() - started;
      assert.deepEqual(Object.fromEntries(statuses), { 101: 256, 429: N - 256 });
      assert.equal(b.bridge.connections, 256);
      // Another client address is not affected (loopback has all of 127/8).
      const other = await openWs(b.url(), undefined, { localAddress: '127.0.0.2' });
      other.send('<other/>');
      await waitFor(() => server.accepted === 257, 'other address bridged');
      // The admitted connections all still echo.
      const echoes = await Promise.all(
        open.map(
          (ws, i) =>
            new Promise<string>((resolve) => {
              ws.once('message', (d: Buffer) => resolve(d.toString()));
              ws.send(`<n i="${i}"/>`);
            }),
        ),
      );
      echoes.forEach((e, i) => assert.equal(e, `<n i="${i}"/>`));
      // Closing frees the slots.
      for (const ws of open) ws.close();
      await waitFor(() => b.bridge.connections === 1, 'slots released');
      const again = await openWs(b.url());
      again.close();
      other.close();
      await Promise.all([closed(again), closed(other)]);
      report(t, {
        case: 'thousands from one address vs max-per-ip',
        delivered: open.length,
        lost: 0,
        attempts: N,
        admitted: 256,
        refused429: statuses.get(429) ?? 0,
        elapsedMs,
      });
    } finally {
      for (const ws of open) ws.terminate();
      await b.close();
      await server.close();
    }
  },
);
