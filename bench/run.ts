// npm run bench: each benchmark in turn, one table at the end (Markdown, as
// docs/performance.md shows it) and bench/results.json. `npm run bench -- --help`
// lists the options; bench/README.md says how each figure is measured.
import { writeFileSync } from 'node:fs';
import { chromiumExecutable, firefoxExecutable } from '../scripts/browsers.mjs';
import { runLatency } from './latency.js';
import { runLoad } from './load.js';
import { runMemory } from './memory.js';
import { helpText, settingsFrom, type BenchmarkName, type Settings } from './options.js';
import { runReceive } from './receive.js';
import { browserVersion, failedRow, machineLine, table, type Row } from './report.js';
import { runSize } from './size.js';

const RUN: Record<BenchmarkName, (settings: Settings) => Promise<Row[]>> = {
  size: runSize,
  latency: runLatency,
  load: runLoad,
  memory: runMemory,
  receive: runReceive,
};

let settings: Settings | null;
try {
  settings = settingsFrom(process.argv.slice(2));
} catch (error) {
  console.error(`${String(error)}\n\n${helpText()}`);
  process.exit(2);
}
if (!settings) {
  process.stdout.write(helpText());
  process.exit(0);
}

const started = Date.now();
const rows: Row[] = [];
let failed = 0;
for (const name of settings.benchmarks) {
  console.log(`\n=== ${name} ===`);
  try {
    rows.push(...(await RUN[name](settings)));
  } catch (error) {
    console.error(error);
    rows.push(failedRow(name, error));
    failed++;
  }
}
writeFileSync(settings.json, `${JSON.stringify(rows, null, 2)}\n`);

const engines = settings.benchmarks.includes('receive') ? settings.receive.engines : [];
const browsers = [
  engines.includes('chromium') ? browserVersion(chromiumExecutable()) : null,
  engines.includes('firefox') ? browserVersion(firefoxExecutable()) : null,
  engines.includes('webkit') ? 'WebKitGTK MiniBrowser' : null,
].filter((b): b is string => b !== null);
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(
  `\n=== npm run bench${settings.profile === 'default' ? '' : ` -- --${settings.profile}`}: ${minutes} min ===`,
);
console.log(`${machineLine(browsers)}\n`);
console.log(table(rows));
const missed = rows.filter((r) => r.met === false);
console.log(
  `\ntargets met: ${rows.filter((r) => r.met === true).length}, missed: ${missed.length}${missed.length ? `: ${missed.map((r) => r.name).join('; ')}` : ''}. Wrote ${settings.json}.`,
);
process.exit(failed > 0 ? 1 : 0);
