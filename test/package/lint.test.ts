// The packed tarball, checked the way registries and type checkers see it: publint and
// Are The Types Wrong report nothing, and the tarball ships every file its entries reach
// and nothing else (no test-only or stale build files).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packTarball, ROOT, tarballFiles } from './pack.js';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  typesVersions: Record<string, Record<string, string[]>>;
  bin: Record<string, string>;
  sideEffects: string[];
};

let dir: string;
let tarball: string;
let files: string[];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xmlsocket-pack-'));
  tarball = await packTarball(dir);
  files = await tarballFiles(tarball);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('publint (strict: warnings count) finds nothing in the tarball', async () => {
  const buffer = readFileSync(tarball);
  const tarballBytes = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
  const { messages, pkg: packed } = await publint({
    pack: { tarball: tarballBytes },
    level: 'suggestion',
    strict: true,
  });
  const report = messages.map((m) => `${m.type}: ${formatMessage(m, packed) ?? m.code}`);
  assert.deepEqual(report, []);
});

test('Are The Types Wrong finds nothing in the tarball (ESM-only profile, offline)', async () => {
  // esm-only: CommonJS callers `require()` these ES modules, which Node allows from
  // 20.19 (our engines range) and TypeScript from `module: node20`; the consumer tests
  // prove both. --no-definitely-typed keeps it from asking the registry for @types.
  const attw = join(ROOT, 'node_modules', '.bin', 'attw');
  const result = await run(
    attw,
    [tarball, '--profile', 'esm-only', '--no-definitely-typed', '--no-color', '--no-emoji', '--format', 'table'],
    {
      cwd: dir,
    },
  ).catch((err: { stdout: string; stderr: string; code: number }) => err);
  assert.equal('code' in result ? result.code : 0, 0, `attw reported problems:\n${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /"xmlsocket-polyfill\/as2-script"/, 'attw did not check every entry point');
});

/** Relative module specifiers a built file imports or re-exports. */
function relativeImports(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) found.add(m[1]!);
  return [...found];
}

test('the tarball holds exactly the files its entry points reach, plus the docs and the deploy templates', () => {
  const entries = new Set<string>();
  for (const target of Object.values(pkg.exports)) {
    for (const file of typeof target === 'string' ? [target] : Object.values(target)) entries.add(normalize(file));
  }
  for (const file of Object.values(pkg.bin)) entries.add(normalize(file));
  const reached = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    assert.ok(files.includes(file), `${file} is reached from an entry point but not in the tarball`);
    if (!/\.(js|ts)$/.test(file)) continue;
    for (const spec of relativeImports(readFileSync(join(ROOT, file), 'utf8'))) {
      // Declaration files name the JavaScript module; its types sit next to it.
      const target = file.endsWith('.d.ts') ? spec.replace(/\.js$/, '.d.ts') : spec;
      queue.push(normalize(join(dirname(file), target)));
    }
  }
  const docs = files.filter((f) => /^(README\.md|LICENSE|docs\/[^/]+\.md|deploy\/[^/]+)$/.test(f));
  const unexplained = files.filter((f) => !reached.has(f) && !docs.includes(f));
  assert.deepEqual(unexplained, [], 'files in the tarball that no entry point uses (test-only or stale build output?)');
  assert.ok(docs.includes('README.md') && docs.includes('LICENSE') && docs.includes('docs/README.md'));
  assert.ok(docs.includes('deploy/xmlsocket-bridge.service') && docs.includes('deploy/nginx.conf'));
});

test('every export has types, and typesVersions maps the same subpaths to the same files (TypeScript with node10 resolution)', () => {
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (subpath === './package.json') continue;
    assert.equal(typeof target, 'object', `${subpath} has no "types" condition`);
    const types = (target as Record<string, string>).types;
    assert.ok(types && files.includes(normalize(types)), `${subpath}: types ${types} not in the tarball`);
    if (subpath !== '.')
      assert.deepEqual(pkg.typesVersions['*']![subpath.slice(2)], [types], `typesVersions for ${subpath}`);
  }
  assert.equal(Object.keys(pkg.typesVersions['*']!).length, Object.keys(pkg.exports).length - 2);
});

test('sideEffects lists exactly the entries that do something on import', () => {
  // The script-tag builds define globals, the xmldom entry configures the parser; the
  // rest (module entries, chunks, the bridge library) must stay tree-shakable.
  assert.deepEqual([...pkg.sideEffects].sort(), [
    './dist/xmldom.js',
    './dist/xmlsocket-as2.min.js',
    './dist/xmlsocket.min.js',
  ]);
  for (const file of pkg.sideEffects) assert.ok(files.includes(normalize(file)), `${file} not in the tarball`);
});

test('the bin is an executable Node script in the tarball', () => {
  const cli = normalize(pkg.bin['xmlsocket-bridge']!);
  assert.ok(files.includes(cli));
  assert.match(readFileSync(join(ROOT, cli), 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

test('the shipped declarations leave out what the sources mark @internal', () => {
  for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
    assert.doesNotMatch(readFileSync(join(ROOT, file), 'utf8'), /@internal/, `${file} carries @internal declarations`);
  }
});
