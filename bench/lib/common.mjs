// Shared by every benchmark: builds from the current sources, a tiny HTTP server,
// the machine's Chromium, statistics, and the result table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumArgs, chromiumExecutable } from '../../scripts/chromium.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUILD_DIR = join(ROOT, 'bench', '.build');
export const HOST = '127.0.0.1';

/** The rollup configurations of the project, exactly as `npm run build` uses them. */
async function projectConfigs() {
  process.chdir(ROOT);
  return (await import(join(ROOT, 'rollup.config.mjs'))).default;
}

/**
 * Builds with the project's own rollup configuration, into memory (browser code) or
 * into bench/.build (the bridge CLI), never into dist/, which other work shares.
 * Returns Map(fileName -> code) for every output of the configurations picked.
 */
export async function build(pick, { write = false } = {}) {
  const { rollup } = await import('rollup');
  const configs = (await projectConfigs()).filter(pick);
  const files = new Map();
  for (const config of configs) {
    const bundle = await rollup({ ...config, onwarn: () => {} });
    const output = Array.isArray(config.output) ? config.output[0] : config.output;
    const options = { ...output };
    if (options.file) {
      delete options.file;
      options.entryFileNames = output.file.replace(/^dist\//, '');
    }
    delete options.dir;
    const { output: chunks } = await bundle.generate(options);
    await bundle.close();
    for (const chunk of chunks) {
      const code = chunk.type === 'chunk' ? chunk.code : chunk.source;
      files.set(chunk.fileName, code);
      if (write) {
        const path = join(BUILD_DIR, chunk.fileName);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, code);
      }
    }
  }
  return files;
}

/** The browser ES module build (dist/xmlsocket.js and friends), plus src/client/framing.ts alone. */
export async function buildBrowserModules() {
  const files = await build((c) => c.output?.format === 'es' && typeof c.input === 'object' && 'xmlsocket' in c.input);
  // StreamDecoder is internal; bundle it on its own with the same plugins.
  const { rollup } = await import('rollup');
  const [config] = (await projectConfigs()).filter(
    (c) => typeof c.input === 'object' && 'xmlsocket' in c.input && c.output?.format === 'es',
  );
  const bundle = await rollup({ ...config, input: { framing: 'src/client/framing.ts' }, onwarn: () => {} });
  const { output } = await bundle.generate({ format: 'es', entryFileNames: '[name].js' });
  await bundle.close();
  files.set('framing.js', output[0].code);
  return files;
}

/** A static HTTP server on 127.0.0.1 for in-memory files (path -> string or Buffer). */
export async function serve(files) {
  const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html' };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\//, '') || 'index.html';
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': types[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      // Cross-origin isolation gives performance.now() 5 us resolution instead of 100 us.
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  return {
    url: `http://${HOST}:${server.address().port}/`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The machine's Chromium (see scripts/chromium.mjs), headless. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: chromiumArgs() });
}

/** Opens a benchmark page served by `serve()` and waits until it says it is ready. */
export async function openBenchPage(browser, http) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${http.url}index.html`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

export const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** min, quartiles and max of a list of run figures. */
const range = (values) => ({
  min: Math.min(...values),
  q1: quartile(values, 0.25),
  median: median(values),
  q3: quartile(values, 0.75),
  max: Math.max(...values),
});
function quartile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (at - lo);
}

/**
 * The spread of a row's figures over its runs: ours and the baseline, and, when both
 * were measured run by run, the ratio of each run ("higher is better for us").
 */
export function spreadOf(ours, baseline, { higherIsBetter = false } = {}) {
  const out = { runs: ours.length, ours: range(ours) };
  if (baseline?.length) {
    out.baseline = range(baseline);
    if (baseline.length === ours.length) {
      const ratios = ours.map((o, i) => (higherIsBetter ? o / baseline[i] : baseline[i] / o)).filter(Number.isFinite);
      if (ratios.length) out.ratio = range(ratios);
    }
  }
  return out;
}

/** Nearest-rank percentile, p in 0..100. */
export const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/** Numbers for people: 3 significant digits, thousands grouped. */
export function fmt(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  if (typeof value !== 'number') return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/**
 * One result row. `higherIsBetter` says which way `ours` wins; `ratio` is always
 * "higher is better for us" (ours/baseline or baseline/ours). Where the two were
 * measured run by run (`spread.ratio`), it is the median of the runs' ratios, not the
 * ratio of the medians: a run's own speed moves more than the ratio within it does.
 * `minRatio` is the target on the ratio; `maxOurs` a target on our own figure (e.g.
 * bytes per connection).
 */
export function row({
  name,
  unit,
  ours,
  baseline = null,
  baselineName = null,
  higherIsBetter = true,
  minRatio,
  maxOurs,
  note,
  spread,
}) {
  const ratio =
    spread?.ratio?.median ??
    (baseline === null || ours === null || !ours || !baseline
      ? null
      : higherIsBetter
        ? ours / baseline
        : baseline / ours);
  let target = null;
  let met = null;
  if (minRatio !== undefined) {
    target = `ratio >= ${minRatio}`;
    met = ratio !== null && ratio >= minRatio;
  }
  if (maxOurs !== undefined) {
    target = `<= ${fmt(maxOurs)} ${unit}`;
    met = ours !== null && ours <= maxOurs;
  }
  const r = { name, unit, ours, baseline, baselineName, ratio, target, met };
  if (spread) r.spread = spread;
  if (note) r.note = note;
  return r;
}

export function printTable(rows, out = process.stdout) {
  const header = ['benchmark', 'unit', 'ours', 'baseline', 'baseline is', 'ratio', 'target', 'met'];
  const cells = rows.map((r) => [
    r.name,
    r.unit,
    fmt(r.ours),
    fmt(r.baseline),
    r.baselineName ?? '-',
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    r.target ?? '-',
    r.met === null ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) =>
    `| ${c.map((v, i) => (i >= 2 && i <= 3 ? String(v).padStart(widths[i]) : String(v).padEnd(widths[i]))).join(' | ')} |`;
  out.write(
    `${line(header)}\n|${widths.map((w, i) => (i >= 2 && i <= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|\n`,
  );
  for (const c of cells) out.write(`${line(c)}\n`);
  for (const r of rows.filter((x) => x.spread)) {
    const range = (v) => (v ? `${fmt(v.min)}-${fmt(v.max)} (IQR ${fmt(v.q1)}-${fmt(v.q3)})` : '-');
    out.write(
      `  spread (${r.name}), ${r.spread.runs} runs: ours ${range(r.spread.ours)}; baseline ${range(r.spread.baseline)}${r.spread.ratio ? `; ratio per run ${range(r.spread.ratio)}` : ''}\n`,
    );
  }
  for (const r of rows.filter((x) => x.note)) out.write(`  note (${r.name}): ${r.note}\n`);
}

/** `--json FILE`: where `npm run bench` collects each script's rows. */
export function saveRows(rows) {
  const i = process.argv.indexOf('--json');
  if (i !== -1 && process.argv[i + 1]) writeFileSync(process.argv[i + 1], JSON.stringify(rows, null, 2));
}

/** `NAME N` on the command line, as a number; `fallback` when NAME is not given. */
export function numberArg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

/** `--quick`: fewer repetitions, for trying a script out. */
export const QUICK = process.argv.includes('--quick');
