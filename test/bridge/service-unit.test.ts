// deploy/xmlsocket-bridge.service: systemd accepts it (systemd-analyze verify), it runs
// the bin itself with options the bridge accepts, its limits fit those options, and the
// command it runs drains on SIGTERM and exits 0 before systemd would SIGKILL it.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { parseArgs } from '../../src/bridge/cli/args.js';
import { fitLimits } from '../../src/bridge/descriptors.js';
import { resolveOptions } from '../../src/bridge/options.js';
import { issueCertificate } from '../servers/self-signed.js';
import { echo, HOST, tcpServer, waitFor, type TcpServer } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const UNIT = join(root, 'deploy', 'xmlsocket-bridge.service');
const BIN = '/opt/xmlsocket-bridge/node_modules/.bin/xmlsocket-bridge';

/** The unit's [Service] settings: continuation lines joined, comments dropped. */
function serviceSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  let section = '';
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) section = header[1]!;
    else if (section === 'Service') {
      const at = trimmed.indexOf('=');
      settings.set(trimmed.slice(0, at), trimmed.slice(at + 1).trim());
    }
  }
  return settings;
}

const unit = readFileSync(UNIT, 'utf8');
const service = serviceSettings(unit);
const [program, ...args] = service.get('ExecStart')!.split(/\s+/);

let dir: string;
let server: TcpServer;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'service-unit-'));
  server = await tcpServer(echo);
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('systemd-analyze verify accepts the unit, with no warning', async () => {
  // verify checks that ExecStart names an executable: a stand-in at a path that exists.
  const stub = join(dir, 'xmlsocket-bridge');
  writeFileSync(stub, '#!/bin/sh\nexit 0\n');
  chmodSync(stub, 0o755);
  const copy = join(dir, 'xmlsocket-bridge.service');
  writeFileSync(copy, unit.replace(BIN, stub));
  const result = await promisify(execFile)('systemd-analyze', ['verify', copy]).catch(
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  assert.equal('code' in result ? result.code : 0, 0, result.stderr);
  assert.equal(result.stderr, '', 'systemd-analyze warned');
});

test('it runs the bin itself, with options the bridge accepts', () => {
  assert.equal(program, BIN);
  assert.ok(!/\b(npx|npm)\b/.test(service.get('ExecStart')!), 'not through npx or npm');
  const parsed = parseArgs(args);
  assert.equal(parsed.kind, 'run');
  if (parsed.kind === 'run') resolveOptions(parsed.options);
  assert.equal(service.get('ExecReload'), '/bin/kill -HUP $MAINPID', 'reload is SIGHUP: the certificate');
  assert.equal(service.get('Restart'), 'on-failure');
  assert.equal(service.get('RestartPreventExitStatus'), '2', 'an options mistake (exit 2) is not retried');
});

test('LimitNOFILE fits --max-connections, and TimeoutStopSec outlasts the drain and its backstops', () => {
  const parsed = parseArgs(args);
  assert.equal(parsed.kind, 'run');
  const config = resolveOptions(parsed.kind === 'run' ? parsed.options : {});
  // The bridge's own arithmetic: under the limit it would lower its limits at start.
  assert.equal(
    fitLimits(config.maxConnections, config.maxHandshakes, Number(service.get('LimitNOFILE'))).lowered,
    undefined,
  );
  assert.ok(Number(service.get('LimitNOFILE')) >= 2 * config.maxConnections, 'two descriptors per connection');
  // The command's own backstop is --shutdown-timeout + 5 s, a --workers primary's + 10 s.
  assert.equal(service.get('KillSignal'), 'SIGTERM');
  assert.equal(service.get('KillMode'), 'mixed');
  assert.ok(Number(service.get('TimeoutStopSec')) >= config.shutdownTimeout / 1000 + 10, 'TimeoutStopSec');
});

test("the unit's command drains on SIGTERM: an open client gets 1001, the process exits 0", async () => {
  issueCertificate(dir);
  // The unit's own options, pointed at this machine's loopback and throwaway files.
  const local = new Map([
    ['--listen', `${HOST}:0`],
    ['--target', server.address],
    ['--origin', 'https://game.example'],
    ['--cert', join(dir, 'cert.pem')],
    ['--key', join(dir, 'key.pem')],
  ]);
  const argv = args.map((a, i) => local.get(args[i - 1]!) ?? a);
  const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(() => /"event":"listening"/.test(out), 'listening', 30_000);
    const port = Number(/"address":"[\d.]+:(\d+)"/.exec(out)![1]);
    const ws = new WebSocket(`wss://${HOST}:${port}/`, { rejectUnauthorized: false, origin: 'https://game.example' });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await closed, 1001);
    // Exit 0 is the drain finishing; the backstop, later, would exit 1.
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});
