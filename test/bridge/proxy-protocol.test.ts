// --proxy-protocol: the strict PROXY v1/v2 parser, and a bridge behind it that takes
// the client address from the header and closes connections without one.
import assert from 'node:assert/strict';
import net, { type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { parseProxyHeader, V1_MAX_LENGTH, V2_MAX_LENGTH } from '../../src/bridge/proxy-protocol.js';
import { createBridge } from '../../src/bridge.js';
import {
  closed,
  collect,
  echo,
  HOST,
  startBridge,
  tcpServer,
  waitFor,
  type TcpServer,
  type TestBridge,
} from './helpers.js';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A v2 header: command 0 LOCAL / 1 PROXY, family<<4|transport, then the address block and TLVs. */
function v2(command: number, familyTransport: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0x20 | command;
  head[1] = familyTransport;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIG, head, body]);
}

function inet4Body(src: number[], dst: number[], sport: number, dport: number, extra = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(12);
  Buffer.from(src).copy(b, 0);
  Buffer.from(dst).copy(b, 4);
  b.writeUInt16BE(sport, 8);
  b.writeUInt16BE(dport, 10);
  return Buffer.concat([b, extra]);
}

test('v1 TCP4, TCP6 and UNKNOWN', () => {
  const tcp4 = Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\nGET /');
  assert.deepEqual(parseProxyHeader(tcp4), {
    state: 'done',
    header: {
      version: 1,
      source: { address: '203.0.113.7', port: 56324 },
      destination: { address: '192.0.2.1', port: 443 },
    },
    length: tcp4.indexOf('GET'),
  });
  const tcp6 = parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 1 65535\r\n'));
  assert.equal(tcp6.state === 'done' && tcp6.header.source?.address, '2001:db8::7');
  assert.equal(tcp6.state === 'done' && tcp6.header.destination?.port, 65535);
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), {
    state: 'done',
    header: { version: 1, source: undefined, destination: undefined },
    length: 15,
  });
  assert.equal(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n')).state, 'done');
});

test('v1 is strict: wrong family, bad addresses or ports, extra spaces, lowercase, garbage', () => {
  for (const line of [
    'PROXY TCP4 203.0.113.7 192.0.2.1 56324\r\n',
    'PROXY TCP4 2001:db8::7 192.0.2.1 1 2\r\n',
    'PROXY TCP6 203.0.113.7 192.0.2.1 1 2\r\n',
    'PROXY TCP4 203.0.113.7 192.0.2.1 65536 2\r\n',
    'PROXY TCP4 203.0.113.7 192.0.2.1 01 2\r\n',
    'PROXY TCP4  203.0.113.7 192.0.2.1 1 2\r\n',
    'PROXY UDP4 203.0.113.7 192.0.2.1 1 2\r\n',
    'PROXY TCP4 256.0.0.1 192.0.2.1 1 2\r\n',
    'proxy TCP4 203.0.113.7 192.0.2.1 1 2\r\n',
    'GET / HTTP/1.1\r\n',
    'PROXY TCP4 1.2.3.4\n',
    'PROXY TCP4 1.2.3.4 \u00e9',
    // A zone id names an interface of the balancer's host, not a client.
    'PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n',
    'PROXY TCP6 2001:db8::7 fe80::1%25lo 1 2\r\n',
  ]) {
    assert.equal(parseProxyHeader(Buffer.from(line, 'latin1')).state, 'invalid', JSON.stringify(line));
  }
});

test('v1 longer than 107 bytes without CRLF is refused; shorter waits for more', () => {
  assert.equal(parseProxyHeader(Buffer.from(`PROXY UNKNOWN ${'x'.repeat(V1_MAX_LENGTH)}`)).state, 'invalid');
  assert.equal(parseProxyHeader(Buffer.from(`PROXY UNKNOWN ${'x'.repeat(V1_MAX_LENGTH - 20)}`)).state, 'incomplete');
});

