// The front door (src/bridge/front-door.ts) with both readings on: the PROXY header
// (--proxy-protocol), then the first bytes that say what the connection is (--raw-tcp).
// The bytes after the header must be sniffed as they arrive; a connection left silent
// would be taken for a raw client once --sniff-wait ran out, and a WebSocket handshake
// relayed to the game server as raw bytes.
import assert from 'node:assert/strict';
import net, { type Socket } from 'node:net';
import { test } from 'node:test';
import { collect, HOST, openWs, startBridge, tcpServer } from './helpers.js';

test('with --proxy-protocol and --raw-tcp, a WebSocket behind a header upgrades and a raw client behind one is relayed', async () => {
  let relayedHttp!: (head: string) => void;
  const wronglyRelayed = new Promise<never>((_, reject) => {
    relayedHttp = (head) => reject(new Error(`an HTTP request was relayed to the target as raw: ${head}`));
  });
  wronglyRelayed.catch(() => {});
  const server = await tcpServer((s) => {
    s.once('data', (d: Buffer) => {
      if (d.toString('latin1').startsWith('GET ')) relayedHttp(JSON.stringify(d.toString('latin1').split('\r\n')[0]));
      s.write(d);
      s.on('data', (more: Buffer) => s.write(more));
    });
  });
  const b = await startBridge({ target: server.address, rawTcp: true, proxyProtocol: true });
  try {
    // The header in its own write, before the WebSocket's request.
    const ws = await Promise.race([
      openWs(b.url('/'), undefined, {
        createConnection: () => {
          const s = net.connect(b.port, HOST);
          s.write('PROXY TCP4 198.51.100.7 192.0.2.80 40000 443\r\n');
          return s;
        },
      }),
      wronglyRelayed,
    ]);
    const got = collect(ws);
    ws.send('<ping/>\0');
    await got.next(1);
    assert.equal(got.bytes().toString(), '<ping/>\0');
    ws.close();

    // A raw client: its header, then its first message.
    const raw = await new Promise<Socket>((resolve) => {
      const s = net.connect(b.port, HOST, () => {
        s.write('PROXY TCP4 198.51.100.8 192.0.2.80 40001 443\r\n');
        s.write('<hello/>\0', () => resolve(s));
      });
    });
    const echoed = await new Promise<string>((resolve) => {
      let text = '';
      raw.on('data', (d: Buffer) => (text += d.toString()) === '<hello/>\0' && resolve(text));
    });
    assert.equal(echoed, '<hello/>\0');
    raw.destroy();
  } finally {
    await b.close();
    await server.close();
  }
});
