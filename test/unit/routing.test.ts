// src/client/routing.ts and the URL checks of src/client/config.ts: (host, port) to WebSocket URL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configure, type Settings } from '../../src/client/config.js';
import { resolveUrl } from '../../src/client/routing.js';

const settings = (s: Partial<Settings> = {}): Settings => ({ framing: 'stream', timeout: 20000, ...s });

test('the default URL is ws://{host}:{port}/, with "localhost" when there is no page', () => {
  assert.equal(resolveUrl(settings(), 'game.example', 9339), 'ws://game.example:9339/');
  assert.equal(resolveUrl(settings(), null, 9339), 'ws://localhost:9339/');
  assert.equal(resolveUrl(settings(), '', 9339), 'ws://localhost:9339/');
  assert.equal(resolveUrl(settings(), undefined, 1), 'ws://localhost:1/');
});

test('on a page, a missing host is the page host, and https pages get wss:', () => {
  const g = globalThis as { location?: unknown };
  g.location = { hostname: 'games.example', protocol: 'https:' };
  try {
    assert.equal(resolveUrl(settings(), null, 9339), 'wss://games.example:9339/');
  } finally {
    delete g.location;
  }
});

test('templates get {host} and {port} everywhere they appear; IPv6 literals get brackets', () => {
  const s = settings({ url: 'wss://bridge.example/{host}/{port}?h={host}' });
  assert.equal(resolveUrl(s, 'a.example', 1), 'wss://bridge.example/a.example/1?h=a.example');
  assert.equal(resolveUrl(settings(), '::1', 9339), 'ws://[::1]:9339/');
  assert.equal(resolveUrl(settings(), '[::1]', 9339), 'ws://[::1]:9339/');
});

test('a host that could reshape the URL has no route', () => {
  for (const host of ['evil.example/x', 'a@b', 'a?b', 'a#b', 'a b', 'a%2fb']) {
    assert.equal(resolveUrl(settings(), host, 1), null, host);
  }
});

test('socketProxy wins on an exact (host, port) match, first entry first', () => {
  const s = settings({
    url: 'ws://fallback/{host}/{port}',
    socketProxy: [
      { host: 'chat.example', port: 9339, proxyUrl: 'wss://one/' },
      { host: 'chat.example', port: 9339, proxyUrl: 'wss://two/' },
    ],
  });
  assert.equal(resolveUrl(s, 'chat.example', 9339), 'wss://one/');
  assert.equal(resolveUrl(s, 'chat.example', 9340), 'ws://fallback/chat.example/9340');
  assert.equal(resolveUrl(s, 'CHAT.example', 9339), 'ws://fallback/CHAT.example/9339');
});

test('a url function gets (host, port); null, undefined or "" means no route', () => {
  const calls: unknown[] = [];
  const s = settings({
    url: (host, port) => (calls.push(host, port), port === 1 ? 'ws://one/' : port === 2 ? '' : null),
  });
  assert.equal(resolveUrl(s, 'h', 1), 'ws://one/');
  assert.equal(resolveUrl(s, 'h', 2), null);
  assert.equal(resolveUrl(s, 'h', 3), null);
  assert.deepEqual(calls, ['h', 1, 'h', 2, 'h', 3]);
});

test('configure() validates when called, merges, and returns the settings in force', () => {
  try {
    assert.deepEqual(configure({ framing: 'message' }), { framing: 'message', timeout: 20000 });
    assert.deepEqual(configure({ timeout: 5000 }), { framing: 'message', timeout: 5000 });
    assert.throws(() => configure({ url: 'http://x/{host}' }), {
      name: 'TypeError',
      code: 'ERR_XMLSOCKET_CONFIG',
      message: /"url"/,
    });
    // Relative to the page: the browser resolves it to ws: or wss:.
    assert.equal(configure({ url: '/bridge/{host}/{port}' }).url, '/bridge/{host}/{port}');
    configure({ url: undefined });
    assert.throws(() => configure({ framing: 'lines' as 'stream' }), {
      code: 'ERR_XMLSOCKET_CONFIG',
      message: /"framing"/,
    });
    assert.throws(() => configure({ socketProxy: [{ host: 'a', proxyUrl: 'ws://x/' } as never] }), {
      message: /"socketProxy"/,
    });
    assert.throws(() => configure({ nope: 1 } as never), { message: /unknown option "nope"/ });
    assert.throws(() => configure(null as never), TypeError);
    assert.throws(() => configure('framing' as never), { code: 'ERR_XMLSOCKET_CONFIG', message: /unknown option "0"/ });
    // A failed call changes nothing.
    assert.throws(() => configure({ timeout: 1, framing: 'bad' as 'stream' }));
    assert.deepEqual(configure(), { framing: 'message', timeout: 5000 });
  } finally {
    configure({ framing: undefined, timeout: undefined });
  }
  assert.deepEqual(configure(), { framing: 'stream', timeout: 20000 });
});
