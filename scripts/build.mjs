// `npm run build` (and `npm pack`, through prepack): an empty dist/, then rollup. Rollup
// alone overwrites but never deletes, and npm pack ships whatever dist/ holds.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(join(root, 'dist'), { recursive: true, force: true });
const rollup = spawnSync(join(root, 'node_modules', '.bin', 'rollup'), ['-c', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(rollup.status ?? 1);
