// Limits: --max-message (1009, only that connection), --max-connections (503),
// --max-per-ip (429), --idle-timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closed, collect, echo, HOST, openWs, rawUpgrade, settle, startBridge, tcpServer, waitFor } from './helpers.js';

test('an oversized client frame closes only that connection with 1009', async () => {
  const server = await tcpServer(echo);
  const b = await startBridge({ target: server.address, maxMessage: 1024 });
  try {
    const big = await openWs(b.url());
    const other = await openWs(b.url());
    const otherGot = collect(other);
    const bigClosed = closed(big);
    big.send(Buffer.alloc(1025, 1));
    assert.equal((await bigClosed).code, 1009);
    // A frame at the limit still passes on the other connection.
    other.send(Buffer.alloc(1024, 2));
    await waitFor(() => otherGot.bytes().length === 1024, 'echo on the other connection');
    assert.equal(other.readyState, other.OPEN);
    await waitFor(() => b.logs.some((l) => l.event === 'connection'), 'log line');
    const line = b.logs.find((l) => l.event === 'connection')!;
    assert.equal(line.reason, 'message_too_big');
    assert.equal(line.level, 'warn');
    assert.equal(line.closeCode, 1009);
    other.close();
    await closed(other);
  } finally {
    await b.close();
    await server.close();
  }
});

test('in message mode an oversized unterminated TCP message closes only that connection with 1009', async () => {
  const server = await tcpServer();
  const b = await startBridge({ target: server.address, framing: 'message', maxMessage: 1000 });
  try {
    const big = await openWs(b.url());
    const bigTcp = await server.socket(1);
    const other = await openWs(b.url());
    const otherTcp = await server.socket(2);
    const otherGot = collect(other);
    const bigGot = collect(big);
    const bigClosed = closed(big);
    bigTcp.write(`<ok/>\0${'x'.repeat(600)}`);
    bigTcp.write('y'.repeat(600)); // 1200 bytes and still no 0x00
    assert.equal((await bigClosed).code, 1009);
    assert.deepEqual(
      bigGot.frames.map((f) => f.data.toString()),
      ['<ok/>'],
    );
    otherTcp.write(`<m>${'z'.repeat(993)}</m>\0`); // exactly maxMessage bytes: allowed
    await otherGot.next(1);
    assert.equal(otherGot.frames[0]!.data.length, 1000);
    assert.equal(other.readyState, other.OPEN);
    // The target side of the oversized pair is closed too.
    await waitFor(() => bigTcp.destroyed || bigTcp.readableEnded, 'target socket closed');
    other.close();
    await closed(other);
  } finally {
    await b.close();
    await server.close();
  }
});

test('--max-connections refuses the next handshake with 503, before connecting', async () => {
  const server = await tcpServer();
  const b = await startBridge({ target: server.address, maxConnections: 2 });
  try {
    const a = await openWs(b.url());
    const c = await openWs(b.url());
    const res = await rawUpgrade(b.port, '/');
    assert.equal(res.status, 503);
    assert.equal(res.body.trim(), 'max_connections');
    await settle();
    assert.equal(server.accepted, 2);
    a.close();
    await closed(a);
    // A slot freed is a slot usable again.
    await waitFor(() => b.bridge.connections === 1, 'slot released');
    const d = await openWs(b.url());
    c.close();
    d.close();
    await Promise.all([closed(c), closed(d)]);
  } finally {
    await b.close();
    await server.close();
  }
});

test('--max-per-ip refuses the next handshake from that address with 429; other addresses pass', async () => {
  const server = await tcpServer();
  // trustProxy lets one loopback client stand for several addresses.
  const b = await startBridge({ target: server.address, maxPerIp: 2, trustProxy: true });
  try {
    const as = (ip: string) => ({ headers: { 'x-forwarded-for': `203.0.113.9, ${ip}` } });
    const a1 = await openWs(b.url(), undefined, as('198.51.100.1'));
    const a2 = await openWs(b.url(), undefined, as('198.51.100.1'));
    const res = await rawUpgrade(b.port, '/', { 'X-Forwarded-For': '198.51.100.1' });
    assert.equal(res.status, 429);
    assert.equal(res.body.trim(), 'max_per_ip');
    const other = await openWs(b.url(), undefined, as('198.51.100.2'));
    await settle();
    assert.equal(server.accepted, 3);
    for (const ws of [a1, a2, other]) ws.close();
    await Promise.all([a1, a2, other].map(closed));
  } finally {
    await b.close();
    await server.close();
  }
});

test('without --trust-proxy, X-Forwarded-For cannot dodge --max-per-ip', async () => {
  const server = await tcpServer();
  const b = await startBridge({ target: server.address, maxPerIp: 1 });
  try {
    const a = await openWs(b.url());
    const res = await rawUpgrade(b.port, '/', { 'X-Forwarded-For': '198.51.100.7' });
    assert.equal(res.status, 429);
    a.close();
    await closed(a);
  } finally {
    await b.close();
    await server.close();
  }
});

test('with --trust-proxy, an X-Forwarded-For entry that is not an address counts as the connection itself', async () => {
  const server = await tcpServer();
  const b = await startBridge({ target: server.address, maxPerIp: 1, trustProxy: true });
  try {
    const a = await openWs(b.url(), undefined, { headers: { 'x-forwarded-for': '198.51.100.1' } });
    // A 12,000-character value is no address: the client is 127.0.0.1, which has room.
    const long = await openWs(b.url(), undefined, { headers: { 'x-forwarded-for': `x${'1'.repeat(12_000)}` } });
    // and again: 127.0.0.1 has used its one connection.
    const res = await rawUpgrade(b.port, '/', { 'X-Forwarded-For': 'not-an-ip' });
    assert.equal(res.status, 429);
    const line = b.logs.find((l) => l.event === 'refused')!;
    assert.equal(line.ip, HOST);
    assert.ok(JSON.stringify(line).length < 1000, 'the log line stays small');
    for (const ws of [a, long]) ws.close();
    await Promise.all([a, long].map(closed));
  } finally {
    await b.close();
    await server.close();
  }
});

test('--idle-timeout closes a pair without traffic, and traffic keeps it open', async () => {
  const server = await tcpServer(echo);
  const b = await startBridge({ target: server.address, idleTimeout: 0.4 });
  try {
    const idle = await openWs(b.url());
    const idleTcp = await server.socket(1);
    const busy = await openWs(b.url());
    const tcpClosed = new Promise((r) => idleTcp.once('close', r));
    const busyGot = collect(busy);
    let sent = 0;
    const idleClosed = closed(idle);
    // Keep the busy pair talking every 100 ms until the idle one is gone.
    const timer = setInterval(() => {
      busy.send('x');
      sent += 1;
    }, 100);
    const { code } = await idleClosed;
    clearInterval(timer);
    assert.equal(code, 1000);
    await tcpClosed;
    assert.equal(busy.readyState, busy.OPEN);
    await waitFor(() => busyGot.frames.length === sent, 'echoes');
    await waitFor(() => b.logs.some((l) => l.event === 'connection' && l.reason === 'idle_timeout'), 'idle log line');
    busy.close();
    await closed(busy);
  } finally {
    await b.close();
    await server.close();
  }
});
