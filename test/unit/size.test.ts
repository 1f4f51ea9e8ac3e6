// The script-tag bundle's size budget (package.json "size-limit"), checked on every
// test run: `npm test` builds first.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  'size-limit': { path: string; gzip: number }[];
};

for (const { path, gzip: budget } of pkg['size-limit']) {
  test(`${path} is at most ${budget} bytes gzipped`, () => {
    const size = gzipSync(readFileSync(new URL(`../../${path}`, import.meta.url)), { level: 9 }).length;
    console.log(`${path}: ${size} bytes gzipped (budget ${budget})`);
    assert.ok(size <= budget, `${path} is ${size} bytes gzipped, over its budget of ${budget}`);
  });
}
