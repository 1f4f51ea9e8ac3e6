// The xmlsocket-bridge command, run as a real process: graceful SIGTERM/SIGINT, and
// operator errors as one line with exit code 2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { WebSocket } from 'ws';
import { closed, echo, HOST, openWs, tcpServer, type TcpServer } from './helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'src', 'bridge', 'cli', 'cli.ts');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI from source; `onLine` sees each stdout line as it comes. */
function cli(args: string[], onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      pending += d;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onLine?.(line, (s) => child.kill(s));
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A generous upper bound so a hung child fails the test instead of stalling the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let server: TcpServer;
let dir: string;
before(async () => {
  server = await tcpServer(echo);
  dir = mkdtempSync(join(tmpdir(), 'bridge-cli-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: open WebSockets get 1001 and the process exits 0`, async () => {
    let closeCode: Promise<{ code: number }> | undefined;
    const run = await cli(
      ['--listen', `${HOST}:0`, '--target', server.address, '--shutdown-timeout', '5'],
      (line, kill) => {
        const entry = JSON.parse(line) as { event: string; address?: string };
        if (entry.event !== 'listening') return;
        const port = Number(entry.address!.split(':').pop());
        closeCode = (async () => {
          const ws = await openWs(`ws://${HOST}:${port}/`);
          const done = closed(ws);
          kill(signal);
          return done;
        })();
      },
    );
    assert.ok(closeCode, `never saw the listening line: ${run.stdout} ${run.stderr}`);
    assert.equal((await closeCode).code, 1001);
    assert.equal(run.signal, null);
    assert.equal(run.code, 0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; reason?: string });
    assert.ok(events.some((e) => e.event === 'connection' && e.reason === 'shutdown'));
    assert.equal(events.at(-1)?.event, 'closed');
  });
}

test('a client that never answers the close handshake cannot hold shutdown past --shutdown-timeout', async () => {
  let client: Promise<WebSocket> | undefined;
  const run = await cli(
    ['--listen', `${HOST}:0`, '--target', server.address, '--shutdown-timeout', '0.5'],
    (line, kill) => {
      const entry = JSON.parse(line) as { event: string; address?: string };
      if (entry.event !== 'listening') return;
      client = (async () => {
        const ws = await openWs(`ws://${HOST}:${Number(entry.address!.split(':').pop())}/`);
        ws.pause(); // never reads the 1001 close frame, so never answers it
        kill('SIGTERM');
        return ws;
      })();
    },
  );
  assert.ok(client);
  (await client).terminate();
  assert.equal(run.signal, null);
  assert.equal(run.code, 0);
  const events = run.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { event: string }).event);
  assert.equal(events.at(-1), 'closed');
});

/** Asserts an operator error: exit 2, exactly one line on stderr naming the problem. */
function assertOperatorError(run: Run, pattern: RegExp, code: string): void {
  assert.equal(run.code, 2, run.stderr);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, pattern);
  assert.ok(lines[0]!.includes(`[${code}]`), lines[0]);
  assert.equal(run.stdout, '');
}

