// --static DIR: files with their content types, on the bridge's port, and no way out.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createBridge } from '../../src/bridge.js';
import { closed, echo, httpGet, openWs, startBridge, tcpServer, type TcpServer, type TestBridge } from './helpers.js';

let dir: string;
let server: TcpServer;
let b: TestBridge;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bridge-static-'));
  const root = join(dir, 'public');
  mkdirSync(join(root, 'js'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>game</title>');
  writeFileSync(join(root, 'js', 'game.js'), 'console.log(1)');
  writeFileSync(join(root, 'style.css'), 'body{}');
  writeFileSync(join(root, 'logo.png'), PNG);
  writeFileSync(join(root, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, 'data.json'), '{"a":1}');
  writeFileSync(join(root, 'blob.bin'), 'x');
  writeFileSync(join(dir, 'secret.txt'), 'top secret');
  writeFileSync(join(root, '.env'), 'top secret');
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, '.git', 'config'), 'top secret');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
  server = await tcpServer(echo);
  b = await startBridge({ target: server.address, static: root });
});
after(async () => {
  await b.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('files are served with the right content types, index.html for directories', async () => {
  const cases: [string, RegExp][] = [
    ['/', /^text\/html/],
    ['/index.html', /^text\/html/],
    ['/js/game.js', /^text\/javascript/],
    ['/style.css', /^text\/css/],
    ['/logo.png', /^image\/png$/],
    ['/logo.svg', /^image\/svg\+xml$/],
    ['/data.json', /^application\/json/],
    ['/blob.bin', /^application\/octet-stream$/],
  ];
  for (const [path, type] of cases) {
    const res = await httpGet(b.port, path);
    assert.equal(res.status, 200, path);
    assert.match(String(res.headers['content-type']), type, path);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  }
  assert.ok((await httpGet(b.port, '/logo.png')).body.equals(PNG));
  const head = await httpGet(b.port, '/js/game.js', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '14');
  assert.equal(head.body.length, 0);
});

test('path traversal, encoded or not, symlinks out of the directory, and hidden files get 404', async () => {
  for (const path of [
    '/.env',
    '/.git/config',
    '/%2egit/config',
    '/../secret.txt',
    '/js/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/js/..%2F..%2Fsecret.txt',
    '/..%5Csecret.txt',
    '/index.html%00.png',
    '/link.txt',
    '/%ZZ',
    '/missing.html',
  ]) {
    const res = await httpGet(b.port, path);
    assert.equal(res.status, 404, path);
    assert.ok(!res.body.toString().includes('top secret'), path);
  }
});

test('WebSockets still work on the same port, and writes are refused', async () => {
  const ws = await openWs(b.url('/'));
  ws.close();
  await closed(ws);
  assert.equal((await httpGet(b.port, '/index.html', 'PUT')).status, 405);
});

test('a static directory that does not exist is an operator error', () => {
  assert.throws(() => createBridge({ target: server.address, static: join(dir, 'nope') }), {
    code: 'ERR_BRIDGE_STATIC_DIR',
  });
});
