// `xmlsocket-bridge --version` prints the version of the package it came from, read
// from package.json at run time (the installed package is tested in test/consumers/).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { packageVersion } from '../../src/bridge/cli/version.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

test('--version from the sources prints the version in package.json and exits 0', async () => {
  const { stdout, stderr } = await run(
    process.execPath,
    ['--import', 'tsx', join(root, 'src', 'bridge', 'cli', 'cli.ts'), '--version'],
    { cwd: root },
  );
  assert.equal(stdout, `${version}\n`);
  assert.equal(stderr, '');
});

test('--version from the build (dist/cli.js) prints the version, whatever the working directory', async () => {
  const { stdout } = await run(process.execPath, [join(root, 'dist', 'cli.js'), '--version'], { cwd: tmpdir() });
  assert.equal(stdout, `${version}\n`);
});

test('--version wins over other options, as --help does', async () => {
  const { stdout } = await run(process.execPath, [join(root, 'dist', 'cli.js'), '--listen', '0', '--version'], {
    cwd: root,
  });
  assert.equal(stdout, `${version}\n`);
});

test('the version is read at run time: a changed package.json shows at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-version-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'xmlsocket-polyfill', version: '9.8.7-test' }));
    mkdirSync(join(dir, 'dist'));
    assert.equal(packageVersion(pathToFileURL(join(dir, 'dist', 'cli.js'))), '9.8.7-test');
    // Another package's package.json on the way up is skipped.
    writeFileSync(join(dir, 'dist', 'package.json'), JSON.stringify({ name: 'something-else', version: '1.0.0' }));
    assert.equal(packageVersion(pathToFileURL(join(dir, 'dist', 'cli.js'))), '9.8.7-test');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no package.json of ours above the module: a plain error, not a wrong version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-version-'));
  try {
    assert.throws(
      () => packageVersion(pathToFileURL(join(dir, 'cli.js'))),
      /cannot find the package\.json of xmlsocket-polyfill/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
