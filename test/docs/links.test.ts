// Links between README.md and the pages under docs/: every relative link names a file
// that exists, and every #anchor a heading of that page (GitHub's slugs).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { isAbsolute, linksOf, markdownFiles, prose, ROOT } from './markdown.js';

/** GitHub's anchor for a heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of prose(readFileSync(join(ROOT, file), 'utf8')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

for (const file of markdownFiles()) {
  test(`${file}: relative links and anchors resolve`, () => {
    const broken: string[] = [];
    for (const href of linksOf(readFileSync(join(ROOT, file), 'utf8'))) {
      if (isAbsolute(href)) continue; // http:, https:, mailto:
      const [path, anchor] = href.split('#') as [string, string | undefined];
      const target = path === '' ? file : normalize(relative(ROOT, join(ROOT, dirname(file), path)));
      if (!existsSync(join(ROOT, target))) {
        broken.push(`${href}: no file ${target}`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !anchorsOf(target).has(anchor))
        broken.push(`${href}: no heading #${anchor} in ${target}`);
    }
    assert.deepEqual(broken, []);
  });
}
