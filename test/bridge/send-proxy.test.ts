// --send-proxy: the exact PROXY header the bridge writes first on each target
// connection, WebSocket and raw, for each way it learns the player's address. Real
// readers (nginx, HAProxy, the documented game servers) are in test/fleet/send-proxy.test.ts.
import assert from 'node:assert/strict';
import net, { type Socket } from 'node:net';
import { after, test } from 'node:test';
import { parseProxyHeader } from '../../src/bridge/proxy-protocol.js';
import { HOST, openWs, startBridge, tcpServer, type TcpServer, type TestBridge } from './helpers.js';

const MESSAGE = '<hello/>\0';
const servers: TcpServer[] = [];
const bridges: TestBridge[] = [];
after(async () => {
  for (const b of bridges) await b.close();
  for (const s of servers) await s.close();
});

async function bridgeWith(options: Parameters<typeof startBridge>[0]): Promise<{ b: TestBridge; target: TcpServer }> {
  const target = await tcpServer();
  servers.push(target);
  const b = await startBridge({ target: target.address, rawTcp: true, ...options });
  bridges.push(b);
  return { b, target };
}

/** What the target receives on its next connection before MESSAGE: the header. */
async function header(target: TcpServer, send: () => Promise<void>): Promise<Buffer> {
  const accepted = target.socket();
  await send();
  const socket = await accepted;
  let bytes = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      bytes = Buffer.concat([bytes, d]);
      if (bytes.toString('latin1').endsWith(MESSAGE)) resolve();
    });
    socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(bytes.toString('latin1'))}`)));
  });
  return bytes.subarray(0, bytes.length - MESSAGE.length);
}

const viaWebSocket =
  (b: TestBridge, headers: Record<string, string> = {}, connect?: () => Socket) =>
  async () => {
    const ws = await openWs(b.url('/'), undefined, { headers, ...(connect ? { createConnection: connect } : {}) });
    ws.send(MESSAGE);
  };

function viaRaw(b: TestBridge, localAddress: string, prefix = ''): { send: () => Promise<void>; port: () => number } {
  let s: Socket | undefined;
  return {
    send: () =>
      new Promise((resolve) => {
        s = net.connect({ port: b.port, host: HOST, localAddress }, () => {
          s!.write(prefix + MESSAGE);
          resolve();
        });
      }),
    port: () => s!.localPort!,
  };
}

test('v1: a raw player by its socket address and port; a WebSocket player by X-Forwarded-For, port 0', async () => {
  const { b, target } = await bridgeWith({ sendProxy: 'v1', trustProxy: true });
  const raw = viaRaw(b, '127.0.0.23');
  assert.equal(
    (await header(target, raw.send)).toString('latin1'),
    `PROXY TCP4 127.0.0.23 127.0.0.1 ${raw.port()} ${b.port}\r\n`,
  );
  assert.equal(
    (await header(target, viaWebSocket(b, { 'X-Forwarded-For': '203.0.113.1, 198.51.100.7' }))).toString('latin1'),
    `PROXY TCP4 198.51.100.7 127.0.0.1 0 ${b.port}\r\n`,
  );
  assert.equal(
    (await header(target, viaWebSocket(b, { 'X-Forwarded-For': '2001:db8::7' }))).toString('latin1'),
    `PROXY TCP6 2001:db8::7 ::ffff:127.0.0.1 0 ${b.port}\r\n`,
  );
});

test('v2: the binary header, as the project\u2019s own parser reads it', async () => {
  const { b, target } = await bridgeWith({ sendProxy: 'v2', trustProxy: true });
  const raw = viaRaw(b, '127.0.0.24');
  const rawHeader = await header(target, raw.send);
  assert.equal(rawHeader.length, 16 + 12);
  assert.equal(rawHeader[13], 0x11, 'TCP over IPv4');
  assert.deepEqual(parseProxyHeader(rawHeader), {
    state: 'done',
    length: 28,
    header: {
      version: 2,
      source: { address: '127.0.0.24', port: raw.port() },
      destination: { address: '127.0.0.1', port: b.port },
    },
  });
  const wsHeader = await header(target, viaWebSocket(b, { 'X-Forwarded-For': '198.51.100.7' }));
  assert.deepEqual(parseProxyHeader(wsHeader), {
    state: 'done',
    length: 28,
    header: {
      version: 2,
      source: { address: '198.51.100.7', port: 0 },
      destination: { address: '127.0.0.1', port: b.port },
    },
  });
});

test('behind a balancer (--proxy-protocol) the header it was given is passed on, port included', async () => {
  const { b, target } = await bridgeWith({ sendProxy: 'v1', proxyProtocol: true });
  const balancer = 'PROXY TCP4 198.51.100.9 192.0.2.80 41234 443\r\n';
  const raw = viaRaw(b, '127.0.0.1', balancer);
  assert.equal((await header(target, raw.send)).toString('latin1'), 'PROXY TCP4 198.51.100.9 192.0.2.80 41234 443\r\n');
  const connect = () => {
    const s = net.connect(b.port, HOST);
    s.write('PROXY TCP4 198.51.100.10 192.0.2.80 41235 443\r\n');
    return s;
  };
  assert.equal(
    (await header(target, viaWebSocket(b, {}, connect))).toString('latin1'),
    'PROXY TCP4 198.51.100.10 192.0.2.80 41235 443\r\n',
  );
});

test('on a dual-stack listener an IPv4 player is TCP4, not ::ffff:-mapped TCP6', async () => {
  // A socket bound to ::ffff:127.0.0.1 sees IPv4 connections as a dual-stack `::` one
  // (the default --listen) does, without listening beyond loopback.
  const { b, target } = await bridgeWith({ sendProxy: 'v1', trustProxy: true, listen: '[::ffff:127.0.0.1]:0' });
  const raw = viaRaw(b, '127.0.0.25');
  assert.equal(
    (await header(target, raw.send)).toString('latin1'),
    `PROXY TCP4 127.0.0.25 127.0.0.1 ${raw.port()} ${b.port}\r\n`,
  );
  assert.equal(
    (await header(target, viaWebSocket(b, { 'X-Forwarded-For': '198.51.100.7' }))).toString('latin1'),
    `PROXY TCP4 198.51.100.7 127.0.0.1 0 ${b.port}\r\n`,
  );
});