test('v2 PROXY over IPv4 and IPv6, with TLVs, and LOCAL', () => {
  const tlv = Buffer.from([0x04, 0x00, 0x03, 0x61, 0x62, 0x63]); // PP2_TYPE_NOOP
  const v4 = Buffer.concat([
    v2(1, 0x11, inet4Body([198, 51, 100, 9], [10, 0, 0, 1], 40000, 8080, tlv)),
    Buffer.from('GET'),
  ]);
  assert.deepEqual(parseProxyHeader(v4), {
    state: 'done',
    header: {
      version: 2,
      source: { address: '198.51.100.9', port: 40000 },
      destination: { address: '10.0.0.1', port: 8080 },
    },
    length: v4.length - 3,
  });
  const body6 = Buffer.alloc(36);
  Buffer.from('20010db8000000000000000000000007', 'hex').copy(body6, 0);
  Buffer.from('00000000000000000000ffffc0000201', 'hex').copy(body6, 16);
  body6.writeUInt16BE(1234, 32);
  body6.writeUInt16BE(443, 34);
  const r6 = parseProxyHeader(v2(1, 0x21, body6));
  assert.deepEqual(r6.state === 'done' && r6.header.source, { address: '2001:db8::7', port: 1234 });
  assert.deepEqual(r6.state === 'done' && r6.header.destination, { address: '::ffff:192.0.2.1', port: 443 });
  // LOCAL (the balancer's own health check): addresses, if any, are ignored.
  const local = parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)));
  assert.deepEqual(local, {
    state: 'done',
    header: { version: 2, source: undefined, destination: undefined },
    length: 16,
  });
  const localWithAddresses = parseProxyHeader(v2(0, 0x11, inet4Body([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)));
  assert.equal(localWithAddresses.state === 'done' && localWithAddresses.header.source, undefined);
});

test('v2 is strict: version, command, datagrams, short address block, oversize', () => {
  const ok = v2(1, 0x11, inet4Body([1, 2, 3, 4], [5, 6, 7, 8], 1, 2));
  const version1 = Buffer.from(ok);
  version1[12] = 0x11;
  assert.equal(parseProxyHeader(version1).state, 'invalid');
  const command2 = Buffer.from(ok);
  command2[12] = 0x22;
  assert.equal(parseProxyHeader(command2).state, 'invalid');
  assert.equal(parseProxyHeader(v2(1, 0x12, inet4Body([1, 2, 3, 4], [5, 6, 7, 8], 1, 2))).state, 'invalid'); // UDP
  assert.equal(parseProxyHeader(v2(1, 0x21, Buffer.alloc(12))).state, 'invalid'); // IPv6 needs 36 bytes
  assert.equal(parseProxyHeader(v2(1, 0x41, Buffer.alloc(12))).state, 'invalid'); // family 4
  // Oversize is refused from the 16-byte preamble, before the body arrives.
  const huge = v2(1, 0x11, Buffer.alloc(V2_MAX_LENGTH));
  assert.equal(parseProxyHeader(huge.subarray(0, 16)).state, 'invalid');
  assert.equal(parseProxyHeader(v2(1, 0x11, Buffer.alloc(V2_MAX_LENGTH - 16))).state, 'done');
});

test('split across chunks: every prefix of a valid header is incomplete, never invalid', () => {
  const headers = [
    Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n'),
    Buffer.from('PROXY UNKNOWN\r\n'),
    v2(1, 0x11, inet4Body([198, 51, 100, 9], [10, 0, 0, 1], 40000, 8080)),
    v2(0, 0x00, Buffer.alloc(0)),
  ];
  for (const h of headers) {
    for (let n = 0; n < h.length; n++)
      assert.equal(parseProxyHeader(h.subarray(0, n)).state, 'incomplete', `${h.toString('hex')} at ${n}`);
    assert.equal(parseProxyHeader(h).state, 'done');
  }
  // Garbage is refused at its first byte, not after a timeout.
  assert.equal(parseProxyHeader(Buffer.from('G')).state, 'invalid');
  assert.equal(parseProxyHeader(Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x01])).state, 'invalid');
});

