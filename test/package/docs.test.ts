// The docs as the package ships them (`npm pack`, unpacked): every relative link lands
// on a file or folder inside the package, since the repository's demo, tests and
// benchmarks are not in it; and every command that only works in a clone of the
// repository says so.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { blocksOf, isAbsolute, linksOf } from '../docs/markdown.js';
import { packTarball, ROOT, tarballFiles } from './pack.js';

let dir: string;
let unpacked: string;
let docs: string[];
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xmlsocket-docs-'));
  const tarball = await packTarball(dir);
  docs = (await tarballFiles(tarball)).filter((f) => f.endsWith('.md'));
  execFileSync('tar', ['-xzf', tarball, '-C', dir]);
  unpacked = join(dir, 'package');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('every relative link in the shipped docs resolves inside the package', () => {
  assert.ok(docs.includes('README.md') && docs.includes('docs/troubleshooting.md'));
  const broken: string[] = [];
  for (const file of docs) {
    for (const href of linksOf(readFileSync(join(unpacked, file), 'utf8'))) {
      if (isAbsolute(href)) continue;
      const path = href.split('#')[0]!;
      const target = path === '' ? file : normalize(relative(unpacked, join(unpacked, dirname(file), path)));
      if (target.startsWith('..') || !existsSync(join(unpacked, target))) broken.push(`${file}: ${href}`);
    }
  }
  assert.deepEqual(broken, [], 'links to files the package does not ship');
});

/** Commands that need the repository: its scripts, demo, tests and benchmarks. */
const CLONE_ONLY = /\b(npm (start|test|ci|run \S+)|node (scripts|bench|demo)\/)/;

test('every shell block with a command that needs a clone says so, in the block or just above it', () => {
  const silent: string[] = [];
  for (const file of docs) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    for (const block of blocksOf(file)) {
      if (!['sh', 'bash', 'shell', 'console'].includes(block.lang) || !CLONE_ONLY.test(block.code)) continue;
      const above = lines.slice(Math.max(0, block.line - 5), block.line - 1).join('\n');
      if (!/\bclone\b/i.test(block.code + above)) silent.push(`${file}:${block.line}`);
    }
  }
  assert.deepEqual(silent, [], 'blocks that do not say they need a clone of the repository');
});
