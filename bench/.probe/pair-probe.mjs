import { readFileSync } from 'node:fs';
import { buildBrowserModules, median, serve } from '../lib/common.mjs';
import { openEnginePage } from '../lib/engines.mjs';
import { deliveryServer } from '../lib/delivery.mjs';
import { frames, stream } from '../lib/messages.mjs';
const [engine = 'chromium', sessions = '3', candidate = 'ours', baseline = 'minimal', mode = 'xml'] = process.argv.slice(2);
const files = await buildBrowserModules();
files.set('receive-page.js', readFileSync(new URL('../lib/receive-page.js', import.meta.url), 'utf8'));
files.set('index.html', '<!doctype html><title>bench</title><script type="module">import * as bench from "/receive-page.js"; window.bench = bench; window.ready = true;</script>');
const c = mode === 'xml' ? { size: 50, count: 2000 } : { size: 50, count: 20000 };
const bytes = stream(c.size, c.count); c.frames = frames(bytes, 65536);
const http = await serve(files);
const wss = await deliveryServer({ x: c });
const all = [];
for (let s = 0; s < Number(sessions); s++) {
  const page = await openEnginePage(engine, `${http.url}index.html`);
  const pair = (ms) => page.evaluate(([port, mode, n, ms, b, cnd]) => window.bench.runPair(port, 'x', mode, n, ms, b, cnd), [wss.port, mode, c.count, ms, baseline, candidate]);
  await pair(300);
  const wall = [], busy = [];
  for (let i = 0; i < 5; i++) {
    const r = await pair(600);
    wall.push(r.base.ms / r.base.messages / (r.ours.ms / r.ours.messages));
    busy.push(r.base.busy / r.base.messages / (r.ours.busy / r.ours.messages));
  }
  await page.close();
  console.log(`session ${s + 1}: ${candidate} vs ${baseline}: wall ${median(wall).toFixed(3)} [${wall.map((x) => x.toFixed(2)).join(' ')}] busy ${median(busy).toFixed(3)}`);
  all.push(median(wall));
}
console.log(`median over sessions ${median(all).toFixed(3)}`);
await wss.close(); await http.close();
