// The answer to the library's question after a refused handshake (src/bridge/diagnosis.ts):
// the same verdict the handshake gets, in words that name the fix, readable by any page,
// and nothing an HTTP client could not learn from the refusal itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIAGNOSIS_TYPE as CLIENT_TYPE } from '../../src/client/xml-socket.js';
import { DIAGNOSIS_TYPE } from '../../src/bridge/diagnosis.js';
import {
  blackholePort,
  closedPort,
  echo,
  HOST,
  httpGet,
  openWs,
  rawUpgrade,
  startBridge,
  tcpServer,
  waitFor,
  type TestBridge,
} from './helpers.js';

/** Asks `path` why, as the library does (with an Origin, as a browser's fetch sends). */
async function ask(b: TestBridge, path: string, origin = 'https://game.example') {
  const res = await fetch(`http://${HOST}:${b.port}${path}`, { headers: { accept: DIAGNOSIS_TYPE, origin } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** What a handshake on `path` is refused with: the reason code in the body. */
async function handshake(b: TestBridge, path: string, origin = 'https://game.example'): Promise<string> {
  const res = await rawUpgrade(b.port, path, { Origin: origin });
  return `${res.status} ${res.body.trim()}`;
}

test('the library and the bridge name the question the same way', () => {
  assert.equal(CLIENT_TYPE, DIAGNOSIS_TYPE);
});

test('every refusal a page can meet: the same status and reason as the handshake, a fix, readable by any page', async () => {
  const server = await tcpServer(echo);
  const hole = await blackholePort();
  const bridges: TestBridge[] = [];
  const bridge = async (options: Parameters<typeof startBridge>[0]) => {
    const b = await startBridge(options);
    bridges.push(b);
    return b;
  };
  try {
    const cases: [TestBridge, string, string?][] = [
      [await bridge({ target: server.address, origins: ['https://game.example'] }), '/', 'https://evil.example'],
      [await bridge({ routes: { '/chat': server.address } }), '/lobby'],
      [await bridge({ target: server.address }), '/a//b'],
      [await bridge({ allow: [server.address] }), '/game.example/9339'],
      [await bridge({ target: `${HOST}:${await closedPort()}` }), '/'],
      [await bridge({ target: `${HOST}:${hole.port}`, connectTimeout: 0.3 }), '/'],
    ];
    for (const [b, path, origin] of cases) {
      const refused = await handshake(b, path, origin);
      const { status, headers, text } = await ask(b, path, origin);
      assert.equal(status, 200);
      assert.equal(headers.get('content-type'), DIAGNOSIS_TYPE);
      assert.equal(headers.get('access-control-allow-origin'), '*');
      assert.equal(headers.get('cache-control'), 'no-store');
      assert.match(text, new RegExp(`^xmlsocket-bridge refused the connection \\(${refused}\\): \\S`), path);
      assert.equal(text.includes('\n'), false, 'one line');
    }
    assert.match((await ask(cases[0]![0], '/', 'https://evil.example')).text, /--origin https:\/\/evil\.example$/);
    assert.match(
      (await ask(cases[3]![0], '/game.example/9339')).text,
      /--allow game\.example:9339, or --route \/game\.example\/9339=HOST:PORT/,
    );
  } finally {
    for (const b of bridges) await b.close();
    await server.close();
    hole.close();
  }
});

test('the limits: a question counts like the handshake it stands for', async () => {
  const server = await tcpServer(echo);
  const perIp = await startBridge({ target: server.address, maxPerIp: 1 });
  const total = await startBridge({ target: server.address, maxConnections: 1 });
  try {
    for (const [b, refused] of [
      [perIp, '429 max_per_ip'],
      [total, '503 max_connections'],
    ] as const) {
      const held = await openWs(b.url());
      assert.match((await ask(b, '/')).text, new RegExp(`\\(${refused}\\)`));
      held.terminate();
      await waitFor(() => b.bridge.connections === 0, 'the held pair to end');
      assert.match((await ask(b, '/')).text, /^xmlsocket-bridge accepts this connection now /);
    }
  } finally {
    await perIp.close();
    await total.close();
    await server.close();
  }
});

test("nothing of the inside leaks: no target address, no error code, only in the bridge's own log", async () => {
  const closed = await closedPort();
  const b = await startBridge({
    target: `${HOST}:${closed}`,
    routes: { '/lobby': 'game.invalid:9339' },
    verbose: true,
  });
  try {
    for (const path of ['/', '/lobby']) {
      const { text } = await ask(b, path);
      assert.match(text, /\(502 connect_refused\)/);
      assert.doesNotMatch(text, new RegExp(`${closed}|127\\.0\\.0\\.1|game\\.invalid|ECONNREFUSED|ENOTFOUND`));
    }
    const details = b.logs.filter((l) => l.event === 'diagnosis').map((l) => String(l.detail));
    assert.match(details[0]!, new RegExp(`^127\\.0\\.0\\.1:${closed}: ECONNREFUSED$`));
    assert.match(details[1]!, /^game\.invalid:9339: ENOTFOUND$/);
  } finally {
    await b.close();
  }
});

test('a refusal before the limits dials nothing; an admitted question dials once and hangs up at once', async () => {
  const server = await tcpServer(echo);
  const b = await startBridge({ allow: [server.address], origins: ['https://game.example'] });
  try {
    await ask(b, '/127.0.0.1/1');
    await ask(b, `/${HOST}/${server.port}`, 'https://evil.example');
    assert.equal(server.accepted, 0);
    assert.match((await ask(b, `/${HOST}/${server.port}`)).text, /^xmlsocket-bridge accepts this connection now/);
    const probe = await server.socket(1);
    await waitFor(() => probe.destroyed || probe.readableEnded, 'the probe to hang up');
    assert.equal(b.bridge.connections, 0);
  } finally {
    await b.close();
    await server.close();
  }
});

test('without the question, requests are served as before', async () => {
  const server = await tcpServer(echo);
  const b = await startBridge({ target: server.address });
  try {
    const plain = await httpGet(b.port, '/');
    assert.equal(plain.status, 404);
    assert.equal(plain.body.toString(), 'not found\n');
    const post = await fetch(`http://${HOST}:${b.port}/`, { method: 'POST', headers: { accept: DIAGNOSIS_TYPE } });
    assert.equal(post.status, 404);
    assert.equal(server.accepted, 0);
  } finally {
    await b.close();
    await server.close();
  }
});
