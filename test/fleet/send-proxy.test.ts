// --send-proxy against real PROXY protocol readers, configured from the committed
// templates in deploy/: bridges with --send-proxy v1 and v2 in front of Debian's nginx
// (stream module, `listen … proxy_protocol`) and of HAProxy (`accept-proxy`), each in
// front of a TCP echo server, whose logs must name the player each bridge saw; and the
// chain HAProxy TCP (send-proxy-v2) → bridge (--proxy-protocol --send-proxy v1) → the
// docs' Node game server, which must log the address the player reached HAProxy from.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { echo, tcpServer, waitFor } from '../bridge/helpers.js';
import { gameServerBlocks, startGameServer, type Player } from '../docs/game-servers.js';
import {
  freePort,
  fromTemplate,
  pollUntil,
  startBridgeProcess,
  startHaproxy,
  startHaproxyConfig,
  startNginxStream,
  type Balancer,
  type BridgeProcess,
} from './harness.js';

const MESSAGE = '<move x="3" y="4"/>\0';
/** The example addresses in the templates: the bridges' network and the moved game server. */
const TEMPLATE_BRIDGES = '10.0.0.0/24';
const TEMPLATE_GAME = '127.0.0.1:5001';
/** A player the readers' rules refuse, by the address the bridge names. */
const BANNED = '198.51.100.66';

/** A WebSocket player through `port`: from `localAddress`, or named by `X-Forwarded-For`. Resolves once its message is echoed. */
function webSocketPlayer(port: number, how: { forwardedFor: string } | { localAddress: string }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
      perMessageDeflate: false,
      ...('forwardedFor' in how ? { headers: { 'X-Forwarded-For': how.forwardedFor } } : how),
    });
    let got = '';
    ws.on('open', () => ws.send(MESSAGE));
    ws.on('message', (d: Buffer) => (got += d.toString()) === MESSAGE && resolve(ws));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('close', () => reject(new Error(`closed after ${JSON.stringify(got)}`)));
  });
}

/** A WebSocket player named by `X-Forwarded-For` whom the reader bans: resolves once closed, never echoed. */
function bannedPlayer(port: number, forwardedFor: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
      perMessageDeflate: false,
      headers: { 'X-Forwarded-For': forwardedFor },
    });
    ws.on('open', () => ws.send(MESSAGE));
    ws.on('message', () => reject(new Error(`${forwardedFor} was not banned`)));
    ws.on('error', () => {});
    ws.on('close', () => resolve());
  });
}

