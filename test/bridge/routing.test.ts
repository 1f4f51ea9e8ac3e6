// Routing forms and refusals, over real sockets: only listed targets are reached,
// and refused requests never cause a TCP connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  closed,
  collect,
  echo,
  HOST,
  openWs,
  rawUpgrade,
  settle,
  startBridge,
  tcpServer,
  type TcpServer,
  type TestBridge,
} from './helpers.js';

describe('target form', () => {
  let server: TcpServer;
  let b: TestBridge;
  before(async () => {
    server = await tcpServer(echo);
    b = await startBridge({ target: server.address });
  });
  after(async () => {
    await b.close();
    await server.close();
  });

  test('every clean path reaches the one target', async () => {
    for (const path of ['/', '/anything', '/a/b/c?x=1']) {
      const ws = await openWs(b.url(path));
      const got = collect(ws);
      ws.send(Buffer.from('ping'));
      await got.next(1);
      assert.equal(got.bytes().toString(), 'ping');
      ws.close();
      await closed(ws);
    }
    assert.equal(server.accepted, 3);
  });

  test('paths with .., encoded characters or empty segments are refused before connecting', async () => {
    const before = server.accepted;
    for (const path of ['/a/../b', '/..', '/%2e%2e/x', '/a%20b', '//x', '/a\\b']) {
      const res = await rawUpgrade(b.port, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.trim(), 'bad_path', path);
    }
    await settle();
    assert.equal(server.accepted, before);
  });
});

describe('route form', () => {
  let chat: TcpServer;
  let game: TcpServer;
  let b: TestBridge;
  before(async () => {
    chat = await tcpServer(echo);
    game = await tcpServer(echo);
    b = await startBridge({
      routes: { '/chat': chat.address, '/game': { target: game.address, framing: 'message' } },
    });
  });
  after(async () => {
    await b.close();
    await chat.close();
    await game.close();
  });

  test('each path reaches its own server', async () => {
    const ws = await openWs(b.url('/chat'));
    const got = collect(ws);
    ws.send(Buffer.from('hi chat'));
    await got.next(1);
    assert.equal(got.frames[0]!.binary, true);
    ws.close();
    await closed(ws);
    assert.equal(chat.accepted, 1);
    assert.equal(game.accepted, 0);
  });

  test('a route with message framing sends text frames without any subprotocol', async () => {
    const ws = await openWs(b.url('/game'));
    assert.equal(ws.protocol, '');
    const got = collect(ws);
    ws.send('<a/>');
    await got.next(1);
    assert.deepEqual(
      got.frames.map((f) => [f.data.toString(), f.binary]),
      [['<a/>', false]],
    );
    ws.close();
    await closed(ws);
    assert.equal(game.accepted, 1);
  });

  test('unknown paths get 404, near-misses included, and nothing connects', async () => {
    const counts = [chat.accepted, game.accepted];
    for (const path of ['/', '/chat/', '/Chat', '/chat/x', '/cha', '/%63hat', '/chat%2F', '/x/../chat']) {
      const res = await rawUpgrade(b.port, path);
      assert.equal(res.status, 404, path);
    }
    const absolute = await rawUpgrade(b.port, `http://${HOST}:${chat.port}/chat`);
    assert.equal(absolute.status, 400);
    await settle();
    assert.deepEqual([chat.accepted, game.accepted], counts);
    assert.ok(b.logs.some((l) => l.event === 'refused' && l.reason === 'unknown_path'));
  });
});

describe('allow form', () => {
  let allowed: TcpServer;
  let unlisted: TcpServer;
  let b: TestBridge;
  before(async () => {
    allowed = await tcpServer(echo);
    unlisted = await tcpServer(echo);
    b = await startBridge({ allow: [allowed.address] });
  });
  after(async () => {
    await b.close();
    await allowed.close();
    await unlisted.close();
  });

  test('/HOST/PORT reaches an allowed pair', async () => {
    const ws = await openWs(b.url(`/${HOST}/${allowed.port}`));
    const got = collect(ws);
    ws.send(Buffer.from([0, 1, 2]));
    await got.next(1);
    assert.deepEqual([...got.bytes()], [0, 1, 2]);
    ws.close();
    await closed(ws);
    assert.equal(allowed.accepted, 1);
  });

  test('unlisted host:port, another port, encodings and .. are refused without a TCP connection', async () => {
    const before = [allowed.accepted, unlisted.accepted];
    const cases: [string, number][] = [
      [`/${HOST}/${unlisted.port}`, 403], // another port on an allowed host
      [`/localhost/${allowed.port}`, 403], // another name for the host is still another pair
      [`/127.0.0.2/${allowed.port}`, 403],
      [`/${HOST}/0${allowed.port}`, 404], // a leading zero would be a second spelling of the port
      [`/${HOST}/${allowed.port}/../${unlisted.port}`, 404],
      [`/${HOST}/${allowed.port}/..`, 404],
      [`/${HOST}/${allowed.port}%00`, 404],
      [`/${HOST}%2F${allowed.port}`, 404],
      [`/${HOST}/%3${String(allowed.port)[0]}${String(allowed.port).slice(1)}`, 404],
      [`/${encodeURIComponent(`${HOST}:${unlisted.port}`)}/${allowed.port}`, 404],
      [`/${HOST}:${unlisted.port}/${allowed.port}`, 404],
      ['/unknown', 404],
    ];
    for (const [path, status] of cases) {
      const res = await rawUpgrade(b.port, path);
      assert.equal(res.status, status, path);
    }
    await settle();
    assert.deepEqual([allowed.accepted, unlisted.accepted], before);
    const reasons = new Set(b.logs.filter((l) => l.event === 'refused').map((l) => l.reason));
    assert.deepEqual([...reasons].sort(), ['bad_path', 'not_allowed', 'unknown_path']);
  });
});
