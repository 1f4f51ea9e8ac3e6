// Raw TCP XMLSocket clients on the bridge's port (--raw-tcp): told apart from browsers
// by their first bytes, relayed byte for byte under the same limits, logged and counted
// with transport "tcp"; Flash's policy file; bad first bytes that end cleanly.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startChatServer, type ChatServer } from '../../demo/server/chat-server.js';
import { POLICY_REQUEST, sniff } from '../../src/bridge/sniff.js';
import {
  closed,
  echo,
  HOST,
  metricsOf,
  openWs,
  readBytes,
  startBridge,
  tcpServer,
  waitFor,
  type TcpServer,
  type TestBridge,
} from './helpers.js';

/** A raw TCP client, as a desktop Flash player connects. */
function rawClient(port: number): Promise<Socket & { received: () => Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, HOST, () =>
      resolve(Object.assign(socket, { received: () => Buffer.concat(chunks) })),
    );
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
  });
}

/** Everything a connection answers until it closes. */
function answerUntilClosed(port: number, send: Buffer | string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, HOST, () => socket.write(send));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

describe('sniffing', () => {
  test('HTTP methods, TLS hellos and policy requests are told from raw XMLSocket traffic', () => {
    const kind = (text: string | Buffer, policy = true) => sniff(Buffer.from(text), policy);
    assert.equal(kind('GET / HTTP/1.1\r\n'), 'http');
    assert.equal(kind('OPTIONS * HTTP/1.1'), 'http');
    assert.equal(kind(Buffer.from([0x16, 0x03, 0x01, 0x02])), 'tls');
    assert.equal(kind('<policy-file-request/>\0'), 'policy');
    assert.equal(kind('<policy-file-request/>\0', false), 'raw');
    assert.equal(kind('<login nick="ann"/>\0'), 'raw');
    assert.equal(kind('%xt%zm%login%-1%\0'), 'raw');
    assert.equal(kind('GETX'), 'raw');
    assert.equal(kind('get / HTTP/1.1'), 'raw');
    // Not enough yet to tell.
    assert.equal(kind('GE'), undefined);
    assert.equal(kind('<policy-file-req'), undefined);
    assert.equal(kind(Buffer.from([0x16])), undefined);
  });

  test('property: however the first bytes are cut, the kind decided is the kind of the whole', () => {
    const start = fc.oneof(
      fc.constantFrom('GET /chat HTTP/1.1\r\n', 'HEAD / HTTP/1.1\r\n', '<policy-file-request/>\0', '<msg>hi</msg>\0'),
      fc.constant('\u0016\u0003\u0001\u0002\u0000'),
      fc.string({ minLength: 1, maxLength: 30 }),
    );
    fc.assert(
      fc.property(
        start,
        fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 10 }),
        fc.boolean(),
        (text, cuts, policy) => {
          const bytes = Buffer.from(text, 'latin1');
          const whole = sniff(bytes, policy);
          let at = 0;
          for (const cut of [...cuts, bytes.length]) {
            at = Math.min(bytes.length, at + cut);
            const seen = sniff(bytes.subarray(0, at), policy);
            // A prefix decides nothing, or decides what the whole decides.
            if (seen !== undefined) return seen === whole;
          }
          return true;
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('one port, two kinds of player', () => {
  let chat: ChatServer;
  let b: TestBridge;
  before(async () => {
    chat = await startChatServer();
    b = await startBridge({ target: `${HOST}:${chat.port}`, rawTcp: true });
  });
  after(async () => {
    await b.close();
    await chat.close();
  });

  test('a raw TCP client and a WebSocket client chat with each other through the TCP chat server', async () => {
    const desktop = await rawClient(b.port);
    desktop.write('<login nick="desktop"/>\0');
    const page = await openWs(b.url());
    let heard = '';
    page.on('message', (d: Buffer) => (heard += d.toString()));
    page.send(Buffer.from('<login nick="page"/>\0'));
    await waitFor(() => chat.users().length === 2, 'both logged in');
    desktop.write('<msg>日本語 &lt;&amp;&gt; from the desktop</msg>\0');
    await waitFor(() => heard.includes('from the desktop'), 'the page hears the desktop player');
    assert.ok(heard.includes('日本語 &lt;&amp;&gt; from the desktop'));
    page.send(Buffer.from('<msg>and back from the page</msg>\0'));
    await waitFor(() => desktop.received().toString().includes('and back from the page'), 'the desktop hears the page');
    const health = (await metricsOf(b.port)).get('xmlsocket_bridge_connections_open{transport="tcp"}');
    assert.equal(health, 1);
    desktop.end();
    page.close();
    await closed(page);
    await waitFor(() => b.logs.filter((l) => l.event === 'connection').length === 2, 'both connection lines');
    const tcpLine = b.logs.find((l) => l.event === 'connection' && l.transport === 'tcp')!;
    assert.equal(tcpLine.ip, HOST);
    assert.ok(Number(tcpLine.messagesToTarget) >= 2);
  });
});

describe('raw relay', () => {
  let server: TcpServer;
  let b: TestBridge;
  before(async () => {
    server = await tcpServer(echo);
    b = await startBridge({ target: server.address, rawTcp: true, sniffWait: 30 });
  });
  after(async () => {
    await b.close();
    await server.close();
  });

  test("a desktop client's exact bytes, UTF-8 cut across segments, arrive byte-identical both ways", async () => {
    const message = Buffer.from('<msg t="ü€😀">日本語 &amp;</msg>\0<m/>\0\0', 'utf8');
    const client = await rawClient(b.port);
    // One byte per write: every multi-byte character is cut. The first byte decides
    // the kind of the connection, and the bridge connects to the target.
    client.write(message.subarray(0, 1));
    const target = await server.socket(server.accepted + 1);
    const toTarget = readBytes(target, message.length);
    for (const byte of message.subarray(1)) {
      client.write(Buffer.of(byte));
      await new Promise((r) => setImmediate(r));
    }
    assert.ok((await toTarget).equals(message));
    await waitFor(() => client.received().length === message.length, 'the echo');
    assert.ok(client.received().equals(message));
    client.end();
  });

  test('a WebSocket handshake is never held for the sniff wait (here 30 s): its first bytes decide', async () => {
    const ws = await openWs(b.url());
    ws.close();
    await closed(ws);
  });
});

test('a server that speaks first: a silent raw client gets its greeting after the sniff wait', async () => {
  const greeter = await tcpServer((s) => s.write('<hello from="server"/>\0'));
  const b = await startBridge({ target: greeter.address, rawTcp: true, sniffWait: 0.2 });
  try {
    const client = await rawClient(b.port);
    await waitFor(() => client.received().toString() === '<hello from="server"/>\0', 'the greeting');
    client.end();
  } finally {
    await b.close();
    await greeter.close();
  }
});

describe("a browser's spare connection: silent past the sniff wait, then a request", () => {
  // Browsers open connections ahead of the requests they will carry, and may leave one
  // idle for seconds. Taken for a raw client on its silence, it has its target connected;
  // the target is silent too (its clients speak first), so the request decides.
  let server: TcpServer;
  let b: TestBridge;
  before(async () => {
    server = await tcpServer(echo);
    b = await startBridge({ target: server.address, rawTcp: true, sniffWait: 0.05, maxPerIp: 1 });
  });
  after(async () => {
    await b.close();
    await server.close();
  });

  /** A connection that says nothing until the bridge has connected a target for it. */
  async function spareConnection(): Promise<{ client: Awaited<ReturnType<typeof rawClient>>; target: Socket }> {
    const client = await rawClient(b.port);
    const target = await server.socket(server.accepted + 1);
    return { client, target };
  }

  const targetClosed = (target: Socket) =>
    target.destroyed ? Promise.resolve() : new Promise<void>((resolve) => target.once('close', () => resolve()));

  test('an HTTP request on it is answered by the bridge, and its target connection is let go unused', async () => {
    const { client, target } = await spareConnection();
    let toTarget = 0;
    target.on('data', (d: Buffer) => (toTarget += d.length));
    client.write('GET /healthz HTTP/1.1\r\nHost: bridge\r\nConnection: close\r\n\r\n');
    await new Promise<void>((resolve) => client.once('close', () => resolve()));
    const answer = client.received().toString();
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /"status":"ok"/);
    await targetClosed(target);
    assert.equal(toTarget, 0);
  });

  test('a WebSocket handshake on it opens, and the slot the wait held is given back', async () => {
    // --max-per-ip 1: the spare connection's slot must be free again for the WebSocket.
    const { client, target } = await spareConnection();
    const ws = await openWs(b.url(), undefined, { createConnection: () => client });
    await targetClosed(target);
    ws.send('<ping/>');
    const [echoed] = await new Promise<Buffer[]>((resolve) => ws.once('message', (d: Buffer) => resolve([d])));
    assert.equal(echoed!.toString(), '<ping/>');
    ws.close();
    await closed(ws);
  });

  test('a raw client that is only slow to speak is relayed as ever', async () => {
    const { client } = await spareConnection();
    client.write('<late/>\0');
    await waitFor(() => client.received().toString() === '<late/>\0', 'the echo');
    client.end();
    await waitFor(() => b.logs.some((l) => l.event === 'connection' && l.transport === 'tcp'), 'the connection line');
  });

  test('one that closes unused is no connection: nothing logged or counted, its slot given back', async () => {
    const before = b.logs.filter((l) => l.event === 'connection').length;
    const total = (await metricsOf(b.port)).get('xmlsocket_bridge_connections_total{transport="tcp"}');
    const { client, target } = await spareConnection();
    client.end();
    await targetClosed(target);
    // The slot is free again: the next client (--max-per-ip 1) is relayed.
    const next = await rawClient(b.port);
    next.write('<next/>\0');
    await waitFor(() => next.received().toString() === '<next/>\0', 'the echo');
    next.end();
    await waitFor(() => b.logs.filter((l) => l.event === 'connection').length === before + 1, 'one connection line');
    const m = await metricsOf(b.port);
    assert.equal(m.get('xmlsocket_bridge_connections_total{transport="tcp"}'), total! + 1);
  });
});

test('raw clients get --max-per-ip, --idle-timeout, the log, metrics and the drain', async () => {
  const server = await tcpServer(echo);
  const b = await startBridge({ target: server.address, rawTcp: true, maxPerIp: 1, idleTimeout: 0.3 });
  try {
    const first = await rawClient(b.port);
    first.write('<a/>\0');
    await waitFor(() => first.received().length === 5, 'echo');
    // A second raw client from the same address is over --max-per-ip: closed unanswered.
    const second = await answerUntilClosed(b.port, '<b/>\0');
    assert.equal(second.length, 0);
    await waitFor(() => b.logs.some((l) => l.event === 'refused' && l.reason === 'max_per_ip'), 'the refusal line');
    assert.equal(server.accepted, 1);
    // Idle: the pair is closed.
    await new Promise<void>((resolve) => first.once('close', () => resolve()));
    await waitFor(() => b.logs.some((l) => l.event === 'connection' && l.reason === 'idle_timeout'), 'idle line');
    const m = await metricsOf(b.port);
    assert.equal(m.get('xmlsocket_bridge_closes_total{transport="tcp",reason="idle_timeout"}'), 1);
    assert.equal(m.get('xmlsocket_bridge_refusals_total{reason="max_per_ip"}'), 1);
    // The drain: close() ends a raw pair with a FIN, and the log says shutdown.
    const third = await rawClient(b.port);
    third.write('<c/>\0');
    await waitFor(() => third.received().length === 5, 'echo');
    const ended = new Promise<void>((resolve) => third.once('end', () => resolve()));
    await b.close();
    await ended;
    assert.equal(b.logs.filter((l) => l.event === 'connection').at(-1)!.reason, 'shutdown');
  } finally {
    await b.close();
    await server.close();
  }
});

test('a target that does not read stops the bridge reading from the raw client', async () => {
  const server = await tcpServer((s) => s.pause());
  const b = await startBridge({ target: server.address, rawTcp: true, highWaterMark: 64 * 1024 });
  try {
    const client = await rawClient(b.port);
    // 32 MiB offered at once: what the bridge does not take waits in the client's queue.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 512; i++) client.write(chunk);
    const key = 'xmlsocket_bridge_bytes_total{transport="tcp",direction="to_target"}';
    let taken = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      const now = (await metricsOf(b.port)).get(key)!;
      if (now === taken) break;
      taken = now;
    }
    // The bridge stopped taking bytes at its high-water mark plus what the kernels buffer.
    assert.ok(taken < 16 * 1024 * 1024, `the bridge took ${taken} bytes from a client whose target reads nothing`);
    assert.ok(client.writableLength > 0, 'the rest is still waiting on the client side');
    client.destroy();
  } finally {
    await b.close();
    await server.close();
  }
});

describe('the policy file', () => {
  let server: TcpServer;
  let dir: string;
  before(async () => {
    server = await tcpServer(echo);
    dir = mkdtempSync(join(tmpdir(), 'bridge-policy-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--policy auto answers in-band on the raw port: the policy, a zero byte, the end', async () => {
    const b = await startBridge({
      target: server.address,
      rawTcp: true,
      policy: 'auto',
      origins: ['https://game.example', 'http://game.example:8080'],
    });
    try {
      const answer = await answerUntilClosed(b.port, POLICY_REQUEST);
      assert.equal(answer.at(-1), 0);
      const policy = answer.subarray(0, -1).toString();
      assert.match(policy, /^<\?xml version="1.0"\?>/);
      assert.match(policy, new RegExp(`<allow-access-from domain="game.example" to-ports="${b.port}"/>`));
      assert.equal(policy.match(/allow-access-from/g)!.length, 1, 'one entry per domain');
      assert.ok(!policy.includes('to-ports="*"'));
      assert.equal(server.accepted, 0, 'the game server never saw the request');
    } finally {
      await b.close();
    }
  });

  test('--policy-file serves the operator policy, on the raw port and on --policy-listen; other bytes there are refused', async () => {
    const file = join(dir, 'policy.xml');
    writeFileSync(file, '<cross-domain-policy><allow-access-from domain="*" to-ports="9339"/></cross-domain-policy>\n');
    const b = await startBridge({ target: server.address, rawTcp: true, policyFile: file, policyListen: `${HOST}:0` });
    try {
      const expected = '<cross-domain-policy><allow-access-from domain="*" to-ports="9339"/></cross-domain-policy>\0';
      assert.equal((await answerUntilClosed(b.port, POLICY_REQUEST)).toString(), expected);
      const policyPort = Number(
        String(b.logs.find((l) => l.event === 'listening')!.policyAddress)
          .split(':')
          .pop(),
      );
      assert.equal((await answerUntilClosed(policyPort, POLICY_REQUEST)).toString(), expected);
      assert.equal((await answerUntilClosed(policyPort, 'GET / HTTP/1.1\r\n\r\n')).length, 0);
      await waitFor(() => b.logs.some((l) => l.reason === 'bad_policy_request'), 'the refusal line');
      assert.equal(server.accepted, 0);
    } finally {
      await b.close();
    }
  });

  test('with neither option, a raw client’s policy request goes to the game server like any message', async () => {
    const b = await startBridge({ target: server.address, rawTcp: true });
    try {
      const client = await rawClient(b.port);
      client.write(POLICY_REQUEST);
      await waitFor(() => client.received().equals(POLICY_REQUEST), 'the echo from the game server');
      client.end();
    } finally {
      await b.close();
    }
  });
});

describe('bad first bytes end cleanly, each logged and counted', () => {
  let server: TcpServer;
  before(async () => {
    server = await tcpServer(echo);
  });
  after(() => server.close());

  test('without --raw-tcp: random bytes and an invalid HTTP-like request get 400, a silent client 408', async () => {
    const b = await startBridge({ target: server.address, headersTimeout: 0.5 });
    try {
      assert.match(
        (await answerUntilClosed(b.port, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]))).toString(),
        /^HTTP\/1\.1 400 /,
      );
      assert.match((await answerUntilClosed(b.port, 'GET / HTTP/9.9 extra\r\n\r\n')).toString(), /^HTTP\/1\.1 400 /);
      const silent = await new Promise<string>((resolve) => {
        let answer = '';
        const s = net.connect(b.port, HOST);
        s.on('data', (d: Buffer) => (answer += d.toString()));
        s.on('close', () => resolve(answer));
      });
      assert.match(silent, /^HTTP\/1\.1 408 /);
      const m = await metricsOf(b.port);
      assert.ok(m.get('xmlsocket_bridge_refusals_total{reason="bad_request"}')! >= 1);
      assert.equal(m.get('xmlsocket_bridge_refusals_total{reason="headers_timeout"}'), 1);
      assert.equal(server.accepted, 0);
    } finally {
      await b.close();
    }
  });

  test('with --raw-tcp: a TLS hello and no certificate is closed as unexpected_tls; a truncated PROXY header as proxy_protocol', async () => {
    const b = await startBridge({ target: server.address, rawTcp: true });
    const proxied = await startBridge({
      target: server.address,
      rawTcp: true,
      proxyProtocol: true,
      headersTimeout: 0.5,
    });
    try {
      const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03]);
      assert.equal((await answerUntilClosed(b.port, hello)).length, 0);
      await waitFor(() => b.logs.some((l) => l.reason === 'unexpected_tls'), 'the unexpected_tls line');
      assert.equal((await answerUntilClosed(proxied.port, 'PROXY TCP4 198.51.100.7 127.0.0.1 5')).length, 0);
      await waitFor(() => proxied.logs.some((l) => l.reason === 'proxy_protocol'), 'the proxy_protocol line');
      assert.equal(server.accepted, 0, 'nothing was dialled');
    } finally {
      await b.close();
      await proxied.close();
    }
  });
});

test('--raw-tcp needs a server for raw clients, and the policy options need somewhere to answer', async () => {
  const { createBridge } = await import('../../src/bridge.js');
  const bad = [
    { allow: ['127.0.0.1:5000'], rawTcp: true },
    { target: '127.0.0.1:5000', rawTarget: '127.0.0.1:5001' },
    { target: '127.0.0.1:5000', policy: 'auto' as const },
    { target: '127.0.0.1:5000', rawTcp: true, policy: 'auto' as const, policyFile: '/x' },
    { target: '127.0.0.1:5000', policyListen: 843 },
    { target: '127.0.0.1:5000', sendProxy: 'v3' as never },
  ];
  for (const options of bad)
    assert.throws(() => createBridge(options), { code: 'ERR_BRIDGE_INVALID_OPTION' }, JSON.stringify(options));
  assert.throws(() => createBridge({ target: '127.0.0.1:5000', rawTcp: true, policyFile: '/nonexistent' }), {
    code: 'ERR_BRIDGE_POLICY_FILE',
  });
});
