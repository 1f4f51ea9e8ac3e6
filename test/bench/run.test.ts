// `npm run bench -- --smoke`: every benchmark at its smallest, end to end (the builds
// from src/, the relays, websockify and HAProxy where installed, Chromium), so that a change that
// breaks the bench fails here. The figures of so short a run mean nothing; only that
// each benchmark produced them is checked.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { settingsFrom } from '../../bench/options.js';
import type { Row } from '../../bench/report.js';
import { hasHaproxy, hasWebsockify, ROOT } from '../servers/processes.js';

function bench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'run.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

test('options: profiles, and the names --only and --engines accept', () => {
  assert.equal(settingsFrom(['--help']), null);
  const plain = settingsFrom([])!;
  assert.deepEqual(
    [plain.profile, plain.load.levels, plain.receive.engines, plain.priority],
    ['default', [100], ['chromium'], -10],
  );
  const full = settingsFrom(['--full', '--no-priority'])!;
  assert.deepEqual(
    [full.load.levels, full.receive.engines, full.priority],
    [[1, 100, 1000], ['chromium', 'firefox', 'webkit'], null],
  );
  assert.deepEqual(settingsFrom(['--only', 'load,size', '--engines', 'webkit'])!.benchmarks, ['load', 'size']);
  assert.throws(() => settingsFrom(['--only', 'lod']), /--only: unknown "lod"/);
  assert.throws(() => settingsFrom(['--engines', 'safari']), /--engines: unknown "safari"/);
  assert.throws(() => settingsFrom(['--levels', '1']), /Unknown option/);
});

test('npm run bench -- --smoke runs every benchmark and writes its rows', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  try {
    const json = join(dir, 'results.json');
    const { code, output } = await bench(['--smoke', '--no-priority', '--json', json]);
    assert.equal(code, 0, output);
    const rows = JSON.parse(readFileSync(json, 'utf8')) as Row[];
    const names = rows.map((r) => r.name);
    for (const expected of [
      'size: script-tag bundle, gzipped, vs its budget',
      'latency: added round trip p50, vs websockify',
      'latency: added round trip p99, vs raw Node relay',
      'load: CPU per echo, 4 conns, vs websockify',
      'load: echoes/s, 4 conns, vs raw Node relay',
      'latency (raw TCP): added round trip p50, vs raw Node relay',
      'latency (raw TCP): added round trip p99, vs HAProxy',
      'load (raw TCP): CPU per echo, 4 conns, vs raw Node relay',
      'load (raw TCP): CPU per echo, 4 conns, vs HAProxy',
      'memory: per idle connection (PSS), 20 held, vs websockify',
      'receive (Chromium): onData, 50 B msgs, main-thread handler time',
      'receive (Chromium): onXML, 50 B msgs, main-thread handler time',
    ])
      assert.ok(names.includes(expected), `no row "${expected}" in ${names.join('; ')}`);
    for (const r of rows) {
      assert.ok(Number.isFinite(r.ours), `${r.name}: ours is ${r.ours}`);
      if (r.name.startsWith('load') || r.name.startsWith('receive') || r.name.startsWith('size'))
        assert.ok(r.ours! > 0, `${r.name}: ours is ${r.ours}`);
      // A baseline that is not installed leaves its columns empty.
      const missing =
        (r.baselineName?.startsWith('websockify') && !hasWebsockify()) ||
        (r.baselineName === 'HAProxy' && !hasHaproxy());
      if (!missing) assert.ok(Number.isFinite(r.baseline), `${r.name}: no baseline`);
      else assert.equal(r.baseline, null, `${r.name}: ${r.baselineName} is not installed, yet a baseline`);
    }
    assert.match(output, /\| benchmark \| unit \| ours \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
