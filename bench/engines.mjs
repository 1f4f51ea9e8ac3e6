// npm run bench:engines: the receive path in Chromium, Firefox and WebKit.
//  1. Delivery through a real XMLSocket from a loopback WebSocket server against the
//     minimal hand-written WebSocket client (bench/lib/receive-page.js), same bytes,
//     same engine, the two handling every frame back to back, compared frame by frame
//     on main-thread handler time, in several fresh browser sessions per engine:
//     onData at 50 B and 64 KiB, onXML at 50 B (vs minimal + DOMParser). Targets per
//     engine: onData >= 0.9x, onXML >= 0.95x.
//  2. What a real DOM document per message costs in each engine, and the ways tried to
//     make it cheaper (bench/lib/parse-page.js).
// Prints the figures; `--json FILE` also writes the result rows; `--quick` does fewer
// repetitions; `--engines chromium,webkit` picks engines; `--sessions N` sets the fresh
// browser sessions per engine (default 9), `--reps N` the paired runs per session and case
// (default 3); `--receive-only` skips part 2; `--control`
// measures the minimal client against itself instead of ours (no targets).
import { readFileSync } from 'node:fs';
import {
  buildBrowserModules,
  fmt,
  median,
  numberArg,
  printTable,
  QUICK,
  row,
  saveRows,
  serve,
  spreadOf,
} from './lib/common.mjs';
import { openEnginePage, pickedEngines } from './lib/engines.mjs';
import { deliveryServer, measureDelivery } from './lib/delivery.mjs';
import { frames, stream } from './lib/messages.mjs';

const KiB = 1024;
/**
 * Fresh browser sessions per engine, and paired runs of ours and the baseline in each.
 * More sessions of fewer runs: a session can keep its own offset for all its paired runs
 * (docs/performance.md, "Receive ratios"), which only more sessions average out.
 */
const SESSIONS = numberArg('--sessions', QUICK ? 1 : 9);
if (!(SESSIONS >= 1 && Number.isInteger(SESSIONS)))
  throw new Error('--sessions: a whole number of browser sessions, at least 1');
const REPS = numberArg('--reps', 3);
if (!(REPS >= 1 && Number.isInteger(REPS)))
  throw new Error('--reps: a whole number of paired runs per session and case, at least 1');
/** Each client of a paired run spends at least this long in its handlers: see runPair in bench/lib/receive-page.js. */
const MIN_MS = QUICK ? 150 : 300;
const RECEIVE_ONLY = process.argv.includes('--receive-only');
/** `--control`: the minimal client in place of ours, against itself, to show the method's own spread. */
const CONTROL = process.argv.includes('--control');
const PARSE_REPS = QUICK ? 3 : 5;
const PARSE_MIN_MS = QUICK ? 100 : 300;

/** Served in 64 KiB binary frames, as the bridge relays TCP reads; one case is one turn of a paired run. */
const DELIVERY = {
  small: { size: 50, count: 20_000 },
  large: { size: 64 * KiB + 1, count: 16 },
  // One frame a turn: each turn's order of the two clients alternates.
  xml: { size: 50, count: 400 },
};

const RUNS = [
  { name: 'onData, 50 B msgs', c: 'small', mode: 'data', baselineName: 'minimal WebSocket client', minRatio: 0.9 },
  { name: 'onData, 64 KiB msgs', c: 'large', mode: 'data', baselineName: 'minimal WebSocket client', minRatio: 0.9 },
  { name: 'onXML, 50 B msgs', c: 'xml', mode: 'xml', baselineName: 'minimal client + DOMParser', minRatio: 0.95 },
];

/**
 * Receive rows of one engine: main-thread handler time per message as msg/s, medians
 * over sessions; the ratio is the median of the sessions' ratios, the spread is over
 * sessions. No wall-clock row: the two clients share every turn's wall clock, and
 * everything outside the handlers (the browser's WebSocket, the network service) is
 * the same for both, so the handler-time ratio is the stricter of the two.
 */
