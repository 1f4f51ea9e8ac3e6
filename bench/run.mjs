// npm run bench: every benchmark, one after another, each in its own process; one
// table at the end, and bench/results.json (rows of { name, unit, ours, baseline,
// baselineName, ratio, target, met }, ratio always "higher is better for us").
// Pass --quick for fewer repetitions; --only NAME[,NAME] to pick scripts.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { printTable, ROOT } from './lib/common.mjs';

const SCRIPTS = ['size', 'framing', 'engines', 'roundtrip', 'latency', 'bridge', 'workers', 'stress'];
const onlyAt = process.argv.indexOf('--only');
const picked = onlyAt === -1 ? SCRIPTS : process.argv[onlyAt + 1].split(',');
const pass = process.argv.includes('--quick') ? ['--quick'] : [];
const tmp = mkdtempSync(join(tmpdir(), 'xmlsocket-bench-'));
const started = Date.now();

function run(name) {
  const json = join(tmp, `${name}.json`);
  console.log(`\n=== bench/${name}.mjs ===`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bench', `${name}.mjs`), '--json', json, ...pass], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    child.on('exit', (code) => {
      try {
        resolve({ rows: JSON.parse(readFileSync(json, 'utf8')), code });
      } catch {
        resolve({
          rows: [
            {
              name: `${name}: failed (exit ${code})`,
              unit: '-',
              ours: null,
              baseline: null,
              baselineName: null,
              ratio: null,
              target: null,
              met: false,
            },
          ],
          code,
        });
      }
    });
  });
}

const rows = [];
let failed = 0;
for (const name of picked) {
  const result = await run(name);
  if (result.code !== 0) failed++;
  rows.push(...result.rows);
}
rmSync(tmp, { recursive: true, force: true });
writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(rows, null, 2)}\n`);
const { execFileSync } = await import('node:child_process');
let chromium;
try {
  chromium = execFileSync(process.env.CHROME_PATH || '/usr/bin/chromium', ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
} catch {
  chromium = 'Chromium version unknown';
}
console.log(
  `\n=== all benchmarks: ${cpus().length} cores, Node ${process.version}, ${chromium}, ${((Date.now() - started) / 60000).toFixed(1)} min ===`,
);
printTable(rows);
const missed = rows.filter((r) => r.met === false);
console.log(
  `\n${rows.filter((r) => r.met === true).length} targets met, ${missed.length} missed${missed.length ? `: ${missed.map((r) => r.name).join('; ')}` : ''}. Wrote bench/results.json.`,
);
process.exitCode = failed ? 1 : 0;
