// Ruffle's socketProxy list: built from what the bridge serves, printed by
// --print-ruffle-config and served at /socket-proxy.json, and never naming anything the
// bridge would refuse.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { resolveOptions, type BridgeOptions } from '../../src/bridge/options.js';
import { socketProxyEntries, SOCKET_PROXY_PATH, type SocketProxyEntry } from '../../src/bridge/ruffle-config.js';
import { RouteTable } from '../../src/bridge/routes.js';
import { WebSocket } from 'ws';
import { HOST, startBridge, tcpServer, type TcpServer, type TestBridge } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'src', 'bridge', 'cli', 'cli.ts');

const entriesFor = (options: BridgeOptions, base = 'wss://game.example/bridge') =>
  socketProxyEntries(resolveOptions(options), base);

test('every --allow pair, route and target becomes an entry, in that order, on the public URL', () => {
  const { entries, omitted } = entriesFor({
    target: '10.0.0.9:7000',
    routes: { '/chat': '10.0.0.5:5000' },
    allow: ['localhost:9339', '127.0.0.1:9339', '[::1]:9340'],
  });
  assert.deepEqual(entries, [
    { host: 'localhost', port: 9339, proxyUrl: 'wss://game.example/bridge/localhost/9339' },
    { host: '127.0.0.1', port: 9339, proxyUrl: 'wss://game.example/bridge/127.0.0.1/9339' },
    { host: '::1', port: 9340, proxyUrl: 'wss://game.example/bridge/[::1]/9340' },
    { host: '10.0.0.5', port: 5000, proxyUrl: 'wss://game.example/bridge/chat' },
    { host: '10.0.0.9', port: 7000, proxyUrl: 'wss://game.example/bridge/' },
  ]);
  assert.deepEqual(omitted, []);
});

test('--ruffle-entry lists a path under the address the SWF connects to, spelled as given, instead of the target', () => {
  const { entries } = entriesFor({
    target: '127.0.0.1:7000',
    routes: { '/chat': '10.0.0.5:5000', '/world': '10.0.0.6:6113' },
    ruffleEntries: { 'Chat.Example:9339': '/chat', 'game.example:9339': '/' },
  });
  // The internal addresses of /chat and of the target are not published; /world has no other name.
  assert.deepEqual(entries, [
    { host: 'Chat.Example', port: 9339, proxyUrl: 'wss://game.example/bridge/chat' },
    { host: 'game.example', port: 9339, proxyUrl: 'wss://game.example/bridge/' },
    { host: '10.0.0.6', port: 6113, proxyUrl: 'wss://game.example/bridge/world' },
  ]);
});

test('a path with message framing is left out and reported: Ruffle drops text frames', () => {
  const { entries, omitted } = entriesFor({
    routes: { '/lobby': { target: '10.0.0.6:9339', framing: 'message' }, '/chat': '10.0.0.5:5000' },
  });
  assert.deepEqual(
    entries.map((e) => e.proxyUrl),
    ['wss://game.example/bridge/chat'],
  );
  assert.equal(omitted.length, 1);
  assert.match(omitted[0]!, /^\/lobby: message framing/);
  assert.deepEqual(entriesFor({ allow: ['a.example:1'], framing: 'message' }).entries, []);
});

test('the target takes a path no route claims; a (host, port) listed twice keeps its first entry', () => {
  const { entries } = entriesFor({
    target: '127.0.0.1:7000',
    routes: { '/': '127.0.0.1:7001' },
    allow: ['127.0.0.1:7001'],
  });
  assert.deepEqual(entries, [
    { host: '127.0.0.1', port: 7001, proxyUrl: 'wss://game.example/bridge/127.0.0.1/7001' },
    { host: '127.0.0.1', port: 7000, proxyUrl: 'wss://game.example/bridge/target' },
  ]);
});

