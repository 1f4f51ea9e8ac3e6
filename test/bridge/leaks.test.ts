// No leaks: after 1,000 open/close cycles, ended by either side, the process holds
// exactly the handles and timers it held before. Alone in its file (its own process)
// so no other test's sockets blur the count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closed, collect, openWs, startBridge, tcpServer, waitFor } from './helpers.js';

test('1,000 open/close cycles leave no sockets, timers or handles behind', async () => {
  const baseline = process.getActiveResourcesInfo().sort();
  // Echoes, and ends the connection when asked to, so the server side can close too.
  const server = await tcpServer((s) => s.on('data', (d) => (d.includes('bye') ? s.end() : s.write(d))));
  const b = await startBridge({ target: server.address, idleTimeout: 60, quiet: true });
  const CYCLES = 1000;
  const PARALLEL = 10;
  let next = 0;
  const worker = async () => {
    while (next < CYCLES) {
      const i = next++;
      const ws = await openWs(b.url(), i % 2 ? 'xmlsocket.message' : undefined);
      const got = collect(ws);
      ws.send(`<n i="${i}"/>`);
      await got.next(1);
      // Alternate who ends the pair: client close, client vanish, server close.
      const done = closed(ws);
      if (i % 3 === 0) ws.close();
      else if (i % 3 === 1) ws.terminate();
      else ws.send('bye');
      await done;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, () => worker()));
  await waitFor(() => b.bridge.connections === 0, 'all pairs closed');
  assert.match(
    await b.bridge.metrics(),
    new RegExp(`xmlsocket_bridge_connections_total\\{transport="websocket"\\} ${CYCLES}\\b`),
  );
  assert.match(await b.bridge.metrics(), /xmlsocket_bridge_connections_open\{transport="websocket"\} 0\b/);
  assert.match(await b.bridge.metrics(), /xmlsocket_bridge_handshakes_pending 0\b/);
  await waitFor(() => server.sockets.every((s) => s.destroyed), 'target sockets closed');
  await b.close();
  await server.close();
  // WebSocket clients and their sockets close asynchronously; give them a moment, bounded.
  // Client sockets finish closing asynchronously; wait (bounded), then compare exactly.
  await waitFor(
    () => process.getActiveResourcesInfo().sort().join() === baseline.join(),
    'handles back to baseline',
  ).catch(() => {});
  assert.deepEqual(process.getActiveResourcesInfo().sort(), baseline);
});
