// Round trip: echo latency p50/p99 of sequential messages from Chromium (XMLSocket,
// stream framing) through (a) our bridge, (b) Debian's websockify, both in front of
// the same TCP echo server, and (c) a direct WebSocket echo server (the floor).
// Targets take turns in blocks of 100 messages so machine noise hits all alike.
import { readFileSync } from 'node:fs';
import {
  buildBrowserModules,
  fmt,
  launchChromium,
  openBenchPage,
  percentile,
  printTable,
  QUICK,
  row,
  saveRows,
  serve,
} from './lib/common.mjs';
import {
  hasWebsockify,
  prioritize,
  startBridge,
  startDirectEcho,
  startTcpEcho,
  startWebsockify,
} from './lib/servers.mjs';
import { message } from './lib/messages.mjs';

const COUNT = QUICK ? 300 : 1000;
const BLOCK = 100;
const TEXT = message(50).slice(0, -1); // 49 B of XML; 50 B on the wire with the 0x00

export async function main() {
  prioritize(); // the direct WebSocket echo runs in this process
  const files = await buildBrowserModules();
  files.set('roundtrip-page.js', readFileSync(new URL('./lib/roundtrip-page.js', import.meta.url), 'utf8'));
  files.set(
    'index.html',
    '<!doctype html><title>bench</title><script type="module">import * as bench from "/roundtrip-page.js"; window.bench = bench; window.ready = true;</script>',
  );
  const http = await serve(files);
  const tcp = await startTcpEcho();
  const targets = [await startBridge(tcp.port), await startDirectEcho()];
  if (hasWebsockify()) targets.splice(1, 0, await startWebsockify(tcp.port));
  else console.log('websockify is not installed: its row is left empty (apt-get install websockify)');
  const browser = await launchChromium();
  const rows = [];
  try {
    const page = await openBenchPage(browser, http);
    if (!(await page.evaluate(() => window.bench.isolated())))
      console.log('warning: page not cross-origin isolated, timer resolution is 100 us');
    const times = new Map();
    for (const t of targets) {
      t.id = await page.evaluate((url) => window.bench.open(url), t.url);
      await page.evaluate(([id, text]) => window.bench.ping(id, 50, text), [t.id, TEXT]); // warm-up
      times.set(t, []);
    }
    for (let block = 0; block < COUNT / BLOCK; block++) {
      const order = block % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order)
        times
          .get(t)
          .push(...(await page.evaluate(([id, n, text]) => window.bench.ping(id, n, text), [t.id, BLOCK, TEXT])));
    }
    const stats = new Map(
      targets.map((t) => [t.name, { p50: percentile(times.get(t), 50), p99: percentile(times.get(t), 99) }]),
    );
    console.log(`Chromium ${browser.version()}: ${COUNT} sequential 50 B echoes per target, milliseconds`);
    for (const [name, s] of stats) console.log(`  ${name.padEnd(24)} p50 ${s.p50.toFixed(3)}  p99 ${s.p99.toFixed(3)}`);
    const ours = stats.get('our bridge');
    const ws = stats.get('websockify');
    const floor = stats.get('direct WebSocket echo');
    for (const p of ['p50', 'p99']) {
      rows.push(
        row({
          name: `round trip ${p}, 50 B echo from Chromium`,
          unit: 'ms',
          ours: ours[p],
          baseline: ws?.[p] ?? null,
          baselineName: 'websockify',
          higherIsBetter: false,
          note:
            p === 'p50'
              ? `direct WebSocket echo (floor): p50 ${fmt(floor.p50)} ms, p99 ${fmt(floor.p99)} ms`
              : undefined,
        }),
      );
      rows.push(
        row({
          name: `added latency over direct WS, ${p}`,
          unit: 'ms',
          ours: Math.max(0, ours[p] - floor[p]),
          baseline: ws ? Math.max(0, ws[p] - floor[p]) : null,
          baselineName: 'websockify',
          higherIsBetter: false,
        }),
      );
    }
    for (const t of targets) await page.evaluate((id) => window.bench.close(id), t.id);
  } finally {
    await browser.close();
    for (const t of targets) await t.stop();
    await tcp.stop();
    await http.close();
  }
  printTable(rows);
  saveRows(rows);
  return rows;
}

await main();
