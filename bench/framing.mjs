// npm run bench:framing: the library's receive path in Chromium.
//  1. Framing alone (StreamDecoder, no network) against the minimal splitter, per frame
//     size, per message size, 100,000 small messages in one frame, one 10 MB message.
//  2. Delivery through a real XMLSocket from a loopback WebSocket server against a
//     minimal hand-written WebSocket client, same bytes, same browser, alternating:
//     onData (50 B and 64 KiB messages) and onXML (vs minimal + DOMParser).
// Prints the figures; `--json FILE` also writes the result rows; `--quick` does fewer
// repetitions.
import { readFileSync } from 'node:fs';
import { buildBrowserModules, fmt, launchChromium, median, openBenchPage, printTable, QUICK, ROOT, row, saveRows, serve } from './lib/common.mjs';
import { alternate, deliveryServer } from './lib/delivery.mjs';
import { frames, message, stream } from './lib/messages.mjs';

const KiB = 1024;
const MB = 1e6;
const REPS = QUICK ? 3 : 7;
const DELIVERY_REPS = QUICK ? 3 : 11;
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

/** Delivery cases, served by the WebSocket server in 64 KiB binary frames (as the bridge relays TCP reads). */
const DELIVERY = {
  small: { size: 50, count: QUICK ? 50_000 : 200_000 },
  large: { size: 64 * KiB + 1, count: QUICK ? 40 : 160 },
  xml: { size: 50, count: QUICK ? 5_000 : 20_000 },
};

function label(bytes) {
  if (bytes >= MB && bytes % MB === 0) return `${bytes / MB} MB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} B`;
}

