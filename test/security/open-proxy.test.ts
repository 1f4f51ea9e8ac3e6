// Open-proxy attempts: every spelling of an unlisted target a client could try (IP
// forms, IPv6, encodings, token-style URLs, absolute-form requests, a spoofed Host)
// against a bridge that lists one server. None may reach the unlisted server; each is
// answered with the status the docs list, and the bystander keeps echoing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { arena, exchange, handshake, type Arena } from './arena.js';

let a: Arena;
let allowedPort: number;
let forbiddenPort: number;
before(async () => {
  a = await arena((allowed) => ['--allow', allowed, '--route', `/chat=${allowed}`], { path: '/chat' });
  allowedPort = a.allowed.port;
  forbiddenPort = a.forbidden.port;
});
after(() => a.close());

/** Refusals the docs list for a handshake: bad request, unknown or bad path, not allowed. */
const REFUSED = new Set([400, 403, 404]);

async function attempt(path: string, extra: string[] = [], host?: string): Promise<number> {
  const { status } = await exchange(a.bridge.port, [handshake(path, extra, host)], { endAfterHead: true });
  return status;
}

test('named spellings of an unlisted target are refused and never dialled', async () => {
  const f = forbiddenPort;
  const spellings = [
    `/127.0.0.1/${f}`,
    `/localhost/${f}`,
    `/2130706433/${f}`,
    `/0x7f.0.0.1/${f}`,
    `/0177.0.0.1/${f}`,
    `/127.1/${f}`,
    `/127.0.0.1./${f}`,
    `/[::1]/${f}`,
    `/::1/${f}`,
    `/[::ffff:127.0.0.1]/${f}`,
    `/[0:0:0:0:0:ffff:7f00:1]/${f}`,
    `/%31%32%37.0.0.1/${f}`,
    `/127.0.0.1/%3${String(f)[0]}${String(f).slice(1)}`,
    `/127.0.0.1/0${f}`,
    `/127.0.0.1/${f}/`,
    `/127.0.0.1:${f}`,
    `//127.0.0.1/${f}`,
    `/127.0.0.1/${allowedPort}/../${f}`,
    `/127.0.0.1/${allowedPort}/..%2F${f}`,
    `/127.0.0.1\\${f}`,
    `/１２７.0.0.1/${f}`,
    `/127.0.0.1/+${f}`,
    `/127.0.0.1/${f}.0`,
    `/127.0.0.1/${f}%00`,
    `/0.0.0.0/${f}`,
    `/?target=127.0.0.1:${f}`,
    `/?token=127.0.0.1:${f}`,
    `/chat/../127.0.0.1/${f}`,
    `/CHAT`,
  ];
  for (const path of spellings) {
    const status = await attempt(path);
    assert.ok(REFUSED.has(status), `${path}: HTTP ${status}`);
  }
  // Absolute-form request targets and a Host header naming the forbidden server.
  assert.equal(await attempt(`ws://127.0.0.1:${f}/`), 400);
  assert.equal(await attempt(`http://127.0.0.1:${f}/127.0.0.1/${allowedPort}`), 400);
  assert.ok(REFUSED.has(await attempt('/', [], `127.0.0.1:${f}`)));
  assert.ok(REFUSED.has(await attempt('/', ['X-Forwarded-Host: 127.0.0.1', `X-Target: 127.0.0.1:${f}`])));
  assert.equal(a.forbidden.accepted, 0, 'the unlisted server was dialled');
  assert.equal(a.extraDials(), 0, 'a refused request dialled the listed server');
  a.bridge.assertAlive();
  await a.bystander.progresses();
});

test('the listed spellings still work, and only they', async () => {
  assert.equal(await attempt(`/127.0.0.1/${allowedPort}`), 101);
  assert.equal(await attempt('/chat'), 101);
  assert.equal(await attempt(`/127.0.0.1/${allowedPort}?anything=/127.0.0.1/${forbiddenPort}`), 101);
  // Another spelling of the listed host is another host: not listed.
  assert.equal(await attempt(`/localhost/${allowedPort}`), 403);
  assert.equal(await attempt(`/127.0.0.01/${allowedPort}`), 403);
  assert.equal(a.forbidden.accepted, 0);
});

test('property: no path at all reaches an unlisted port', async () => {
  const dialsBefore = a.extraDials();
  let accepted = 0;
  const host = fc.constantFrom(
    '127.0.0.1',
    'localhost',
    '[::1]',
    '2130706433',
    '0x7f000001',
    '127.1',
    '%31%32%37.0.0.1',
    '[::ffff:7f00:1]',
    'LOCALHOST',
    '127.0.0.1.',
  );
  const port = fc.constantFrom(
    String(forbiddenPort),
    `0${forbiddenPort}`,
    `${forbiddenPort}.0`,
    `%3${String(forbiddenPort)[0]}`,
  );
  const piece = fc.oneof(
    host,
    port,
    fc.constantFrom('', '.', '..', '%2e%2e', '%2F', '\\', ';', ':', '@', '#', '?', '//', 'chat'),
    fc.string({ maxLength: 6 }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 5 }), async (pieces) => {
      // Only bytes an HTTP request line can carry; the parser refuses the rest on its own.
      const path = `/${pieces.join('/')}`.replace(/[^\x21-\x7e]/g, '');
      const status = await attempt(path);
      if (status === 101) accepted += 1;
      return a.forbidden.accepted === 0 && (status === 101 || REFUSED.has(status) || status === 0);
    }),
    { numRuns: 300 },
  );
  assert.equal(a.forbidden.accepted, 0);
  // Anything accepted went to the listed server, once each.
  assert.equal(a.extraDials() - dialsBefore, accepted);
  a.bridge.assertAlive();
  await a.bystander.progresses();
});
