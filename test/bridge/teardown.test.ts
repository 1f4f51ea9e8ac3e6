// Teardown: either side going away closes the other promptly, and nothing leaks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closed, collect, openWs, startBridge, tcpServer, waitFor } from './helpers.js';

test('the TCP server closing closes the WebSocket (1000) after the last bytes', async () => {
  const server = await tcpServer();
  const b = await startBridge({ target: server.address });
  try {
    const ws = await openWs(b.url());
    const got = collect(ws);
    const tcp = await server.socket(1);
    const done = closed(ws);
    tcp.end('last words');
    assert.equal((await done).code, 1000);
    assert.equal(got.bytes().toString(), 'last words');
    await waitFor(() => b.bridge.connections === 0, 'pair gone');
    const line = b.logs.find((l) => l.event === 'connection');
    assert.equal(line?.reason, 'target_closed');
    assert.equal(line?.bytesToClient, 10);
  } finally {
    await b.close();
    await server.close();
  }
});

test('the TCP server resetting closes the WebSocket with 1011', async () => {
  const server = await tcpServer();
  const b = await startBridge({ target: server.address });
  try {
    const ws = await openWs(b.url());
    const tcp = await server.socket(1);
    const done = closed(ws);
    tcp.resetAndDestroy();
    assert.equal((await done).code, 1011);
    await waitFor(() => b.logs.some((l) => l.event === 'connection' && l.reason === 'target_error'), 'log line');
  } finally {
    await b.close();
    await server.close();
  }
});

test('a client that vanishes (no close frame) gets its TCP socket closed', async () => {
  const server = await tcpServer();
  const b = await startBridge({ target: server.address });
  try {
    const ws = await openWs(b.url());
    const tcp = await server.socket(1);
    const tcpClosed = new Promise((r) => tcp.once('close', r));
    ws.terminate(); // drops the socket without a closing handshake
    await tcpClosed;
    await waitFor(() => b.bridge.connections === 0, 'pair gone');
    assert.equal(b.logs.find((l) => l.event === 'connection')?.closeCode, 1006);
  } finally {
    await b.close();
    await server.close();
  }
});

test('a client closing normally delivers its last frame before the TCP socket closes', async () => {
  const server = await tcpServer();
  const b = await startBridge({ target: server.address });
  try {
    const ws = await openWs(b.url());
    const tcp = await server.socket(1);
    let got = '';
    tcp.on('data', (d: Buffer) => (got += d.toString()));
    const tcpEnded = new Promise((r) => tcp.once('end', r));
    ws.send('bye');
    ws.close(1000);
    await tcpEnded;
    assert.equal(got, 'bye');
  } finally {
    await b.close();
    await server.close();
  }
});
