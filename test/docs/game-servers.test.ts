// The docs' game servers that read the bridge's PROXY header (```js game-server and
// ```python game-server blocks), run as written behind real bridges with --send-proxy
// v1 and v2: each logs the address the bridge was given for every player, WebSocket
// (X-Forwarded-For, IPv4 and IPv6) and raw TCP, and echoes what the player sends. Also
// straight at the server: a header that arrives a byte at a time, and a connection
// that sends something else first.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeProxyHeader } from '../../src/bridge/proxy-protocol.js';
import { collect, HOST, openWs, startBridge, waitFor } from '../bridge/helpers.js';
import { gameServerBlocks, startGameServer, type GameServer, type Player } from './game-servers.js';
import { where } from './markdown.js';

const blocks = gameServerBlocks();
const MESSAGE = '<move x="3" y="4"/>\0';

test('the docs show a game server that reads the header in Node and one in Python', () => {
  assert.deepEqual(blocks.map((b) => b.lang).sort(), ['js', 'python']);
});

/** Sends MESSAGE over a raw TCP connection from `localAddress` (or writes `chunks` one at a time); resolves with what came back before the close or the echo. */
async function rawExchange(
  port: number,
  chunks: Buffer[],
  localAddress?: string,
): Promise<{ got: string; from: number }> {
  const socket: Socket = net.connect({ port, host: HOST, ...(localAddress ? { localAddress } : {}) });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let got = '';
  const done = new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.endsWith(MESSAGE)) resolve();
    });
    socket.on('close', () => resolve());
    socket.on('error', () => {});
  });
  for (const chunk of chunks) {
    await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
    // A moment between writes, so they tend to arrive as separate segments.
    if (chunks.length > 1) await new Promise((r) => setTimeout(r, 2));
  }
  await done;
  const from = socket.localPort!;
  socket.destroy();
  return { got, from };
}

for (const block of blocks) {
  describe(`${where(block)} (${block.lang})`, () => {
    let dir: string;
    let server: GameServer;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'docs-game-server-'));
      server = await startGameServer(block, dir);
    });
    after(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const version of ['v1', 'v2'] as const) {
      test(`behind a bridge with --send-proxy ${version}: WebSocket and raw players logged with their own addresses, and echoed`, async () => {
        const b = await startBridge({ target: server.address, sendProxy: version, trustProxy: true, rawTcp: true });
        try {
          const seen = server.players().length;
          const expected: Player[] = [];
          for (const address of ['198.51.100.7', '2001:db8::7']) {
            const ws = await openWs(b.url('/'), undefined, { headers: { 'X-Forwarded-For': address } });
            const got = collect(ws);
            ws.send(MESSAGE);
            await got.next(1);
            await waitFor(() => got.bytes().length >= MESSAGE.length, 'the echo');
            assert.equal(got.bytes().toString(), MESSAGE);
            ws.close();
            expected.push({ address, port: 0 });
          }
          const raw = await rawExchange(b.port, [Buffer.from(MESSAGE)], '127.0.0.23');
          assert.equal(raw.got, MESSAGE);
          expected.push({ address: '127.0.0.23', port: raw.from });
          await waitFor(() => server.players().length >= seen + expected.length, 'a line per player');
          assert.deepEqual(server.players().slice(seen), expected);
        } finally {
          await b.close();
        }
      });
    }

    test('a header that arrives a byte at a time, v1 and v2; a connection that sends no header is closed unanswered', async () => {
      const seen = server.players().length;
      const source = { address: '203.0.113.5', port: 51234 };
      const destination = { address: '10.0.0.11', port: 8080 };
      const port = Number(server.address.split(':')[1]);
      for (const version of ['v1', 'v2'] as const) {
        const bytes = Buffer.concat([encodeProxyHeader(version, source, destination), Buffer.from(MESSAGE)]);
        const { got } = await rawExchange(
          port,
          [...bytes].map((b) => Buffer.from([b])),
        );
        assert.equal(got, MESSAGE, version);
      }
      const refused = await rawExchange(port, [Buffer.from(`GET / HTTP/1.1\r\nHost: game\r\n\r\n${MESSAGE}`)]);
      assert.equal(refused.got, '');
      await waitFor(() => server.players().length >= seen + 2, 'a line per header');
      assert.deepEqual(server.players().slice(seen), [source, source]);
      assert.equal(server.stderr(), '');
    });
  });
}