test('operator errors exit 2 with one line naming the problem', async () => {
  writeFileSync(join(dir, 'broken.json'), '{ "target": ');
  writeFileSync(join(dir, 'unknown.json'), JSON.stringify({ target: server.address, maxMesage: 5 }));
  writeFileSync(join(dir, 'list.json'), '[]');
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, HOST, r));
  const taken = (blocker.address() as AddressInfo).port;
  try {
    const runs = await Promise.all([
      cli(['--target', server.address, '--bogus']),
      cli(['--target', server.address, '--max-message', 'lots']),
      cli(['--target', 'no-port-here']),
      cli(['--listen', `${HOST}:0`]),
      cli(['--config', join(dir, 'missing.json')]),
      cli(['--config', join(dir, 'broken.json')]),
      cli(['--config', join(dir, 'unknown.json')]),
      cli(['--config', join(dir, 'list.json')]),
      cli(['--listen', `${HOST}:${taken}`, '--target', server.address]),
      cli(['--target']),
      cli(['--target', server.address, '--ping-interval', '-5']),
    ]);
    assertOperatorError(runs[0], /unknown option --bogus/, 'ERR_BRIDGE_UNKNOWN_OPTION');
    assertOperatorError(runs[1], /maxMessage must be a positive size/, 'ERR_BRIDGE_INVALID_OPTION');
    assertOperatorError(runs[2], /target must be HOST:PORT/, 'ERR_BRIDGE_INVALID_OPTION');
    assertOperatorError(runs[3], /no target/, 'ERR_BRIDGE_NO_TARGET');
    assertOperatorError(runs[4], /cannot read config file .*missing\.json/, 'ERR_BRIDGE_CONFIG_UNREADABLE');
    assertOperatorError(runs[10], /pingInterval must be a number of seconds/, 'ERR_BRIDGE_INVALID_OPTION');
    assertOperatorError(runs[5], /broken\.json is not valid JSON/, 'ERR_BRIDGE_CONFIG_INVALID');
    assertOperatorError(runs[6], /unknown option "maxMesage"/, 'ERR_BRIDGE_UNKNOWN_OPTION');
    assertOperatorError(runs[7], /must contain a JSON object/, 'ERR_BRIDGE_CONFIG_INVALID');
    assertOperatorError(
      runs[8],
      new RegExp(`cannot listen on ${HOST}:${taken}: address already in use`),
      'ERR_BRIDGE_ADDRESS_IN_USE',
    );
    assertOperatorError(runs[9], /--target needs a value/, 'ERR_BRIDGE_INVALID_OPTION');
  } finally {
    blocker.close();
  }
});

test('a config file works, and flags override it', async () => {
  writeFileSync(
    join(dir, 'good.json'),
    JSON.stringify({ listen: `${HOST}:1`, target: server.address, maxMessage: 4, quiet: false }),
  );
  let reply: Promise<number> | undefined;
  const run = await cli(['--config', join(dir, 'good.json'), '--listen', `${HOST}:0`], (line, kill) => {
    const entry = JSON.parse(line) as { event: string; address?: string };
    if (entry.event !== 'listening') return;
    reply = (async () => {
      const ws = await openWs(`ws://${HOST}:${Number(entry.address!.split(':').pop())}/`);
      const done = closed(ws);
      ws.send('12345'); // over maxMessage from the file
      const { code } = await done;
      kill('SIGTERM');
      return code;
    })();
  });
  assert.equal(await reply, 1009);
  assert.equal(run.code, 0);
});

test('--help lists every option with its default and exits 0', async () => {
  const run = await cli(['--help']);
  assert.equal(run.code, 0);
  for (const flag of [
    '--listen',
    '--target',
    '--route',
    '--allow',
    '--origin',
    '--framing',
    '--max-message',
    '--connect-timeout',
    '--max-connections',
    '--max-per-ip',
    '--idle-timeout',
    '--ping-interval',
    '--headers-timeout',
    '--max-header-size',
    '--high-water-mark',
    '--shutdown-timeout',
    '--static',
    '--cert',
    '--key',
    '--trust-proxy',
    '--config',
    '--quiet',
    '--verbose',
  ]) {
    const line = run.stdout.split('\n').find((l) => l.trimStart().startsWith(`${flag} `));
    assert.ok(line, `${flag} missing from --help`);
    assert.match(line, /\[default: [^\]]+\]/, `${flag} has no default in --help`);
  }
  assert.match(run.stdout, /--max-message BYTES.*\[default: 1048576/);
  assert.match(run.stdout, /--max-connections N.*\[default: 10000\]/);
  assert.match(run.stdout, /--max-per-ip N.*\[default: 256\]/);
  assert.match(run.stdout, /--connect-timeout SECONDS.*\[default: 10\]/);
  assert.match(run.stdout, /--ping-interval SECONDS.*\[default: 30\]/);
});

test('-h and -V work as --help and --version, and a mistyped flag is answered with the one it resembles', async () => {
  const help = await cli(['-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: xmlsocket-bridge \[options\]/);
  assert.match(help.stdout, /SIGHUP reads\n--cert and --key again/);
  const version = await cli(['-V']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\S*\n$/);
  const typo = await cli(['--orign', 'https://game.example', '--target', server.address]);
  assert.equal(typo.code, 2);
  assert.equal(
    typo.stderr,
    'xmlsocket-bridge: unknown option --orign; did you mean --origin? (see --help) [ERR_BRIDGE_UNKNOWN_OPTION]\n',
  );
});
