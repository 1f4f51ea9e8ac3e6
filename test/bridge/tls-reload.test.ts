// A renewed certificate without a restart: reloadTls(), and SIGHUP to the command, with
// one process and with --workers. A client connected before the renewal stays connected
// and keeps echoing; every client after it sees the new certificate.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { createBridge } from '../../src/bridge.js';
import { issueCertificate } from '../servers/self-signed.js';
import { collect, echo, HOST, tcpServer, waitFor, type TcpServer } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'src', 'bridge', 'cli', 'cli.ts');

let dir: string;
let server: TcpServer;
const files = () => ({ cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') });

/** A throwaway self-signed certificate, made with openssl; returns its SHA-256 fingerprint. */
function issue(name: string): string {
  const { cert } = issueCertificate(dir, name);
  const out = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
  return out.trim().split('=')[1]!;
}

/** Puts a certificate where --cert/--key point, as a renewal tool does (rename, so no half-written file is read). */
function install(name: string): void {
  for (const part of ['cert', 'key'] as const) {
    const staged = join(dir, `${part}.pem.new`);
    writeFileSync(staged, readFileSync(join(dir, `${name}.${part}.pem`)));
    renameSync(staged, files()[part]);
  }
}

/** The fingerprint of the certificate a new TLS connection to `port` is shown. */
function served(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** A wss client that stays connected; `echoes()` proves it still works. */
async function client(port: number) {
  const ws = new WebSocket(`wss://${HOST}:${port}/`, { rejectUnauthorized: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const got = collect(ws);
  let n = 0;
  return {
    ws,
    async echoes(): Promise<void> {
      n += 1;
      ws.send(`<ping n="${n}"/>\0`);
      await got.next(n);
      assert.equal(got.bytes().toString(), Array.from({ length: n }, (_, i) => `<ping n="${i + 1}"/>\0`).join(''));
    },
  };
}

let first: string;
let second: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bridge-tls-reload-'));
  first = issue('first');
  second = issue('second');
  server = await tcpServer(echo);
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('reloadTls(): open connections keep theirs, new ones get the renewed certificate; a bad pair changes nothing', async () => {
  install('first');
  const logs: { event: string; [k: string]: unknown }[] = [];
  const bridge = createBridge({ listen: `${HOST}:0`, target: server.address, ...files(), log: (l) => logs.push(l) });
  const { port } = await bridge.listen();
  try {
    assert.equal(await served(port), first);
    const before = await client(port);
    await before.echoes();
    install('second');
    assert.equal(bridge.reloadTls(), true);
    assert.equal(await served(port), second);
    await before.echoes();
    assert.equal(bridge.connections, 1);
    assert.ok(logs.some((l) => l.event === 'tls_reloaded' && typeof l.validTo === 'string'));

    writeFileSync(files().key, readFileSync(join(dir, 'first.key.pem'))); // not second's key
    assert.throws(() => bridge.reloadTls(), { code: 'ERR_BRIDGE_TLS' });
    assert.ok(logs.some((l) => l.event === 'tls_reload_failed'));
    assert.equal(await served(port), second);
    before.ws.close();
  } finally {
    await bridge.close();
  }
  const plain = createBridge({ listen: `${HOST}:0`, target: server.address, log: () => {} });
  assert.equal(plain.reloadTls(), false);
});

interface Running {
  child: ChildProcess;
  lines: { event: string; worker?: number; [k: string]: unknown }[];
  port: number;
  exited: Promise<number | null>;
}

async function run(args: string[], ready: string): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = { child, lines: [] as Running['lines'], port: 0 } as Running;
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (text.startsWith('{')) r.lines.push(JSON.parse(text) as Running['lines'][number]);
      }
    });
  }
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  r.exited = new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  await waitFor(() => r.lines.some((l) => l.event === ready) || child.exitCode !== null, ready, 60_000);
  const up = r.lines.find((l) => l.event === ready);
  assert.ok(up, `did not start: ${JSON.stringify(r.lines)}`);
  r.port = Number(String(up.address).split(':').pop());
  return r;
}

for (const workers of [1, 2]) {
  test(`SIGHUP to the command${workers > 1 ? ` (--workers ${workers}: every worker reloads)` : ''}: the renewed certificate for new clients, none dropped`, async () => {
    install('first');
    const args = ['--listen', `${HOST}:0`, '--target', server.address, '--cert', files().cert, '--key', files().key];
    const r = await run(
      workers > 1 ? [...args, '--workers', String(workers)] : args,
      workers > 1 ? 'fleet_listening' : 'listening',
    );
    try {
      // Enough clients to reach every worker (round-robin), all staying connected.
      const before = await Promise.all(Array.from({ length: 2 * workers }, () => client(r.port)));
      for (const c of before) await c.echoes();
      install('second');
      r.child.kill('SIGHUP');
      await waitFor(
        () => r.lines.filter((l) => l.event === 'tls_reloaded').length === workers,
        'every process to reload',
      );
      if (workers > 1) {
        const reloaded = new Set(r.lines.filter((l) => l.event === 'tls_reloaded').map((l) => l.worker));
        assert.equal(reloaded.size, workers, 'one line per worker');
      }
      for (let i = 0; i < 3 * workers; i++) assert.equal(await served(r.port), second);
      for (const c of before) await c.echoes();
      assert.equal(r.child.exitCode, null, 'SIGHUP did not end it');
      r.child.kill('SIGTERM');
      assert.equal(await r.exited, 0);
    } finally {
      r.child.kill('SIGKILL');
    }
  });
}
