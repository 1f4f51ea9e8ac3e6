// Slow and half-open clients, over plain TCP and TLS: silent sockets, trickled request
// heads, trickled bodies, half a TLS ClientHello, a finished TLS handshake followed by
// silence, and hundreds of half-open sockets at once. Each is cut within
// --headers-timeout (Node checks it every half-timeout), the bystander keeps echoing,
// and memory stays bounded.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { HOST } from '../bridge/helpers.js';
import { selfSignedCertificate } from '../servers/self-signed.js';
import { arena, exchange, type Arena } from './arena.js';

const TIMEOUT_MS = 1000;
/** The cut comes within the timeout plus Node's checking interval, plus room for a busy machine. */
const CUT_WITHIN_MS = TIMEOUT_MS + 2500;
const MEMORY_BOUND = 64 * 1024 * 1024;

describe('plain TCP', () => {
  let a: Arena;
  let rssBefore: number;
  before(async () => {
    a = await arena((allowed) => ['--target', allowed, '--headers-timeout', String(TIMEOUT_MS / 1000)]);
    rssBefore = a.bridge.rssBytes();
  });
  after(async () => {
    assert.ok(a.bridge.rssBytes() - rssBefore < MEMORY_BOUND);
    await a.close();
  });

  test('a silent socket is cut within the timeout', async () => {
    const { closedAfterMs } = await exchange(a.bridge.port, [], { waitMs: CUT_WITHIN_MS });
    assert.ok(closedAfterMs >= TIMEOUT_MS - 50, `cut after ${closedAfterMs} ms`);
    await a.bystander.progresses();
  });

  test('a request head trickled a byte at a time is cut within the timeout', async () => {
    const head = 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n';
    const { status } = await exchange(a.bridge.port, [...head], { gapMs: 200, waitMs: CUT_WITHIN_MS });
    assert.ok(status === 408 || status === 0, `HTTP ${status}`);
    await a.bystander.progresses();
  });

  test('a body trickling after its head is refused at once with 413', async () => {
    const head = 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n';
    const { status, closedAfterMs } = await exchange(a.bridge.port, [head, ...'x'.repeat(50)], { gapMs: 100 });
    assert.equal(status, 413);
    assert.ok(closedAfterMs < CUT_WITHIN_MS);
    assert.equal(a.extraDials(), 0);
  });

  test('300 half-open sockets at once: all cut, the bystander served throughout', async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 300 },
        () =>
          new Promise<{ closed: Promise<number> }>((resolve) => {
            const started = Date.now();
            const s = net.connect(a.bridge.port, HOST, () => {
              s.write('GET / HTTP/1.1\r\nHost: x\r\n'); // and never the rest
              resolve({ closed: new Promise((done) => s.on('close', () => done(Date.now() - started))) });
            });
            s.on('error', () => {});
            s.resume(); // read the 408, so the close that follows it is seen
          }),
      ),
    );
    await a.bystander.progresses();
    const cutAfter = await Promise.all(sockets.map((s) => s.closed));
    assert.ok(Math.max(...cutAfter) < CUT_WITHIN_MS + 1000, `slowest cut after ${Math.max(...cutAfter)} ms`);
    assert.equal(a.extraDials(), 0);
    a.bridge.assertAlive();
  });
});

describe('TLS', () => {
  let a: Arena;
  let dir: string;
  before(async () => {
    const { cert, key } = selfSignedCertificate();
    dir = mkdtempSync(join(tmpdir(), 'bridge-tls-'));
    writeFileSync(join(dir, 'cert.pem'), cert);
    writeFileSync(join(dir, 'key.pem'), key);
    a = await arena(
      (allowed) => [
        '--target',
        allowed,
        '--cert',
        join(dir, 'cert.pem'),
        '--key',
        join(dir, 'key.pem'),
        '--headers-timeout',
        String(TIMEOUT_MS / 1000),
      ],
      { scheme: 'wss', options: { rejectUnauthorized: false } },
    );
  });
  after(async () => {
    await a.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a socket that never starts the TLS handshake is cut within the timeout', async () => {
    await exchange(a.bridge.port, [], { waitMs: CUT_WITHIN_MS });
    await a.bystander.progresses();
  });

  test('half a ClientHello is cut within the timeout', async () => {
    // A TLS record header announcing 512 bytes of handshake, and only the start of them.
    const partial = Buffer.concat([
      Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
      Buffer.alloc(20, 7),
    ]);
    await exchange(a.bridge.port, [partial], { waitMs: CUT_WITHIN_MS });
    await a.bystander.progresses();
  });

  test('a finished TLS handshake followed by silence is cut within the timeout', async () => {
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const s = tls.connect({ host: HOST, port: a.bridge.port, rejectUnauthorized: false });
      s.on('error', () => {});
      s.resume(); // read the 408, so the close that follows it is seen
      s.on('close', () => resolve(Date.now() - started));
      setTimeout(() => reject(new Error('still open')), CUT_WITHIN_MS + 1000).unref();
    });
    assert.ok(closedAfter < CUT_WITHIN_MS + 1000, `cut after ${closedAfter} ms`);
    await a.bystander.progresses();
    a.bridge.assertAlive();
  });
});
