// Size: the script-tag bundle (dist/xmlsocket.min.js, built from the current sources
// with the project's rollup config) gzipped, against its budget (package.json size-limit) and against what
// a user would otherwise load to get XMLSocket on the web: OpenFL's npm package (its
// script build, dist/openfl.min.js) and Ruffle's self-hosted npm package (ruffle.js,
// its core script and its wasm). Packages come from the npm registry with `npm pack`,
// cached in bench/.build/packages. All sizes are gzip -9.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, BUILD_DIR, printTable, ROOT, row, saveRows } from './lib/common.mjs';

// The one budget npm test also checks, so the two never disagree.
const BUDGET = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))['size-limit'].find(
  (l) => l.path === 'dist/xmlsocket.min.js',
).gzip;
const gz = (buf) => gzipSync(buf, { level: 9 }).length;

/** Unpacks an npm package into bench/.build/packages/NAME; returns its folder, or an error message. */
function unpack(spec) {
  const dir = join(BUILD_DIR, 'packages');
  const folder = join(dir, spec.replace(/[@/]/g, '_'));
  if (existsSync(join(folder, 'package', 'package.json'))) return { folder: join(folder, 'package') };
  mkdirSync(folder, { recursive: true });
  try {
    const out = JSON.parse(
      execFileSync('npm', ['pack', spec, '--json', '--pack-destination', folder], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 180_000,
      }),
    );
    execFileSync('tar', ['xzf', join(folder, out[0].filename), '-C', folder]);
    return { folder: join(folder, 'package') };
  } catch (err) {
    return { error: `npm pack ${spec} failed: ${String(err.stderr || err.message).split('\n')[0]}` };
  }
}

function version(folder) {
  return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).version;
}

export async function main() {
  const files = await build((c) => c.output?.file === 'dist/xmlsocket.min.js');
  const ours = gz(Buffer.from(files.get('xmlsocket.min.js')));
  console.log(`xmlsocket.min.js: ${files.get('xmlsocket.min.js').length} B, ${ours} B gzipped (budget ${BUDGET} B)`);
  const rows = [
    row({
      name: 'size: script-tag bundle, gzipped',
      unit: 'B',
      ours,
      baseline: BUDGET,
      baselineName: 'budget',
      higherIsBetter: false,
      maxOurs: BUDGET,
    }),
  ];

  const openfl = unpack('openfl');
  if (openfl.error)
    rows.push(row({ name: 'size: vs OpenFL (dist/openfl.min.js), gzipped', unit: 'B', ours, note: openfl.error }));
  else {
    const size = gz(readFileSync(join(openfl.folder, 'dist', 'openfl.min.js')));
    console.log(
      `openfl ${version(openfl.folder)}: dist/openfl.min.js ${size} B gzipped (XMLSocket comes with the whole runtime in the script build)`,
    );
    rows.push(
      row({
        name: `size: vs OpenFL ${version(openfl.folder)} script build, gzipped`,
        unit: 'B',
        ours,
        baseline: size,
        baselineName: 'openfl dist/openfl.min.js',
        higherIsBetter: false,
      }),
    );
  }

  const ruffle = unpack('@ruffle-rs/ruffle');
  if (ruffle.error)
    rows.push(row({ name: 'size: vs Ruffle self-hosted, gzipped', unit: 'B', ours, note: ruffle.error }));
  else {
    const names = readdirSync(ruffle.folder);
    const smallest = (re) =>
      names
        .filter((n) => re.test(n))
        .map((n) => ({ n, size: gz(readFileSync(join(ruffle.folder, n))) }))
        .sort((a, b) => a.size - b.size)[0];
    const main = gz(readFileSync(join(ruffle.folder, 'ruffle.js')));
    const core = smallest(/^core\.ruffle\..*\.js$/);
    const wasm = smallest(/\.wasm$/);
    const total = main + core.size + wasm.size;
    console.log(
      `ruffle ${version(ruffle.folder)}: ruffle.js ${main} + ${core.n} ${core.size} + ${wasm.n} ${wasm.size} = ${total} B gzipped (the smaller of its two builds)`,
    );
    rows.push(
      row({
        name: `size: vs Ruffle ${version(ruffle.folder)} self-hosted, gzipped`,
        unit: 'B',
        ours,
        baseline: total,
        baselineName: 'ruffle.js + core + wasm',
        higherIsBetter: false,
      }),
    );
  }
  printTable(rows);
  saveRows(rows);
  return rows;
}

await main();
