// /healthz, /metrics and the per-connection log line.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  closed,
  collect,
  echo,
  httpGet,
  metricsOf,
  openWs,
  rawUpgrade,
  startBridge,
  tcpServer,
  waitFor,
  type TcpServer,
  type TestBridge,
} from './helpers.js';

let server: TcpServer;
let b: TestBridge;
before(async () => {
  server = await tcpServer(echo);
  b = await startBridge({ routes: { '/chat': server.address } });
});
after(async () => {
  await b.close();
  await server.close();
});

const metrics = () => metricsOf(b.port);

async function health(): Promise<Record<string, unknown>> {
  const res = await httpGet(b.port, '/healthz');
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /application\/json/);
  return JSON.parse(res.body.toString()) as Record<string, unknown>;
}

test('/metrics is Prometheus text with HELP and TYPE for every metric', async () => {
  const res = await httpGet(b.port, '/metrics');
  const text = res.body.toString();
  for (const name of [
    'connections_open',
    'connections_total',
    'refusals_total',
    'bytes_total',
    'messages_total',
    'closes_total',
  ]) {
    assert.match(text, new RegExp(`^# HELP xmlsocket_bridge_${name} `, 'm'));
    assert.match(text, new RegExp(`^# TYPE xmlsocket_bridge_${name} (gauge|counter)$`, 'm'));
  }
  assert.ok(text.endsWith('\n'));
});

test('/healthz and /metrics follow connections, refusals, bytes and messages', async () => {
  const m0 = await metrics();
  assert.equal((await health()).connections, 0);
  assert.equal(m0.get('xmlsocket_bridge_connections_open{transport="websocket"}'), 0);

  const ws = await openWs(b.url('/chat'));
  const got = collect(ws);
  ws.send(Buffer.from('<a/>\0')); // one XMLSocket message, 5 bytes
  await got.next(1);
  const m1 = await metrics();
  assert.equal((await health()).connections, 1);
  assert.equal(m1.get('xmlsocket_bridge_connections_open{transport="websocket"}'), 1);
  assert.equal(
    m1.get('xmlsocket_bridge_connections_total{transport="websocket"}'),
    m0.get('xmlsocket_bridge_connections_total{transport="websocket"}')! + 1,
  );
  assert.equal(
    m1.get('xmlsocket_bridge_bytes_total{transport="websocket",direction="to_target"}'),
    m0.get('xmlsocket_bridge_bytes_total{transport="websocket",direction="to_target"}')! + 5,
  );
  assert.equal(
    m1.get('xmlsocket_bridge_bytes_total{transport="websocket",direction="to_client"}'),
    m0.get('xmlsocket_bridge_bytes_total{transport="websocket",direction="to_client"}')! + 5,
  );
  // Messages are counted by their 0x00 in stream framing too.
  for (const direction of ['to_target', 'to_client']) {
    assert.equal(
      m1.get(`xmlsocket_bridge_messages_total{transport="websocket",direction="${direction}"}`),
      m0.get(`xmlsocket_bridge_messages_total{transport="websocket",direction="${direction}"}`)! + 1,
    );
  }

  await rawUpgrade(b.port, '/nowhere');
  ws.close();
  await closed(ws);
  await waitFor(() => b.bridge.connections === 0, 'pair closed');
  const m2 = await metrics();
  assert.equal(m2.get('xmlsocket_bridge_connections_open{transport="websocket"}'), 0);
  assert.equal(
    m2.get('xmlsocket_bridge_refusals_total{reason="unknown_path"}'),
    m0.get('xmlsocket_bridge_refusals_total{reason="unknown_path"}')! + 1,
  );
  assert.equal(
    m2.get('xmlsocket_bridge_closes_total{transport="websocket",reason="client_closed"}'),
    m0.get('xmlsocket_bridge_closes_total{transport="websocket",reason="client_closed"}')! + 1,
  );
  assert.equal((await health()).connections, 0);
});

test('one structured log line per connection, with bytes, duration and close reason', async () => {
  const before = b.logs.filter((l) => l.event === 'connection').length;
  const ws = await openWs(b.url('/chat'), undefined, { origin: 'http://page.example' });
  const got = collect(ws);
  ws.send('abc');
  await got.next(1);
  ws.close(1000);
  await closed(ws);
  await waitFor(() => b.logs.filter((l) => l.event === 'connection').length === before + 1, 'log line');
  const line = b.logs.filter((l) => l.event === 'connection').at(-1)!;
  assert.equal(line.level, 'info');
  assert.equal(line.path, '/chat');
  assert.equal(line.target, server.address);
  assert.equal(line.framing, 'stream');
  assert.equal(line.ip, '127.0.0.1');
  assert.equal(line.bytesToTarget, 3);
  assert.equal(line.bytesToClient, 3);
  assert.equal(line.reason, 'client_closed');
  assert.equal(line.closeCode, 1000);
  assert.equal(typeof line.durationMs, 'number');
  assert.ok(Date.parse(String(line.start)) <= Date.parse(String(line.end)));
  assert.ok(!Number.isNaN(Date.parse(line.time)));
});

test('quiet drops info lines but keeps warnings; verbose adds an open line', async () => {
  const quiet = await startBridge({ target: server.address, quiet: true });
  const verbose = await startBridge({ target: server.address, verbose: true });
  try {
    for (const x of [quiet, verbose]) {
      const ws = await openWs(x.url());
      ws.close();
      await closed(ws);
      await waitFor(() => x.bridge.connections === 0, 'closed');
    }
    assert.ok(quiet.logs.every((l) => l.level === 'warn' || l.level === 'error'));
    assert.ok(quiet.logs.some((l) => l.event === 'warning')); // "every origin" still shows
    assert.ok(verbose.logs.some((l) => l.event === 'open' && l.level === 'debug'));
    await waitFor(() => verbose.logs.some((l) => l.event === 'connection'), 'verbose connection line');
  } finally {
    await quiet.close();
    await verbose.close();
  }
});

test('unknown HTTP paths get 404 and writes to /metrics get 405', async () => {
  assert.equal((await httpGet(b.port, '/index.html')).status, 404);
  assert.equal((await httpGet(b.port, '/metrics', 'POST')).status, 405);
});