test('options that would list something the bridge does not serve are refused', () => {
  const bad: BridgeOptions[] = [
    { allow: ['a.example:1'], ruffleEntries: { 'game.example:9339': '/b.example/1' } }, // not allowed: 403
    { routes: { '/chat': '10.0.0.5:5000' }, ruffleEntries: { 'game.example:9339': '/other' } }, // no route: 404
    { routes: { '/chat': { target: '10.0.0.5:5000', framing: 'message' } }, ruffleEntries: { 'g.example:1': '/chat' } },
    { target: 'a:1', ruffleEntries: { 'game.example': '/' } },
    { target: 'a:1', ruffleEntries: { 'game.example:1': 'chat' } },
    { target: 'a:1', ruffleEntries: ['game.example:1=/'] as never },
    { target: 'a:1', publicUrl: 'https://game.example/' },
    { target: 'a:1', publicUrl: 'wss://user:pw@game.example/' },
    { target: 'a:1', publicUrl: 'wss://game.example/?token=1' },
    { target: 'a:1', publicUrl: 'game.example' },
  ];
  for (const options of bad) {
    assert.throws(() => resolveOptions(options), { code: 'ERR_BRIDGE_INVALID_OPTION' }, JSON.stringify(options));
  }
  assert.equal(
    resolveOptions({ target: 'a:1', publicUrl: 'wss://game.example:443/bridge/' }).publicUrl,
    'wss://game.example/bridge',
  );
});