// --- the bridge behind a PROXY-speaking balancer ---

let server: TcpServer;
let b: TestBridge;
before(async () => {
  server = await tcpServer(echo);
  b = await startBridge({ target: server.address, proxyProtocol: true, maxPerIp: 2 });
});
after(async () => {
  await b.close();
  await server.close();
});

/** A WebSocket whose TCP connection first sends `header` (split in two writes when asked). */
function wsBehindProxy(header: Buffer, split = false): WebSocket {
  return new WebSocket(b.url('/'), {
    perMessageDeflate: false,
    createConnection: () => {
      const s = net.connect(b.port, HOST);
      if (!split) {
        s.write(header);
        return s;
      }
      // The header in two TCP writes, the client's handshake held back until it is whole.
      const write: (chunk: Buffer | string) => boolean = s.write.bind(s);
      const held: (Buffer | string)[] = [];
      let ready = false;
      (s as { write: (chunk: Buffer | string) => boolean }).write = (chunk) =>
        ready ? write(chunk) : (held.push(chunk), true);
      s.once('connect', () => {
        write(header.subarray(0, 7));
        setTimeout(() => {
          write(header.subarray(7));
          ready = true;
          for (const chunk of held) write(chunk);
        }, 20);
      });
      return s;
    },
  });
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
    );
  });
}

async function roundTrip(ws: WebSocket): Promise<string> {
  const got = collect(ws);
  ws.send('<ping/>\0');
  await got.next(1);
  return got.bytes().toString();
}

test('the bridge uses the header address for the log and --max-per-ip, v1 and v2, whole or split', async () => {
  const v1 = Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 50000 80\r\n');
  const v2b = v2(1, 0x11, inet4Body([198, 51, 100, 9], [127, 0, 0, 1], 40000, 80));
  const a = wsBehindProxy(v1);
  const c = wsBehindProxy(v2b, true);
  await Promise.all([opened(a), opened(c)]);
  assert.equal(await roundTrip(a), '<ping/>\0');
  assert.equal(await roundTrip(c), '<ping/>\0');
  // 203.0.113.7 may open one more (maxPerIp 2), then is refused with 429 while 198.51.100.9 is not.
  const a2 = wsBehindProxy(v1, true);
  await opened(a2);
  await assert.rejects(opened(wsBehindProxy(v1)), { status: 429 });
  const c2 = wsBehindProxy(v2b);
  await opened(c2);
  for (const ws of [a, a2, c, c2]) {
    const done = closed(ws);
    ws.close();
    await done;
  }
  await waitFor(() => b.logs.filter((l) => l.event === 'connection').length >= 4, 'connection lines');
  const ips = b.logs.filter((l) => l.event === 'connection').map((l) => l.ip);
  assert.deepEqual(ips.sort(), ['198.51.100.9', '198.51.100.9', '203.0.113.7', '203.0.113.7']);
  const refusal = b.logs.find((l) => l.event === 'refused' && l.reason === 'max_per_ip');
  assert.equal(refusal?.ip, '203.0.113.7');
});

test('LOCAL and UNKNOWN headers fall back to the connection address', async () => {
  const before = b.logs.length;
  for (const header of [v2(0, 0x00, Buffer.alloc(0)), Buffer.from('PROXY UNKNOWN\r\n')]) {
    const ws = wsBehindProxy(header);
    await opened(ws);
    const done = closed(ws);
    ws.close();
    await done;
  }
  await waitFor(() => b.logs.slice(before).filter((l) => l.event === 'connection').length === 2, 'connection lines');
  for (const l of b.logs.slice(before).filter((l) => l.event === 'connection')) assert.equal(l.ip, HOST);
});

/** Sends raw bytes and resolves when the bridge closes the connection. */
function refusedRaw(bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s: Socket = net.connect(b.port, HOST, () => s.write(bytes));
    let reply = '';
    s.on('data', (d) => (reply += d.toString()));
    s.on('error', () => {});
    s.on('close', () => resolve(reply));
  });
}