/** A raw TCP player through `port` from `localAddress`; resolves with its socket and its own port once echoed. */
function rawPlayer(port: number, localAddress: string): Promise<{ socket: net.Socket; port: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => socket.write(MESSAGE));
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString()) === MESSAGE && resolve({ socket, port: socket.localPort! }));
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${JSON.stringify(got)}`)));
  });
}

/**
 * Through bridges with --send-proxy v1 and v2 in front of `reader`, one WebSocket player
 * per X-Forwarded-For address (IPv4 and IPv6) and a raw player from its own loopback
 * address; all echo, then leave. Resolves with the players the reader should log.
 */
async function playThroughBridges(readerAddress: string): Promise<{ players: Player[]; bridges: BridgeProcess[] }> {
  const versions = [
    { version: 'v1', forwardedFor: ['198.51.100.7', '2001:db8::7'], raw: '127.0.0.21' },
    { version: 'v2', forwardedFor: ['198.51.100.8', '2001:db8::8'], raw: '127.0.0.22' },
  ];
  const bridges = await Promise.all(
    versions.map(({ version }) =>
      startBridgeProcess(['--target', readerAddress, '--raw-tcp', '--trust-proxy', '--send-proxy', version]),
    ),
  );
  const players: Player[] = [];
  try {
    for (const [i, { forwardedFor, raw }] of versions.entries()) {
      const port = bridges[i]!.port;
      for (const address of forwardedFor) {
        (await webSocketPlayer(port, { forwardedFor: address })).close();
        players.push({ address, port: 0 });
      }
      const player = await rawPlayer(port, raw);
      player.socket.end();
      players.push({ address: raw, port: player.port });
    }
    await bannedPlayer(bridges[0]!.port, BANNED);
  } catch (err) {
    await stopBridges(bridges);
    throw err;
  }
  return { players, bridges };
}

async function stopBridges(bridges: BridgeProcess[]): Promise<void> {
  for (const b of bridges) if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGTERM');
  await Promise.all(bridges.map((b) => b.exited));
}

/** The players a log names, from lines matching `line` (address, port), in order. */
function logged(text: string, line: RegExp): Player[] {
  return [...text.matchAll(line)].map((m) => ({ address: m[1]!, port: Number(m[2]) }));
}

const byAddress = (players: Player[]) => [...players].sort((a, b) => a.address.localeCompare(b.address));

test('nginx stream, listen … proxy_protocol (deploy/nginx-game-server.conf): $proxy_protocol_addr is the player each bridge saw, v1 and v2, WebSocket and raw', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'send-proxy-nginx-'));
  const game = await tcpServer(echo);
  let nginx: (Balancer & { errorLog(): string }) | undefined;
  let bridges: BridgeProcess[] = [];
  try {
    const port = await freePort();
    const accessLog = join(dir, 'players.log');
    nginx = await startNginxStream(
      dir,
      fromTemplate('nginx-game-server.conf', [
        ['listen 5000 proxy_protocol;', `listen 127.0.0.1:${port} proxy_protocol;`],
        ['/var/log/nginx/xmlsocket-players.log', accessLog],
        [`set_real_ip_from ${TEMPLATE_BRIDGES};`, 'set_real_ip_from 127.0.0.1;'],
        ['# deny 203.0.113.0/24;', `deny ${BANNED};`],
        [TEMPLATE_GAME, game.address],
      ]),
      port,
    );
    const played = await playThroughBridges(`127.0.0.1:${port}`);
    bridges = played.bridges;
    // nginx writes a session's line when it ends; it leaves $proxy_protocol_port empty for port 0.
    const line = /player=(\S+) port=(\d*) remote=(\S+) bridge=127\.0\.0\.1 status=200 /g;
    const players = () => logged(readFileSync(accessLog, 'utf8'), line);
    await waitFor(() => players().length >= played.players.length, 'a log line per player', 30_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; the log:\n${readFileSync(accessLog, 'utf8')}${nginx!.errorLog()}`);
      },
    );
    assert.deepEqual(byAddress(players()), byAddress(played.players));
    // set_real_ip_from: $remote_addr is the player too, for deny and limit_conn.
    for (const m of readFileSync(accessLog, 'utf8').matchAll(line)) assert.equal(m[3], m[1]);
    // Only the start-up probe (connected, sent nothing) came without a header.
    assert.doesNotMatch(nginx.errorLog(), /broken header: "[^"]/);
    // deny applies to the player the bridge named.
    await waitFor(() => readFileSync(accessLog, 'utf8').includes(`player=${BANNED} `), 'the banned player\u2019s line');
    assert.match(
      readFileSync(accessLog, 'utf8'),
      new RegExp(`player=${BANNED} port= remote=${BANNED} bridge=127\\.0\\.0\\.1 status=403 `),
    );
  } finally {
    await stopBridges(bridges);
    await nginx?.stop();
    await game.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HAProxy, bind … accept-proxy (deploy/haproxy-game-server.cfg): %ci is the player each bridge saw, v1 and v2, WebSocket and raw', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'send-proxy-haproxy-'));
  const game = await tcpServer(echo);
  let haproxy: Balancer | undefined;
  let bridges: BridgeProcess[] = [];
  try {
    const port = await freePort();
    haproxy = await startHaproxyConfig(
      dir,
      fromTemplate('haproxy-game-server.cfg', [
        ['bind :5000 accept-proxy', `bind 127.0.0.1:${port} accept-proxy`],
        // The machine caps a process at 20,000 open files; HAProxy sizes its fd limit from maxconn.
        ['maxconn 20000', 'maxconn 4000'],
        [`{ src ${TEMPLATE_BRIDGES} }`, '{ src 127.0.0.1 }'],
        ['# tcp-request content reject if { src 203.0.113.0/24 }', `tcp-request content reject if { src ${BANNED} }`],
        [TEMPLATE_GAME, game.address],
      ]),
      port,
    );
    const played = await playThroughBridges(`127.0.0.1:${port}`);
    bridges = played.bridges;
    // HAProxy logs a connection when it ends (end=-- for a normal end); bridge= is the connection's own address.
    const line = /^player=(\S+) port=(\d+) bridge=127\.0\.0\.1 .* end=--$/gm;
    const players = () => logged(haproxy!.output(), line);
    await waitFor(() => players().length >= played.players.length, 'a log line per player', 30_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; HAProxy's output:\n${haproxy!.output()}`);
      },
    );
    assert.deepEqual(byAddress(players()), byAddress(played.players));
    // tcp-request content rules see the player the bridge named: PR, rejected by the proxy.
    await waitFor(() => haproxy!.output().includes(`player=${BANNED} `), 'the banned player\u2019s line');
    assert.match(
      haproxy.output(),
      new RegExp(`^player=${BANNED} port=0 bridge=127\\.0\\.0\\.1 to_player=0 .* end=PR$`, 'm'),
    );
  } finally {
    await stopBridges(bridges);
    await haproxy?.stop();
    await game.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the chain: HAProxy TCP send-proxy-v2 (deploy/haproxy-tcp.cfg) → bridge --proxy-protocol --send-proxy v1 --raw-tcp → the docs’ Node game server logs the address each player reached HAProxy from', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'send-proxy-chain-'));
  const block = gameServerBlocks().find((b) => b.lang === 'js');
  assert.ok(block, 'the docs have a Node game server');
  const game = await startGameServer(block, dir);
  let bridge: BridgeProcess | undefined;
  let haproxy: Awaited<ReturnType<typeof startHaproxy>> | undefined;
  const sockets: { close(): void }[] = [];
  try {
    bridge = await startBridgeProcess([
      '--target',
      game.address,
      '--raw-tcp',
      '--proxy-protocol',
      '--send-proxy',
      'v1',
    ]);
    // The template's three servers, all this one bridge.
    haproxy = await startHaproxy(dir, 'haproxy-tcp.cfg', [bridge.port, bridge.port, bridge.port]);
    const status = haproxy.serverStatus;
    await pollUntil(
      async () => [...(await status()).values()].every((v) => v === 'UP'),
      'HAProxy checks the bridge UP (check-send-proxy, then GET /healthz)',
    );
    const raw = await rawPlayer(haproxy.port, '127.0.0.31');
    sockets.push({ close: () => raw.socket.end() });
    // A WebSocket has no way to tell its own port; the game server's line says which it was.
    const ws = await webSocketPlayer(haproxy.port, { localAddress: '127.0.0.32' });
    sockets.push(ws);
    await waitFor(() => game.players().length >= 2, 'the game server logs both players', 30_000);
    const [first, second] = byAddress(game.players());
    assert.deepEqual(first, { address: '127.0.0.31', port: raw.port });
    assert.equal(second!.address, '127.0.0.32');
    assert.ok(second!.port > 0, 'the WebSocket player’s own port, from HAProxy’s header');
    assert.equal(game.players().length, 2, 'health checks never reach the game server');
    assert.equal(game.stderr(), '');
  } finally {
    for (const s of sockets) s.close();
    await haproxy?.stop();
    if (bridge) await stopBridges([bridge]);
    await game.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
