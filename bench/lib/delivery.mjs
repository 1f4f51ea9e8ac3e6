// The receive benchmarks' pieces: the loopback server that delivers a case's frames, the
// alternating runner that makes ours and the baseline share the machine's noise (also
// used by bench/framing.mjs), and the delivery measurement over fresh browser sessions
// (bench/engines.mjs, in every engine).
import { WebSocketServer } from 'ws';
import { HOST } from './common.mjs';

/**
 * A loopback WebSocket server for paired clients. A client says "join:PAIR" once it is
 * open; "go:PAIR:NAME:FIRST" sends every frame of case NAME to both clients of PAIR,
 * one right after the other, the first of the two alternating from frame to frame
 * (FIRST, 0 or 1, says who goes first at frame 0). A "go" that arrives before the
 * second client's "join" waits for it.
 */
export async function deliveryServer(cases) {
  const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const pairs = new Map();
  const pairOf = (id) => {
    if (!pairs.has(id)) pairs.set(id, { sockets: [], waiting: [] });
    return pairs.get(id);
  };
  const send = (pair, name, first) => {
    const [a, b] = pair.sockets;
    for (const [k, frame] of cases[name].frames.entries()) {
      for (const ws of (k + first) % 2 ? [b, a] : [a, b]) ws.send(frame, { binary: true });
    }
  };
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const [command, id, name, first] = data.toString('utf8').replace(/\0$/, '').split(':');
      const pair = pairOf(id);
      if (command === 'join') {
        pair.sockets.push(ws);
        ws.once('close', () => pairs.delete(id));
        if (pair.sockets.length === 2) for (const go of pair.waiting.splice(0)) go();
      } else if (command === 'go') {
        if (!cases[name]) throw new Error(`delivery server: no case "${name}"`);
        const go = () => send(pair, name, Number(first));
        if (pair.sockets.length === 2) go();
        else pair.waiting.push(go);
      }
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
 * of the same build can land elsewhere, the minimal client too
 * (docs/performance-engines.md), so one session draws one figure from that spread. In
 * each session, per case, one paired run to warm up and then `reps` paired runs
 * (`runPair` in bench/lib/receive-page.js: ours and the minimal client receive every
 * frame back to back, and their handler times are compared frame by frame; which of
 * the two opens first alternates from one paired run to the next, and from one
 * session to the next). A session's figure per client pools the frames kept in all
 * its runs: handler time per message, the mean of that over the frames ours handled
 * first and over those the baseline handled first (see runPair). A case's ratio is
 * the median over sessions of each session's ratio, with the spread over sessions.
 * `log(session, caseIndex, ours, base)` hears each session's figures as they come.
 * `firstSession(page)` runs once, in the first session, before it closes. `candidate:
 * 'minimal'` pits the minimal client against itself: the control, which shows what a
 * difference of nothing reads as.
 *
 * `cases`: [{ name, mode: 'data' | 'xml', count, chars }], count and chars per turn.
 * Returns, per case, each session's figures for ours and the baseline:
 * { busyUs (main-thread handler time per message), allUs (the same over all frames,
 * outliers included; both weigh alike the frames each client handled first), frames,
 * outliers (frames left out where this client was the slow one) }.
 */
export async function measureDelivery({
  sessions,
  reps,
  minMs,
  cases,
  wssPort,
  open,
  firstSession,
  candidate = 'ours',
  log = () => {},
}) {
  const results = cases.map(() => ({ ours: [], base: [] }));
  for (let s = 0; s < sessions; s++) {
    const page = await open();
    try {
      for (const [i, c] of cases.entries()) {
        const check = (r, who) => {
          const turns = r.received / c.count;
          if (!(turns >= 1 && Number.isInteger(turns)) || (c.mode === 'data' && r.chars !== turns * c.chars)) {
            throw new Error(
              `${page.name ?? 'page'} ${who}: got ${r.received} messages / ${r.chars} chars, not whole turns of ${c.count} / ${c.chars}`,
            );
          }
          return r;
        };
        const pair = (ms, baselineFirst) =>
          page.evaluate(
            ([port, name, mode, n, ms, candidate, baselineFirst]) =>
              window.bench.runPair(port, name, mode, n, ms, 'minimal', candidate, baselineFirst),
            [wssPort, c.name, c.mode, c.count, ms, candidate, baselineFirst],
          );
        await pair(minMs / 2, false);
        const pooled = () => ({
          ms: [0, 0],
          messages: [0, 0],
          frames: 0,
          outliers: 0,
          allMs: [0, 0],
          allMessages: [0, 0],
        });
        const ours = pooled();
        const base = pooled();
        for (let rep = 0; rep < reps; rep++) {
          const r = await pair(minMs, (s + rep) % 2 === 0);
          for (const [sum, run] of [
            [ours, check(r.ours, candidate), candidate],
            [base, check(r.base, 'minimal'), 'minimal'],
          ]) {
            for (const key of Object.keys(sum)) {
              if (Array.isArray(sum[key])) sum[key].forEach((_, first) => (sum[key][first] += run[key][first]));
              else sum[key] += run[key];
            }
          }
        }
        // The frames ours handled first and those the baseline handled first weigh alike,
        // with the outliers left out (busyUs) and in (allUs).
        const weighed = (ms, messages) => ((ms[0] / messages[0] + ms[1] / messages[1]) / 2) * 1000;
        const figure = ({ ms, messages, frames, outliers, allMs, allMessages }, who) => {
          if (!(messages[0] > 0 && messages[1] > 0))
            throw new Error(
              `${page.name ?? 'page'} ${who}: no frame kept where ${messages[0] > 0 ? 'the baseline' : 'ours'} ran first`,
            );
          return { busyUs: weighed(ms, messages), allUs: weighed(allMs, allMessages), frames, outliers };
        };
        results[i].ours.push(figure(ours, candidate));
        results[i].base.push(figure(base, 'minimal'));
        log(s, i, results[i].ours.at(-1), results[i].base.at(-1));
      }
      if (s === 0 && firstSession) await firstSession(page);
    } finally {
      await page.close();
    }
  }
  return results;
}
