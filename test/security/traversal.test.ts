// Static-file traversal: a secret beside the served directory, a hidden file and a
// symlink inside it. No spelling of a path may serve them; the bystander keeps echoing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { arena, exchange, type Arena } from './arena.js';

const SECRET = 'SECRET-7f3a';
let dir: string;
let a: Arena;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bridge-traversal-'));
  const site = join(dir, 'site');
  mkdirSync(join(site, 'assets'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<h1>game</h1>');
  writeFileSync(join(site, 'assets', 'app.js'), 'console.log(1);');
  writeFileSync(join(site, '.env'), SECRET);
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  symlinkSync(join(dir, 'secret.txt'), join(site, 'link.txt'));
  a = await arena((allowed) => ['--static', site, '--route', `/chat=${allowed}`], { path: '/chat' });
});
after(async () => {
  await a.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; leaked: boolean }> {
  const { status, answer } = await exchange(a.bridge.port, [
    `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  ]);
  return { status, leaked: answer.includes(SECRET) };
}

const SERVED_OR_REFUSED = new Set([200, 400, 403, 404, 405]);

test('named traversal tricks serve nothing outside the directory, nor hidden or linked-out files', async () => {
  const tricks = [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%252e%252e/secret.txt',
    '/%c0%ae%c0%ae/secret.txt',
    '/assets/../../secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/.env',
    '/%2eenv',
    '/assets/../.env',
    '/link.txt',
    '/index.html%00.txt',
    `/${'../'.repeat(20)}etc/passwd`,
    '//secret.txt',
    '/\\..\\secret.txt',
    '/．．/secret.txt',
  ];
  for (const path of tricks) {
    const { status, leaked } = await get(path);
    assert.equal(leaked, false, `${path} leaked the secret`);
    assert.ok(SERVED_OR_REFUSED.has(status) && status !== 200, `${path}: HTTP ${status}`);
  }
  assert.equal((await get('/')).status, 200);
  assert.equal((await get('/assets/app.js')).status, 200);
  a.bridge.assertAlive();
  await a.bystander.progresses();
});

test('property: no path leaks the secret', async () => {
  const piece = fc.constantFrom(
    '..',
    '.',
    '%2e',
    '%2e%2e',
    '%2f',
    '%5c',
    '\\',
    '.env',
    'secret.txt',
    'assets',
    'link.txt',
    '',
    '%00',
    '%252e',
  );
  await fc.assert(
    fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 6 }), async (pieces) => {
      const { status, leaked } = await get(`/${pieces.join('/')}`);
      return !leaked && (SERVED_OR_REFUSED.has(status) || status === 0);
    }),
    { numRuns: 300 },
  );
  a.bridge.assertAlive();
  await a.bystander.progresses();
});
