// The receive benchmarks' pieces: the loopback server that delivers a case's frames, the
// alternating runner that makes ours and the baseline share the machine's noise (also
// used by bench/framing.mjs), and the delivery measurement over fresh browser sessions
// (bench/engines.mjs, in every engine).
import { WebSocketServer } from 'ws';
import { HOST, median } from './common.mjs';

/** A loopback WebSocket server that sends a case's frames when asked with "go:NAME". */
export async function deliveryServer(cases) {
  const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const name = data.toString('utf8').replace(/\0$/, '').replace(/^go:/, '');
      for (const frame of cases[name].frames) ws.send(frame, { binary: true });
    });
  });
  return { port: wss.address().port, close: () => new Promise((resolve) => wss.close(resolve)) };
}

/** Alternates ours and the baseline (ABBA...), after one warm-up of each; returns each one's results in order. */
export async function alternate(reps, runOurs, runBase) {
  const ours = [];
  const base = [];
  await runOurs();
  await runBase();
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      ours.push(await runOurs());
      base.push(await runBase());
    } else {
      base.push(await runBase());
      ours.push(await runOurs());
    }
  }
  return { ours, base };
}

/**
 * The receive path in one engine, over several fresh browser sessions: a fresh session
 * of the same build can land 10-35% elsewhere, the minimal client too
 * (docs/performance-engines.md), so one session draws one figure from that spread. In
 * each session, per case, one paired run to warm up and then `reps` paired runs
 * (`runPair` in bench/lib/receive-page.js: ours and the minimal client take turns
 * receiving the case until each has received for `minMs`; which of the two starts
 * alternates from one paired run to the next, and from one session to the next, so that
 * an odd number of runs still leaves neither side starting more often). A case's figure
 * is the median over sessions of each session's median, with the spread over sessions.
 * `log(session, caseIndex, ours, base)` hears each session's medians as they come.
 * `firstSession(page)` runs once, in the first session, before it closes. `candidate:
 * 'minimal'` pits the minimal client against itself: the control, which shows what a
 * difference of nothing reads as.
 *
 * `cases`: [{ name, mode: 'data' | 'xml', count, chars }], count and chars per turn.
 * Returns, per case, each session's medians of ours and of the baseline, per message:
 * { wallUs, busyUs } (busy: main-thread time inside the message handlers).
 */
export async function measureDelivery({ sessions, reps, minMs, cases, wssPort, open, firstSession, candidate = 'ours', log = () => {} }) {
  const results = cases.map(() => ({ ours: [], base: [] }));
  for (let s = 0; s < sessions; s++) {
    const page = await open();
    try {
      for (const [i, c] of cases.entries()) {
        const check = (r, who) => {
          const turns = r.messages / c.count;
          if (!(turns >= 1 && Number.isInteger(turns)) || (c.mode === 'data' && r.chars !== turns * c.chars)) {
            throw new Error(`${page.name ?? 'page'} ${who}: got ${r.messages} messages / ${r.chars} chars, not whole turns of ${c.count} / ${c.chars}`);
          }
          return { wallUs: (r.ms * 1000) / r.messages, busyUs: (r.busy * 1000) / r.messages };
        };
        const pair = (ms, baselineFirst) =>
          page.evaluate(
            ([port, name, mode, n, ms, candidate, baselineFirst]) => window.bench.runPair(port, name, mode, n, ms, 'minimal', candidate, baselineFirst),
            [wssPort, c.name, c.mode, c.count, ms, candidate, baselineFirst],
          );
        await pair(minMs / 2, false);
        const ours = [];
        const base = [];
        for (let rep = 0; rep < reps; rep++) {
          const r = await pair(minMs, (s + rep) % 2 === 0);
          ours.push(check(r.ours, candidate));
          base.push(check(r.base, 'minimal'));
        }
        const medians = (list) => ({ wallUs: median(list.map((r) => r.wallUs)), busyUs: median(list.map((r) => r.busyUs)) });
        results[i].ours.push(medians(ours));
        results[i].base.push(medians(base));
        log(s, i, results[i].ours.at(-1), results[i].base.at(-1));
      }
      if (s === 0 && firstSession) await firstSession(page);
    } finally {
      await page.close();
    }
  }
  return results;
}