// Any mix of options: each entry's path is one the bridge's own routing accepts, with
// stream framing, and each entry's (host, port) is a name the operator gave.
const host = fc.constantFrom('localhost', '127.0.0.1', 'game.example', 'Game.Example', '::1', '10.0.0.5');
const port = fc.integer({ min: 1, max: 4 });
const hostPort = fc.tuple(host, port).map(([h, p]) => (h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`));
const path = fc.constantFrom('/', '/chat', '/world', '/localhost/1', '/127.0.0.1/2', '/game.example/3', '/x/y');
const framing = fc.constantFrom<'stream' | 'message' | undefined>('stream', 'message', undefined);

test('property: nothing listed widens what the bridge allows', () => {
  fc.assert(
    fc.property(
      fc.record(
        {
          target: hostPort,
          allow: fc.array(hostPort, { maxLength: 4 }),
          routes: fc.dictionary(path, fc.record({ target: hostPort, framing }), { maxKeys: 3 }),
          ruffleEntries: fc.dictionary(hostPort, path, { maxKeys: 3 }),
          framing: fc.constantFrom<'stream' | 'message'>('stream', 'message'),
        },
        { requiredKeys: [] },
      ),
      (options) => {
        let config;
        try {
          config = resolveOptions(options);
        } catch {
          return; // options the bridge refuses list nothing
        }
        const table = new RouteTable(config);
        const given = new Set(
          [...(options.allow ?? []), ...Object.keys(options.ruffleEntries ?? {}), options.target ?? '']
            .concat(Object.values(options.routes ?? {}).map((r) => r.target))
            .map((a) => a.toLowerCase()),
        );
        for (const entry of socketProxyEntries(config, 'ws://b').entries) {
          const route = table.resolve(entry.proxyUrl.slice('ws://b'.length));
          assert.ok(route.ok, `${entry.proxyUrl} is refused by the bridge`);
          assert.equal(route.target.framing ?? config.framing, 'stream');
          const name = entry.host.includes(':') ? `[${entry.host}]:${entry.port}` : `${entry.host}:${entry.port}`;
          assert.ok(given.has(name.toLowerCase()), `${name} was never given`);
        }
      },
    ),
    { numRuns: 500 },
  );
});

/** GET (or another method) with exact headers, the Host header included. */
function get(
  port: number,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path: SOCKET_PROXY_PATH, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The first message a WebSocket receives (the server greets as soon as the bridge connects). */
function greetingAt(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('message', (d: Buffer) => {
      resolve(d.toString());
      ws.close();
    });
    ws.once('error', reject);
  });
}

/** Runs the CLI from source with `args`; its exit code, stdout and stderr. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('served at /socket-proxy.json and printed by --print-ruffle-config', () => {
  // Three TCP servers, each greeting with its own name, so a test can tell where an entry leads.
  const servers: Record<string, TcpServer> = {};
  let b: TestBridge;
  let options: BridgeOptions;

  before(async () => {
    for (const name of ['allowed', 'routed', 'target', 'message']) {
      servers[name] = await tcpServer((s) => s.end(`${name}\0`));
    }
    options = {
      allow: [`localhost:${servers.allowed!.port}`],
      routes: {
        '/chat': servers.routed!.address,
        '/lobby': { target: servers.message!.address, framing: 'message' },
      },
      target: servers.target!.address,
    };
    b = await startBridge(options);
  });
  after(async () => {
    await b.close();
    for (const server of Object.values(servers)) await server.close();
  });

  test('without --public-url, the URL each request came to; every entry leads to its own server', async () => {
    const res = await get(b.port);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['access-control-allow-origin'], '*'); // no --origin: any page may read it
    const entries = JSON.parse(res.body) as SocketProxyEntry[];
    const base = `ws://${HOST}:${b.port}`;
    assert.deepEqual(entries, [
      { host: 'localhost', port: servers.allowed!.port, proxyUrl: `${base}/localhost/${servers.allowed!.port}` },
      { host: HOST, port: servers.routed!.port, proxyUrl: `${base}/chat` },
      { host: HOST, port: servers.target!.port, proxyUrl: `${base}/` },
    ]);
    const reached: string[] = [];
    for (const entry of entries) reached.push(await greetingAt(entry.proxyUrl));
    assert.deepEqual(reached, ['allowed\0', 'routed\0', 'target\0']);
  });

  test('the Host header names the bridge; wss behind a trusted proxy that says https; a bad Host is refused', async () => {
    const named = JSON.parse((await get(b.port, { Host: 'play.example:8443' })).body) as SocketProxyEntry[];
    assert.equal(named[0]!.proxyUrl, `ws://play.example:8443/localhost/${servers.allowed!.port}`);
    // Without --trust-proxy the header is the client's word: ignored.
    const untrusted = JSON.parse((await get(b.port, { 'X-Forwarded-Proto': 'https' })).body) as SocketProxyEntry[];
    assert.match(untrusted[0]!.proxyUrl, /^ws:\/\//);
    const trusting = await startBridge({ ...options, trustProxy: true });
    try {
      const res = await get(trusting.port, { Host: 'play.example', 'X-Forwarded-Proto': 'https' });
      assert.match((JSON.parse(res.body) as SocketProxyEntry[])[0]!.proxyUrl, /^wss:\/\/play\.example\/localhost\//);
    } finally {
      await trusting.close();
    }
    for (const bad of ['play.example:99999', 'a b', 'play.example/x', '[::1', 'play.example:']) {
      assert.equal((await get(b.port, { Host: bad })).status, 400, bad);
    }
  });

  test('GET and HEAD only; with --origin, only listed pages may read it', async () => {
    assert.equal((await get(b.port, {}, 'POST')).status, 405);
    const head = await get(b.port, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    const strict = await startBridge({ ...options, origins: ['https://game.example'] });
    try {
      const listed = await get(strict.port, { Origin: 'https://game.example' });
      assert.equal(listed.headers['access-control-allow-origin'], 'https://game.example');
      const other = await get(strict.port, { Origin: 'https://evil.example' });
      assert.equal(other.headers['access-control-allow-origin'], undefined);
    } finally {
      await strict.close();
    }
  });

  test('--print-ruffle-config prints the list the bridge serves for the same options and --public-url', async () => {
    const publicUrl = 'wss://game.example/bridge';
    const served = await startBridge({ ...options, publicUrl });
    let fromServer: unknown;
    try {
      fromServer = JSON.parse((await get(served.port)).body);
    } finally {
      await served.close();
    }
    const args = [
      '--allow',
      options.allow![0]!,
      '--route',
      `/chat=${servers.routed!.address}`,
      '--route',
      `/lobby=${servers.message!.address},message`,
      '--target',
      servers.target!.address,
      '--print-ruffle-config',
      '--public-url',
      `${publicUrl}/`,
    ];
    const run = await cli(args);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), fromServer);
    assert.match(run.stderr, /not in the Ruffle config: \/lobby: message framing/);
    // Printing needs the public URL: the bridge cannot know it.
    const without = await cli(args.slice(0, -2));
    assert.equal(without.code, 2);
    assert.match(without.stderr, /needs --public-url.*\[ERR_BRIDGE_INVALID_OPTION\]/);
  });
});
