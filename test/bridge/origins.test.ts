// The --origin allowlist: exact match; a missing Origin is refused once a list is set.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  closed,
  echo,
  openWs,
  rawUpgrade,
  settle,
  startBridge,
  tcpServer,
  type TcpServer,
  type TestBridge,
} from './helpers.js';

let server: TcpServer;
let b: TestBridge;
before(async () => {
  server = await tcpServer(echo);
  b = await startBridge({ target: server.address, origins: ['http://good.example', 'https://game.example:8443'] });
});
after(async () => {
  await b.close();
  await server.close();
});

test('a listed origin connects', async () => {
  const ws = await openWs(b.url(), undefined, { origin: 'https://game.example:8443' });
  ws.close();
  await closed(ws);
  assert.equal(server.accepted, 1);
});

test('other origins, near-misses and a missing Origin get 403 without a TCP connection', async () => {
  const before = server.accepted;
  for (const origin of [
    'http://evil.example',
    'https://good.example',
    'http://good.example:80',
    'http://good.example/',
    'http://GOOD.example',
    'null',
  ]) {
    const res = await rawUpgrade(b.port, '/', { Origin: origin });
    assert.equal(res.status, 403, origin);
    assert.equal(res.body.trim(), 'origin');
  }
  const none = await rawUpgrade(b.port, '/');
  assert.equal(none.status, 403);
  await settle();
  assert.equal(server.accepted, before);
});

test('without --origin every origin is accepted and the bridge says so at start-up', async () => {
  const open = await startBridge({ target: server.address });
  try {
    assert.ok(open.logs.some((l) => l.level === 'warn' && String(l.message).includes('every origin')));
    const res = await rawUpgrade(open.port, '/', { Origin: 'http://anything.example' });
    assert.equal(res.status, 101);
  } finally {
    await open.close();
  }
});
