// npm run bench:framing: the library's stream framing alone, in Chromium: StreamDecoder,
// no network, against the minimal splitter, per frame size, per message size, 100,000
// small messages in one frame, one 10 MB message. Delivery through a real XMLSocket over
// a WebSocket, in every engine, is bench/engines.mjs.
// Prints the figures; `--json FILE` also writes the result rows; `--quick` does fewer
// repetitions.
import { readFileSync } from 'node:fs';
import {
  buildBrowserModules,
  fmt,
  launchChromium,
  median,
  openBenchPage,
  printTable,
  QUICK,
  ROOT,
  row,
  saveRows,
  serve,
} from './lib/common.mjs';
import { alternate } from './lib/delivery.mjs';
import { message, stream } from './lib/messages.mjs';

const KiB = 1024;
const MB = 1e6;
const REPS = QUICK ? 3 : 7;
const MIN_MS = QUICK ? 50 : 150;

/** Framing-alone cases: message size (0x00 included), message count, frame size. */
const FRAME_SWEEP = [1, 16, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB].map((frame) => ({
  label: `50 B msgs, ${label(frame)} frames`,
  size: 50,
  count: frame < 256 ? 4_000 : 80_000,
  frame,
}));
const SIZE_SWEEP = [17, 257, 4 * KiB + 1, 64 * KiB + 1, 1024 * KiB + 1].map((size) => ({
  label: `${label(size - 1)} msgs, 64 KiB frames`,
  size,
  count: Math.max(4, Math.floor((4 * MB) / size)),
  frame: 64 * KiB,
  sweep: 'size',
}));
const ONE_FRAME = { label: '100,000 x 50 B msgs in one frame', size: 50, count: 100_000, frame: 50 * 100_000 };
const BIG = { label: 'one 10 MB msg, 64 KiB frames', size: 10 * MB, count: 1, frame: 64 * KiB, sweep: 'size' };

function label(bytes) {
  if (bytes >= MB && bytes % MB === 0) return `${bytes / MB} MB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} B`;
}

export async function main() {
  const started = Date.now();
  const files = await buildBrowserModules();
  files.set('receive-page.js', readFileSync(new URL('./lib/receive-page.js', import.meta.url), 'utf8'));
  files.set(
    'index.html',
    '<!doctype html><title>bench</title><script type="module">import * as bench from "/receive-page.js"; window.bench = bench; window.ready = true;</script>',
  );
  const framingCases = [...FRAME_SWEEP, ONE_FRAME, ...SIZE_SWEEP, BIG];
  for (const c of framingCases) {
    c.path = `data/${c.size}x${c.count}`;
    if (!files.has(c.path))
      files.set(c.path, c.size === BIG.size ? Buffer.from(message(c.size), 'latin1') : stream(c.size, c.count));
  }
  const http = await serve(files);
  const browser = await launchChromium();
  const rows = [];
  try {
    const page = await openBenchPage(browser, http);
    const version = browser.version();
    console.log(
      `Chromium ${version}, Node ${process.version}, ${(await import('node:os')).cpus().length} cores; ${REPS} alternating repetitions, medians\n`,
    );

    console.log('Framing alone (StreamDecoder vs the minimal splitter, no network), MB/s and messages/s:');
    const framing = [];
    for (const c of framingCases) {
      await page.evaluate(
        ([id, url, frame]) => window.bench.prepareFraming(id, url, frame),
        [c.path, `/${c.path}`, c.frame],
      );
      const run = (impl) =>
        page.evaluate(([id, impl, minMs]) => window.bench.runFraming(id, impl, minMs), [c.path, impl, MIN_MS]);
      const { ours, base } = await alternate(
        REPS,
        () => run('ours'),
        () => run('minimal'),
      );
      await page.evaluate((id) => window.bench.dropFraming(id), c.path);
      const mbps = (r) => r.bytes / MB / (r.ms / 1000);
      const mps = (r) => r.messages / (r.ms / 1000);
      const result = {
        ...c,
        ours: median(ours.map(mbps)),
        base: median(base.map(mbps)),
        oursMsgs: median(ours.map(mps)),
        baseMsgs: median(base.map(mps)),
      };
      framing.push(result);
      console.log(
        `  ${c.label.padEnd(36)} ours ${fmt(result.ours).padStart(6)} MB/s ${fmt(result.oursMsgs).padStart(11)} msg/s | minimal ${fmt(result.base).padStart(6)} MB/s ${fmt(result.baseMsgs).padStart(11)} msg/s | ${(result.ours / result.base).toFixed(2)}x`,
      );
    }
    const sizes = framing.filter((r) => r.sweep === 'size');
    console.log('\n  Flatness, MB/s as the message grows (64 KiB frames):');
    console.log(
      `  ${sizes.map((r) => `${label(r.size === BIG.size ? r.size : r.size - 1)}: ${fmt(r.ours)}`).join('  ->  ')}`,
    );
    for (const r of framing) {
      if (r.label === ONE_FRAME.label || r.frame === 1 || r.frame === KiB || r.frame === 64 * KiB) {
        rows.push(
          row({
            name: `framing alone: ${r.label}`,
            unit: 'MB/s',
            ours: r.ours,
            baseline: r.base,
            baselineName: 'minimal splitter',
          }),
        );
      }
    }
    const at64k = framing.find((r) => r.size === 64 * KiB + 1);
    const big = framing.find((r) => r.label === BIG.label);
    rows.push(
      row({
        name: 'framing alone: one 10 MB msg vs 64 KiB msgs (flatness)',
        unit: 'MB/s',
        ours: big.ours,
        baseline: at64k.ours,
        baselineName: 'ours, 64 KiB msgs',
        minRatio: 0.5,
        note: 'ratio near 1 means no quadratic path; a copy-per-frame design falls far below 0.5',
      }),
    );
  } finally {
    await browser.close();
    await http.close();
  }
  console.log('');
  printTable(rows);
  console.log(
    `\n(${((Date.now() - started) / 1000).toFixed(0)} s; messages are ASCII XML; sources built from ${ROOT}src with the project's rollup config)`,
  );
  saveRows(rows);
  return rows;
}

await main();
