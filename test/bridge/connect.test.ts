// Connect first, then accept: the handshake answers 502/504 when the target does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blackholePort, closed, closedPort, HOST, openWs, rawUpgrade, startBridge, tcpServer } from './helpers.js';

test('a refused target gives 502 and no WebSocket', async () => {
  const port = await closedPort();
  const b = await startBridge({ target: `${HOST}:${port}` });
  try {
    const res = await rawUpgrade(b.port, '/');
    assert.equal(res.status, 502);
    assert.equal(res.body.trim(), 'connect_refused');
    await assert.rejects(openWs(b.url()), { status: 502 });
    const line = b.logs.find((l) => l.event === 'refused' && l.reason === 'connect_refused');
    assert.match(String(line?.detail), /ECONNREFUSED/);
  } finally {
    await b.close();
  }
});

test('a target that never completes the TCP handshake gives 504 after the connect timeout', async () => {
  const hole = await blackholePort();
  const b = await startBridge({ target: `${HOST}:${hole.port}`, connectTimeout: 0.5 });
  try {
    const res = await rawUpgrade(b.port, '/');
    assert.equal(res.status, 504);
    assert.equal(res.body.trim(), 'connect_timeout');
    assert.match(await b.bridge.metrics(), /xmlsocket_bridge_refusals_total\{reason="connect_timeout"\} 1/);
  } finally {
    await b.close();
    hole.close();
  }
});

test('the WebSocket opens only after the TCP server accepted', async () => {
  const server = await tcpServer();
  const b = await startBridge({ target: server.address });
  try {
    const ws = await openWs(b.url());
    // By the time the client sees "open", the server has the connection.
    assert.equal(server.accepted, 1);
    ws.close();
    await closed(ws);
  } finally {
    await b.close();
    await server.close();
  }
});

test('a client leaving while the bridge connects cancels the TCP attempt', async () => {
  const hole = await blackholePort();
  const b = await startBridge({ target: `${HOST}:${hole.port}`, connectTimeout: 30 });
  try {
    const net = await import('node:net');
    const s = net.connect(b.port, HOST);
    s.write(
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const { waitFor } = await import('./helpers.js');
    await waitFor(async () => /handshakes_pending 1/.test(await b.bridge.metrics()), 'pending handshake');
    s.destroy();
    await waitFor(async () => /handshakes_pending 0/.test(await b.bridge.metrics()), 'cancelled handshake');
    assert.match(await b.bridge.metrics(), /refusals_total\{reason="client_gone"\} 1/);
  } finally {
    await b.close();
    hole.close();
  }
});