test('a connection without a valid header is closed, logged with the reason, and counted', async () => {
  const before = b.logs.length;
  // A plain WebSocket handshake (no header), garbage, and an oversize v2 header.
  assert.equal(await refusedRaw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), '');
  assert.equal(await refusedRaw(Buffer.from('PROXY TCP4 nonsense\r\n')), '');
  assert.equal(await refusedRaw(v2(1, 0x11, Buffer.alloc(V2_MAX_LENGTH))), '');
  await waitFor(() => b.logs.slice(before).filter((l) => l.event === 'refused').length === 3, 'refused lines');
  const lines = b.logs.slice(before).filter((l) => l.event === 'refused');
  for (const l of lines) {
    assert.equal(l.reason, 'proxy_protocol');
    assert.equal(l.level, 'warn');
    assert.equal(l.ip, HOST);
    assert.equal(typeof l.detail, 'string');
  }
  assert.match(String(lines[0]!.detail), /no PROXY protocol header/);
  assert.match(String(lines[2]!.detail), /over the .*-byte limit/);
  assert.match(await b.bridge.metrics(), /xmlsocket_bridge_refusals_total\{reason="proxy_protocol"\} 3/);
  // A load balancer's bare TCP check (connect, close) is refused too, but only logged with --verbose.
  const check = net.connect(b.port, HOST);
  await new Promise((r) => check.once('connect', r));
  check.end();
  await waitFor(
    async () => /refusals_total\{reason="proxy_protocol"\} 4/.test(await b.bridge.metrics()),
    'the silent refusal counted',
  );
  assert.equal(b.logs.slice(before).filter((l) => l.event === 'refused').length, 3);
});

test('proxyProtocol is validated and cannot be combined with TLS yet', () => {
  assert.throws(() => createBridge({ target: '127.0.0.1:1', proxyProtocol: 'yes' as unknown as boolean }), {
    code: 'ERR_BRIDGE_INVALID_OPTION',
  });
  assert.throws(() => createBridge({ target: '127.0.0.1:1', proxyProtocol: true, cert: 'c.pem', key: 'k.pem' }), {
    code: 'ERR_BRIDGE_INVALID_OPTION',
  });
});

test('close() drains proxied WebSockets with 1001 and cuts connections still sending their header', async () => {
  const own = await startBridge({ target: server.address, proxyProtocol: true });
  const ws = new WebSocket(own.url('/'), {
    perMessageDeflate: false,
    createConnection: () => {
      const s = net.connect(own.port, HOST);
      s.write('PROXY TCP4 192.0.2.5 127.0.0.1 1000 80\r\n');
      return s;
    },
  });
  await opened(ws);
  const half = net.connect(own.port, HOST);
  half.on('error', () => {});
  half.write('PROXY TCP4 192.0.2.');
  const halfClosed = new Promise((r) => half.once('close', r));
  await waitFor(() => own.bridge.connections === 1, 'pair open');
  const code = closed(ws);
  await own.close();
  assert.equal((await code).code, 1001);
  await halfClosed;
});

test(
  'behind a PROXY header, request heads are still bounded by --headers-timeout (slowloris)',
  { timeout: 15_000 },
  async () => {
    const own = await startBridge({ target: server.address, proxyProtocol: true, headersTimeout: 1 });
    try {
      const s = net.connect(own.port, HOST);
      s.on('error', () => {});
      let reply = '';
      s.on('data', (d) => (reply += d.toString()));
      const done = new Promise((r) => s.once('close', r));
      // A valid header, then a request head that never ends.
      s.write('PROXY TCP4 192.0.2.9 127.0.0.1 1000 80\r\nGET / HTTP/1.1\r\nHost: x\r\n');
      await done;
      assert.match(reply, /^HTTP\/1\.1 408 /);
    } finally {
      await own.close();
    }
  },
);
