// `npm run docs`: TypeDoc builds the API reference from the TSDoc comments of every
// entry point (., /xmldom, /as2, /bridge) without errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './pack.js';

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'xmlsocket-api-'));
after(() => rmSync(out, { recursive: true, force: true }));

test('TypeDoc writes a page for every entry point, with no errors', async () => {
  const result = await run(
    process.execPath,
    [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Warn'],
    {
      cwd: ROOT,
    },
  ).catch((err: { code: number; stdout: string; stderr: string }) => err);
  assert.equal('code' in result ? result.code : 0, 0, `typedoc failed:\n${result.stdout}${result.stderr}`);
  if (result.stdout.trim()) console.log(`# typedoc: ${result.stdout.trim()}`);
  for (const page of [
    'xmlsocket-polyfill',
    'xmlsocket-polyfill_xmldom',
    'xmlsocket-polyfill_as2',
    'xmlsocket-polyfill_bridge',
  ]) {
    assert.ok(existsSync(join(out, 'modules', `${page}.html`)), `no API page for ${page}`);
  }
  assert.ok(existsSync(join(out, 'classes', 'xmlsocket-polyfill.XMLSocket.html')), 'no page for the XMLSocket class');
});