function receiveRows(engineName, results, rows) {
  for (const [i, d] of RUNS.entries()) {
    const { ours, base } = results[i];
    const perSecond = (r) => 1e6 / r.busyUs;
    const v = { ours: ours.map(perSecond), base: base.map(perSecond) };
    const spread = spreadOf(v.ours, v.base, { higherIsBetter: true });
    const outliers = (list) => list.reduce((n, r) => n + r.outliers, 0);
    const allFrames = ours.map((r, s) => base[s].allUs / r.allUs);
    rows.push(
      row({
        name: `receive (${engineName})${CONTROL ? ' CONTROL, minimal vs minimal' : ''}: ${d.name}, main-thread handler time`,
        unit: 'msg/s',
        ours: median(v.ours),
        baseline: median(v.base),
        baselineName: d.baselineName,
        minRatio: CONTROL ? undefined : d.minRatio,
        spread,
        note:
          `frames left out as outliers: ${outliers(ours)} where ours was the slow one, ${outliers(base)} where the baseline was, of ${ours.reduce((n, r) => n + r.frames, 0)}; ` +
          `with them, the ratio would be ${median(allFrames).toFixed(3)}x (sessions ${Math.min(...allFrames).toFixed(3)}-${Math.max(...allFrames).toFixed(3)})`,
      }),
    );
  }
}

/** What a real DOM document per 50 B message costs in one engine, and the cheaper ways tried. */
async function parseCosts(page, rows) {
  console.log(
    `  ${page.name}: a real DOM document per 50 B message, us per message (${PARSE_REPS} alternating runs, medians, frames of 1,300 messages):`,
  );
  const ways = await page.evaluate(() => window.parse.ways());
  const results = Object.fromEntries(ways.map((w) => [w, []]));
  for (let rep = 0; rep < PARSE_REPS; rep++) {
    for (const way of rep % 2 ? [...ways].reverse() : ways) {
      results[way].push(
        await page.evaluate(([w, minMs]) => window.parse.perMessage(w, 13_000, 1_300, minMs), [way, PARSE_MIN_MS]),
      );
    }
  }
  const reference = median(results[ways[0]]);
  for (const way of ways) {
    const us = median(results[way]);
    console.log(
      `    ${way.padEnd(66)} ${fmt(us).padStart(6)} us  (${(reference / us).toFixed(2)}x the library's way; runs ${results[way].map((x) => x.toFixed(2)).join(', ')})`,
    );
    rows.push(
      row({
        name: `DOM document per message (${page.name}): ${way}`,
        unit: 'us/msg',
        ours: us,
        baseline: reference,
        baselineName: "reused DOMParser (the library's way)",
        higherIsBetter: false,
      }),
    );
  }
}

async function benchEngine(engine, url, wssPort, rows) {
  let name = engine;
  const parseRows = [];
  const results = await measureDelivery({
    sessions: SESSIONS,
    reps: REPS,
    minMs: MIN_MS,
    candidate: CONTROL ? 'minimal' : 'ours',
    cases: RUNS.map((d) => ({ name: d.c, mode: d.mode, count: DELIVERY[d.c].count, chars: DELIVERY[d.c].chars })),
    wssPort,
    open: async () => {
      const page = await openEnginePage(engine, url);
      name = page.name;
      return page;
    },
    firstSession: RECEIVE_ONLY ? undefined : (page) => parseCosts(page, parseRows),
    log: (session, i, ours, base) => {
      const d = RUNS[i];
      if (session === 0 && i === 0)
        console.log(
          `\n${name}: delivery from a loopback WebSocket server, 64 KiB binary frames to both clients back to back; ${SESSIONS} fresh session${SESSIONS === 1 ? '' : 's'}, each ${REPS} paired runs of at least ${MIN_MS} ms handler time per client`,
        );
      console.log(
        `  session ${session + 1}, ${d.name.padEnd(19)} handler time ${fmt(ours.busyUs).padStart(6)} vs ${fmt(base.busyUs).padStart(6)} us/msg (${(base.busyUs / ours.busyUs).toFixed(3)}x), ${ours.frames} frames, outliers ${ours.outliers} / ${base.outliers} (with them ${(base.allUs / ours.allUs).toFixed(3)}x)`,
      );
    },
  });
  receiveRows(name, results, rows);
  rows.push(...parseRows);
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
  console.log(
    `Node ${process.version}, ${(await import('node:os')).cpus().length} cores, shared machine; messages are ASCII XML`,
  );
  try {
    for (const engine of pickedEngines()) {
      await benchEngine(engine, `${http.url}index.html`, wss.port, rows);
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
