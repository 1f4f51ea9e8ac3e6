// WebSocket keepalive (--ping-interval): pings go out, answers keep a client, no
// pings when off, and pings are not traffic for --idle-timeout. The dead-client cases
// are in test/faults/client.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { Keepalive } from '../../src/bridge/keepalive.js';
import { closed, echo, openWs, settle, startBridge, tcpServer, waitFor } from './helpers.js';

test('with pingInterval 0 no pings are sent', { timeout: 120_000 }, async () => {
  const server = await tcpServer(echo);
  const b = await startBridge({ target: server.address, pingInterval: 0 });
  try {
    const ws = await openWs(b.url(), undefined, { autoPong: false });
    let pings = 0;
    ws.on('ping', () => (pings += 1));
    await settle(300);
    assert.equal(pings, 0);
    ws.close();
    await closed(ws);
  } finally {
    await b.close();
    await server.close();
  }
});

test('a client answering pings stays bridged through many intervals', { timeout: 120_000 }, async () => {
  const server = await tcpServer(echo);
  const b = await startBridge({ target: server.address, pingInterval: 0.2 });
  try {
    const ws = await openWs(b.url());
    let pings = 0;
    ws.on('ping', () => (pings += 1));
    await waitFor(() => pings >= 3, 'three pings');
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
    await closed(ws);
  } finally {
    await b.close();
    await server.close();
  }
});

test(
  'pings are not traffic: --idle-timeout still closes a pair that only exchanges pings',
  { timeout: 120_000 },
  async () => {
    const server = await tcpServer(echo);
    const b = await startBridge({ target: server.address, pingInterval: 0.1, idleTimeout: 0.6 });
    try {
      const ws = await openWs(b.url());
      let pings = 0;
      ws.on('ping', () => (pings += 1));
      const { code, reason } = await closed(ws);
      assert.equal(code, 1000);
      assert.equal(reason, 'idle timeout');
      assert.ok(pings >= 1, 'pings were exchanged before the idle timeout');
      await waitFor(() => b.logs.some((l) => l.event === 'connection'), 'log line');
      assert.equal(b.logs.find((l) => l.event === 'connection')!.reason, 'idle_timeout');
    } finally {
      await b.close();
      await server.close();
    }
  },
);

test('the sweep visits every pair exactly once per interval, a slot per tick, never all at once', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const intervalMs = 1000; // 10 slots of 100 ms
  const keepalive = new Keepalive(intervalMs);
  const visits = new Map<number, number>();
  const pairs = Array.from({ length: 95 }, (_, i) => ({
    keepaliveSlot: -1,
    heartbeat: () => visits.set(i, (visits.get(i) ?? 0) + 1),
  }));
  for (const p of pairs) keepalive.add(p);
  keepalive.start();
  t.mock.timers.tick(100);
  const firstTick = visits.size;
  assert.ok(firstTick > 0 && firstTick <= 10, `one tick served ${firstTick} of 95 pairs`);
  t.mock.timers.tick(900);
  assert.equal(visits.size, 95);
  assert.ok(
    [...visits.values()].every((n) => n === 1),
    'each pair once in the first interval',
  );
  keepalive.delete(pairs[0]!);
  t.mock.timers.tick(1000);
  assert.equal(visits.get(0), 1, 'a deleted pair is not visited again');
  assert.ok(
    [...visits.entries()].every(([i, n]) => i === 0 || n === 2),
    'the others once more',
  );
  keepalive.stop();
  t.mock.timers.tick(5000);
  assert.ok(
    [...visits.entries()].every(([i, n]) => n === (i === 0 ? 1 : 2)),
    'no visits after stop()',
  );
});
