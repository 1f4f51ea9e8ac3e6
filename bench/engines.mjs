// npm run bench:engines: the receive path in Chromium, Firefox and WebKit.
//  1. Delivery through a real XMLSocket from a loopback WebSocket server against the
//     minimal hand-written WebSocket client (bench/lib/receive-page.js), same bytes,
//     same engine, alternating: onData at 50 B and 64 KiB, onXML at 50 B (vs minimal +
//     DOMParser). Targets per engine: onData >= 0.9x, onXML >= 0.95x.
//  2. What a real DOM document per message costs in each engine, and the ways tried to
//     make it cheaper (bench/lib/parse-page.js).
// Prints the figures; `--json FILE` also writes the result rows; `--quick` does fewer
// repetitions; `--engines chromium,webkit` picks engines; `--receive-only` skips part 2.
import { readFileSync } from 'node:fs';
import { buildBrowserModules, fmt, median, printTable, QUICK, row, saveRows, serve } from './lib/common.mjs';
import { openEnginePage, pickedEngines } from './lib/engines.mjs';
import { alternate, deliveryServer } from './lib/delivery.mjs';
import { frames, stream } from './lib/messages.mjs';

const KiB = 1024;
const REPS = QUICK ? 3 : 7;
const PARSE_REPS = QUICK ? 3 : 5;
const PARSE_MIN_MS = QUICK ? 100 : 300;

/** Served in 64 KiB binary frames, as the bridge relays TCP reads. */
const DELIVERY = {
  small: { size: 50, count: QUICK ? 50_000 : 200_000 },
  large: { size: 64 * KiB + 1, count: QUICK ? 40 : 160 },
  xml: { size: 50, count: QUICK ? 5_000 : 20_000 },
};

const RUNS = [
  { name: 'onData, 50 B msgs', c: 'small', mode: 'data', baselineName: 'minimal WebSocket client', minRatio: 0.9 },
  { name: 'onData, 64 KiB msgs', c: 'large', mode: 'data', baselineName: 'minimal WebSocket client', minRatio: 0.9 },
  { name: 'onXML, 50 B msgs', c: 'xml', mode: 'xml', baselineName: 'minimal client + DOMParser', minRatio: 0.95 },
];

async function benchEngine(page, wssPort, rows) {
  console.log(`\n${page.version}: delivery from a loopback WebSocket server, 64 KiB binary frames, ${REPS} alternating runs, medians`);
  for (const d of RUNS) {
    const c = DELIVERY[d.c];
    const run = (impl) =>
      page.evaluate(([port, name, impl, mode, n, chars]) => window.bench.runDelivery(port, name, impl, mode, n, chars), [wssPort, d.c, impl, d.mode, c.count, c.chars]);
    const check = (r, who) => {
      if (r.messages !== c.count || (d.mode === 'data' && r.chars !== c.chars)) throw new Error(`${page.name} ${who}: got ${r.messages} messages / ${r.chars} chars, expected ${c.count} / ${c.chars}`);
      return r;
    };
    const { ours, base } = await alternate(REPS, async () => check(await run('ours'), 'ours'), async () => check(await run('minimal'), 'minimal'));
    const mps = (r) => c.count / (r.ms / 1000);
    const busyMps = (r) => c.count / (r.busy / 1000);
    const o = { msgs: median(ours.map(mps)), busy: median(ours.map(busyMps)), us: median(ours.map((r) => (r.busy * 1000) / c.count)) };
    const b = { msgs: median(base.map(mps)), busy: median(base.map(busyMps)), us: median(base.map((r) => (r.busy * 1000) / c.count)) };
    const spread = (list) => `${fmt(Math.min(...list.map(mps)))}..${fmt(Math.max(...list.map(mps)))}`;
    console.log(`  ${d.name.padEnd(22)} ours ${fmt(o.msgs).padStart(10)} msg/s (${spread(ours)}) | ${d.baselineName} ${fmt(b.msgs).padStart(10)} msg/s (${spread(base)}) | ${(o.msgs / b.msgs).toFixed(2)}x; handler time per message ${fmt(o.us)} vs ${fmt(b.us)} us (${(b.us / o.us).toFixed(2)}x)`);
    rows.push(row({ name: `receive (${page.name}): ${d.name}, wall clock`, unit: 'msg/s', ours: o.msgs, baseline: b.msgs, baselineName: d.baselineName, minRatio: d.minRatio }));
    rows.push(row({ name: `receive (${page.name}): ${d.name}, main-thread handler time`, unit: 'msg/s', ours: o.busy, baseline: b.busy, baselineName: d.baselineName, minRatio: d.minRatio }));
  }

  if (process.argv.includes('--receive-only')) return;
  console.log(`  A real DOM document per 50 B message, us per message (${PARSE_REPS} alternating runs, medians, frames of 1,300 messages):`);
  const ways = await page.evaluate(() => window.parse.ways());
  const results = Object.fromEntries(ways.map((w) => [w, []]));
  for (let rep = 0; rep < PARSE_REPS; rep++) {
    for (const way of rep % 2 ? [...ways].reverse() : ways) {
      results[way].push(await page.evaluate(([w, minMs]) => window.parse.perMessage(w, 13_000, 1_300, minMs), [way, PARSE_MIN_MS]));
    }
  }
  const reference = median(results[ways[0]]);
  for (const way of ways) {
    const us = median(results[way]);
    console.log(`    ${way.padEnd(66)} ${fmt(us).padStart(6)} us  (${(reference / us).toFixed(2)}x the library's way; runs ${results[way].map((x) => x.toFixed(2)).join(', ')})`);
    rows.push(row({ name: `DOM document per message (${page.name}): ${way}`, unit: 'us/msg', ours: us, baseline: reference, baselineName: "reused DOMParser (the library's way)", higherIsBetter: false }));
  }
}

export async function main() {
  const started = Date.now();
  const files = await buildBrowserModules();
  files.set('receive-page.js', readFileSync(new URL('./lib/receive-page.js', import.meta.url), 'utf8'));
  files.set('parse-page.js', readFileSync(new URL('./lib/parse-page.js', import.meta.url), 'utf8'));
  files.set(
    'index.html',
    '<!doctype html><title>bench</title><script type="module">import * as bench from "/receive-page.js"; import * as parse from "/parse-page.js"; window.bench = bench; window.parse = parse; window.ready = true;</script>',
  );
  for (const c of Object.values(DELIVERY)) {
    const bytes = stream(c.size, c.count);
    c.chars = bytes.length - c.count;
    c.frames = frames(bytes, 64 * KiB);
  }
  const http = await serve(files);
  const wss = await deliveryServer(DELIVERY);
  const rows = [];
  console.log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores, shared machine; messages are ASCII XML`);
  try {
    for (const engine of pickedEngines()) {
      const page = await openEnginePage(engine, `${http.url}index.html`);
      try {
        await benchEngine(page, wss.port, rows);
      } finally {
        await page.close();
      }
    }
  } finally {
    await wss.close();
    await http.close();
  }
  console.log('');
  printTable(rows);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  saveRows(rows);
  return rows;
}

await main();
