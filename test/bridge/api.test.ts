// The embedding API: createBridge() / listen() / close() as other code relies on them.
import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createBridge } from '../../src/bridge.js';
import { closed, echo, HOST, openWs, tcpServer } from './helpers.js';

const silent = () => {};

test('listen() resolves with the bound address; close() resolves when every socket is gone', async () => {
  const server = await tcpServer(echo);
  const bridge = createBridge({ listen: `${HOST}:0`, target: server.address, log: silent });
  assert.equal(bridge.address, undefined);
  const addr = await bridge.listen();
  assert.equal(addr.host, HOST);
  assert.ok(addr.port > 0);
  assert.deepEqual(bridge.address, addr);
  await assert.rejects(bridge.listen(), { code: 'ERR_BRIDGE_STATE' });

  const ws = await openWs(`ws://${HOST}:${addr.port}/`);
  const tcp = await server.socket(1);
  const wsClosed = closed(ws);
  const tcpClosed = new Promise((r) => tcp.once('close', r));
  assert.equal(bridge.connections, 1);
  const closing = bridge.close();
  assert.equal(bridge.close(), closing, 'close() is idempotent');
  await closing;
  assert.equal((await wsClosed).code, 1001);
  await tcpClosed;
  assert.equal(bridge.connections, 0);
  await assert.rejects(bridge.listen(), { code: 'ERR_BRIDGE_STATE' });
  await server.close();
});

test('a port in use rejects listen() with ERR_BRIDGE_ADDRESS_IN_USE', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, HOST, r));
  const port = (blocker.address() as AddressInfo).port;
  try {
    const bridge = createBridge({ listen: `${HOST}:${port}`, target: `${HOST}:1`, log: silent });
    await assert.rejects(bridge.listen(), { code: 'ERR_BRIDGE_ADDRESS_IN_USE' });
    await bridge.close();
  } finally {
    blocker.close();
  }
});

test('close() before listen() resolves, and a numeric listen option is accepted', async () => {
  // Not listened on: a bare port means all interfaces, and tests stay on 127.0.0.1.
  const bridge = createBridge({ listen: 0, target: `${HOST}:1`, log: silent });
  assert.equal(bridge.address, undefined);
  await bridge.close();
  await assert.rejects(bridge.listen(), { code: 'ERR_BRIDGE_STATE' });
});