export async function main() {
  const started = Date.now();
  const files = await buildBrowserModules();
  files.set('receive-page.js', readFileSync(new URL('./lib/receive-page.js', import.meta.url), 'utf8'));
  files.set('index.html', '<!doctype html><title>bench</title><script type="module">import * as bench from "/receive-page.js"; window.bench = bench; window.ready = true;</script>');
  const framingCases = [...FRAME_SWEEP, ONE_FRAME, ...SIZE_SWEEP, BIG];
  for (const c of framingCases) {
    c.path = `data/${c.size}x${c.count}`;
    if (!files.has(c.path)) files.set(c.path, c.size === BIG.size ? Buffer.from(message(c.size), 'latin1') : stream(c.size, c.count));
  }
  for (const c of Object.values(DELIVERY)) {
    const bytes = stream(c.size, c.count);
    c.bytes = bytes.length;
    c.chars = bytes.length - c.count;
    c.frames = frames(bytes, 64 * KiB);
  }
  const http = await serve(files);
  const wss = await deliveryServer(DELIVERY);
  const browser = await launchChromium();
  const rows = [];
  try {
    const page = await openBenchPage(browser, http);
    const version = browser.version();
    console.log(`Chromium ${version}, Node ${process.version}, ${(await import('node:os')).cpus().length} cores; ${REPS} alternating repetitions, medians\n`);

    // 1. Framing alone.
    console.log('Framing alone (StreamDecoder vs the minimal splitter, no network), MB/s and messages/s:');
    const framing = [];
    for (const c of framingCases) {
      await page.evaluate(([id, url, frame]) => window.bench.prepareFraming(id, url, frame), [c.path, `/${c.path}`, c.frame]);
      const run = (impl) => page.evaluate(([id, impl, minMs]) => window.bench.runFraming(id, impl, minMs), [c.path, impl, MIN_MS]);
      const { ours, base } = await alternate(REPS, () => run('ours'), () => run('minimal'));
      await page.evaluate((id) => window.bench.dropFraming(id), c.path);
      const mbps = (r) => r.bytes / MB / (r.ms / 1000);
      const mps = (r) => r.messages / (r.ms / 1000);
      const result = { ...c, ours: median(ours.map(mbps)), base: median(base.map(mbps)), oursMsgs: median(ours.map(mps)), baseMsgs: median(base.map(mps)) };
      framing.push(result);
      console.log(`  ${c.label.padEnd(36)} ours ${fmt(result.ours).padStart(6)} MB/s ${fmt(result.oursMsgs).padStart(11)} msg/s | minimal ${fmt(result.base).padStart(6)} MB/s ${fmt(result.baseMsgs).padStart(11)} msg/s | ${(result.ours / result.base).toFixed(2)}x`);
    }
    const sizes = framing.filter((r) => r.sweep === 'size');
    console.log('\n  Flatness, MB/s as the message grows (64 KiB frames):');
    console.log(`  ${sizes.map((r) => `${label(r.size === BIG.size ? r.size : r.size - 1)}: ${fmt(r.ours)}`).join('  ->  ')}`);
    for (const r of framing) {
      if (r.label === ONE_FRAME.label || r.frame === 1 || r.frame === KiB || r.frame === 64 * KiB) {
        rows.push(row({ name: `framing alone: ${r.label}`, unit: 'MB/s', ours: r.ours, baseline: r.base, baselineName: 'minimal splitter' }));
      }
    }
    const at64k = framing.find((r) => r.size === 64 * KiB + 1);
    const big = framing.find((r) => r.label === BIG.label);
    rows.push(row({ name: 'framing alone: one 10 MB msg vs 64 KiB msgs (flatness)', unit: 'MB/s', ours: big.ours, baseline: at64k.ours, baselineName: 'ours, 64 KiB msgs', minRatio: 0.5, note: 'ratio near 1 means no quadratic path; a copy-per-frame design falls far below 0.5' }));

    // 2. Delivery over a real WebSocket.
    console.log(`\nDelivery from a loopback WebSocket server, 64 KiB binary frames, ${DELIVERY_REPS} alternating runs: wall clock from request to last message, and main-thread time inside the message handlers:`);
    const deliveryRuns = [
      { name: 'receive: onData, 50 B msgs', c: 'small', mode: 'data', baselineName: 'minimal WebSocket client', minRatio: 0.9 },
      { name: 'receive: onData, 64 KiB msgs', c: 'large', mode: 'data', baselineName: 'minimal WebSocket client', minRatio: 0.9 },
      { name: 'receive: onXML, 50 B msgs', c: 'xml', mode: 'xml', baselineName: 'minimal client + DOMParser', minRatio: 0.95 },
    ];
    for (const d of deliveryRuns) {
      const c = DELIVERY[d.c];
      const run = (impl) =>
        page.evaluate(([port, name, impl, mode, n, chars]) => window.bench.runDelivery(port, name, impl, mode, n, chars), [wss.port, d.c, impl, d.mode, c.count, c.chars]);
      const check = (r, who) => {
        if (r.messages !== c.count || (d.mode === 'data' && r.chars !== c.chars)) throw new Error(`${who}: got ${r.messages} messages / ${r.chars} chars, expected ${c.count} / ${c.chars}`);
        return r;
      };
      const { ours, base } = await alternate(DELIVERY_REPS, async () => check(await run('ours'), 'ours'), async () => check(await run('minimal'), 'minimal'));
      const mps = (r) => c.count / (r.ms / 1000);
      const mbps = (r) => c.bytes / MB / (r.ms / 1000);
      const busyMps = (r) => c.count / (r.busy / 1000);
      const o = { msgs: median(ours.map(mps)), mb: median(ours.map(mbps)), busy: median(ours.map(busyMps)), cpuUs: median(ours.map((r) => (r.busy * 1000) / c.count)) };
      const b = { msgs: median(base.map(mps)), mb: median(base.map(mbps)), busy: median(base.map(busyMps)), cpuUs: median(base.map((r) => (r.busy * 1000) / c.count)) };
      console.log(`  ${d.name.padEnd(30)} ours ${fmt(o.mb).padStart(6)} MB/s ${fmt(o.msgs).padStart(10)} msg/s | ${d.baselineName} ${fmt(b.mb).padStart(6)} MB/s ${fmt(b.msgs).padStart(10)} msg/s | ${(o.msgs / b.msgs).toFixed(2)}x`);
      console.log(`  ${''.padEnd(30)} handler time per message: ours ${fmt(o.cpuUs)} us, baseline ${fmt(b.cpuUs)} us (${(o.busy / b.busy).toFixed(2)}x); wall ms per run: ours ${ours.map((r) => r.ms.toFixed(0)).join(',')} / baseline ${base.map((r) => r.ms.toFixed(0)).join(',')}`);
      rows.push(row({ name: `${d.name}, wall clock`, unit: 'msg/s', ours: o.msgs, baseline: b.msgs, baselineName: d.baselineName, minRatio: d.minRatio }));
      if (d.mode === 'data') rows.push(row({ name: `${d.name}, wall clock`, unit: 'MB/s', ours: o.mb, baseline: b.mb, baselineName: d.baselineName, minRatio: d.minRatio }));
      rows.push(row({ name: `${d.name}, main-thread handler time`, unit: 'msg/s', ours: o.busy, baseline: b.busy, baselineName: d.baselineName, minRatio: d.minRatio }));
    }
  } finally {
    await browser.close();
    await wss.close();
    await http.close();
  }
  console.log('');
  printTable(rows);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s; messages are ASCII XML; sources built from ${ROOT}src with the project's rollup config)`);
  saveRows(rows);
  return rows;
}

await main();
