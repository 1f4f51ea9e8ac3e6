// Size: the script-tag bundle (xmlsocket.min.js, built from src/ with the project's
// rollup config), gzip -9, against its budget (package.json `size-limit`, the one that
// `npm test` checks too). With --full, also against what a game would otherwise load to
// get XMLSocket on the web: OpenFL's script build and Ruffle's self-hosted package
// (from the npm registry with `npm pack`, cached in bench/.build/packages).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../test/servers/processes.js';
import { buildScriptBundle } from './build.js';
import type { Settings } from './options.js';
import { row, type Row } from './report.js';

const gz = (bytes: Buffer | string) => gzipSync(bytes, { level: 9 }).length;

function budget(): number {
  const limits = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      'size-limit': { path: string; gzip: number }[];
    }
  )['size-limit'];
  const limit = limits.find((l) => l.path === 'dist/xmlsocket.min.js');
  if (!limit) throw new Error('package.json has no size-limit for dist/xmlsocket.min.js');
  return limit.gzip;
}

/** An npm package unpacked into bench/.build/packages; its folder and version. */
function unpack(spec: string): { folder: string; version: string } {
  const folder = join(ROOT, 'bench', '.build', 'packages', spec.replace(/[@/]/g, '_'));
  if (!existsSync(join(folder, 'package', 'package.json'))) {
    mkdirSync(folder, { recursive: true });
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', spec, '--json', '--pack-destination', folder], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 180_000,
      }),
    ) as { filename: string }[];
    execFileSync('tar', ['xzf', join(folder, packed!.filename), '-C', folder]);
  }
  const dir = join(folder, 'package');
  return {
    folder: dir,
    version: (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version,
  };
}

/** OpenFL's script build: XMLSocket comes with its whole runtime. */
function openflSize(): { size: number; name: string } {
  const { folder, version } = unpack('openfl');
  return {
    size: gz(readFileSync(join(folder, 'dist', 'openfl.min.js'))),
    name: `OpenFL ${version} dist/openfl.min.js`,
  };
}

/** Ruffle self-hosted: ruffle.js, its core script and its wasm, the smaller of its two builds. */
function ruffleSize(): { size: number; name: string } {
  const { folder, version } = unpack('@ruffle-rs/ruffle');
  const smallest = (pattern: RegExp) =>
    Math.min(
      ...readdirSync(folder)
        .filter((n) => pattern.test(n))
        .map((n) => gz(readFileSync(join(folder, n)))),
    );
  const size = gz(readFileSync(join(folder, 'ruffle.js'))) + smallest(/^core\.ruffle\..*\.js$/) + smallest(/\.wasm$/);
  return { size, name: `Ruffle ${version} ruffle.js + core + wasm` };
}

export async function runSize(settings: Settings): Promise<Row[]> {
  const code = await buildScriptBundle();
  const ours = gz(code);
  const limit = budget();
  console.log(`xmlsocket.min.js: ${code.length} B, ${ours} B gzipped (budget ${limit} B)`);
  const rows = [
    row({
      name: 'size: script-tag bundle, gzipped, vs its budget',
      unit: 'B',
      ours,
      baseline: limit,
      baselineName: 'budget',
      higherIsBetter: false,
      maxOurs: limit,
    }),
  ];
  if (settings.size.compare) {
    for (const [what, measure] of [
      ['OpenFL', openflSize],
      ['Ruffle', ruffleSize],
    ] as const) {
      try {
        const other = measure();
        console.log(`${other.name}: ${other.size} B gzipped`);
        rows.push(
          row({
            name: `size: script-tag bundle, gzipped, vs ${what}`,
            unit: 'B',
            ours,
            baseline: other.size,
            baselineName: other.name,
            higherIsBetter: false,
          }),
        );
      } catch (error) {
        rows.push(
          row({
            name: `size: vs ${what}`,
            unit: 'B',
            ours,
            higherIsBetter: false,
            note: `npm pack failed: ${String(error)}`,
          }),
        );
      }
    }
  }
  return rows;
}
