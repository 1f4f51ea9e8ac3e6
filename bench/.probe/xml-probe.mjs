import { readFileSync } from 'node:fs';
import { buildBrowserModules, serve } from '../lib/common.mjs';
import { openEnginePage } from '../lib/engines.mjs';
import { deliveryServer } from '../lib/delivery.mjs';
import { frames, stream } from '../lib/messages.mjs';
const engine = process.argv[2] ?? 'chromium';
const reps = Number(process.argv[3] ?? 8);
const order = (process.argv[4] ?? 'ours,minimal').split(',');
const files = await buildBrowserModules();
files.set('receive-page.js', readFileSync(new URL('../lib/receive-page.js', import.meta.url), 'utf8'));
files.set('index.html', '<!doctype html><title>bench</title><script type="module">import * as bench from "/receive-page.js"; window.bench = bench; window.ready = true;</script>');
const c = { size: 50, count: Number(process.env.COUNT ?? 20000) };
const bytes = stream(c.size, c.count); c.chars = bytes.length - c.count; c.frames = frames(bytes, 65536);
const http = await serve(files);
const wss = await deliveryServer({ xml: c });
const page = await openEnginePage(engine, `${http.url}index.html`);
for (let i = 0; i < reps; i++) {
  const line = [];
  for (const impl of (i % 2 ? [...order].reverse() : order)) {
    if (process.env.PAUSE) await new Promise((r) => setTimeout(r, Number(process.env.PAUSE)));
    const r = await page.evaluate(([port, impl, n]) => window.bench.runDelivery(port, 'xml', impl, 'xml', n), [wss.port, impl, c.count]);
    line.push(`${impl} ${(r.busy * 1000 / c.count).toFixed(1)}us busy ${(r.ms*1000/c.count).toFixed(1)}us wall`);
  }
  console.log(line.join(' | '));
}
await page.close(); await wss.close(); await http.close();
