// WebSocket keepalive (--ping-interval): pings go out, answers keep a client, no
// pings when off, and pings are not traffic for --idle-timeout. The dead-client cases
// are in test/faults/client.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
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

test('pings are not traffic: --idle-timeout still closes a pair that only exchanges pings', { timeout: 120_000 }, async () => {
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
});
