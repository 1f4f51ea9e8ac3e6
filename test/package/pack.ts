// The package as npm ships it: `npm pack` of the current build (run after `rollup -c`;
// `npm test` builds first). Lifecycle scripts are skipped: prepack would build again.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');

/** Packs the repository into `dir` and returns the tarball's path. */
export async function packTarball(dir: string): Promise<string> {
  if (!existsSync(join(ROOT, 'dist', 'xmlsocket.js')))
    throw new Error('dist/ is missing: run `npm run build` first (npm test builds)');
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [info] = JSON.parse(stdout) as [{ filename: string }];
  return join(dir, info.filename);
}

/** The paths inside a tarball, without npm's `package/` prefix. */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''))
    .sort();
}
