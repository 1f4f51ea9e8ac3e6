// Receive: main-thread time per message of a real XMLSocket (stream framing, onData and
// onXML) against the minimal hand-written WebSocket client (split at 0x00, TextDecoder,
// and for onXML one reused DOMParser), same bytes, same engine, compared frame by frame
// (receive-page.ts). A loopback server sends 64 KiB binary frames, as the bridge relays
// TCP reads. A fresh browser session can favour one client for all its runs, so each
// engine gets several sessions, and a row's ratio is the median of the sessions' ratios.
import { chromiumPage, firefoxPage, waitUntil, webkitPage, type EnginePage } from '../test/e2e/engines.js';
import { ROOT } from '../test/servers/processes.js';
import { join } from 'node:path';
import { buildBrowserModules, buildPage } from './build.js';
import { stream } from './messages.js';
import type { Engine, Settings } from './options.js';
import type { ClientResult, Impl, Mode } from './receive-page.js';
import { deliveryServer, servePage } from './receive-server.js';
import { compared, fmt, type Row } from './report.js';
import { median } from './stats.js';

const FRAME_BYTES = 64 * 1024;

interface Case {
  name: string;
  row: string;
  mode: Mode;
  size: number;
  /** Messages per turn. */
  count: number;
  minRatio: number;
  baselineName: string;
}

const CASES: Case[] = [
  {
    name: 'small',
    row: 'onData, 50 B msgs',
    mode: 'data',
    size: 50,
    count: 20_000,
    minRatio: 0.9,
    baselineName: 'minimal WebSocket client',
  },
  {
    name: 'large',
    row: 'onData, 64 KiB msgs',
    mode: 'data',
    size: 64 * 1024 + 1,
    count: 16,
    minRatio: 0.9,
    baselineName: 'minimal WebSocket client',
  },
  // Few messages a turn: a DOM document costs 20 to 140 µs, and each turn's order of the two clients alternates.
  {
    name: 'xml',
    row: 'onXML, 50 B msgs',
    mode: 'xml',
    size: 50,
    count: 400,
    minRatio: 0.95,
    baselineName: 'minimal client + DOMParser',
  },
];

const OPEN: Record<Engine, () => Promise<EnginePage>> = {
  chromium: chromiumPage,
  firefox: firefoxPage,
  webkit: webkitPage,
};
const ENGINE_NAMES: Record<Engine, string> = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };

/** One session's figure for a client: handler µs per message, outliers left out and left in. */
interface Figure {
  busyUs: number;
  allUs: number;
  frames: number;
  outliers: number;
}

/**
 * Pools paired runs. Whichever client handles a frame first is slower at it, so the
 * frames each client handled first and those it handled second weigh alike (a run too
 * short to have both kinds, as in --smoke, has only the one).
 */
function figureOf(runs: ClientResult[], who: string): Figure {
  const sum = (pick: (r: ClientResult) => [number, number]) =>
    runs.map(pick).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
  const [ms, messages, allMs, allMessages] = [
    sum((r) => r.ms),
    sum((r) => r.messages),
    sum((r) => r.allMs),
    sum((r) => r.allMessages),
  ];
  const weighed = (t: [number, number], n: [number, number]) => {
    const perMessage = [0, 1].filter((k) => n[k]! > 0).map((k) => t[k]! / n[k]!);
    if (perMessage.length === 0) throw new Error(`${who}: no frame kept`);
    return (perMessage.reduce((a, b) => a + b) / perMessage.length) * 1000;
  };
  return {
    busyUs: weighed(ms, messages),
    allUs: weighed(allMs, allMessages),
    frames: runs.reduce((n, r) => n + r.frames, 0),
    outliers: runs.reduce((n, r) => n + r.outliers, 0),
  };
}

/** Every case in one fresh session of `engine`: each case's figures for ours and the baseline. */
async function session(
  engine: Engine,
  url: string,
  wssPort: number,
  s: number,
  settings: Settings['receive'],
): Promise<{ ours: Figure; base: Figure }[]> {
  const page = await OPEN[engine]();
  try {
    await page.goto(url);
    await waitUntil(page, () => window.xmlsocketBench !== undefined, null, 'the bench page');
    const candidate: Impl = settings.control ? 'minimal' : 'ours';
    const figures = [];
    for (const c of CASES) {
      const chars = c.count * (c.size - 1);
      const pair = (minMs: number, baselineFirst: boolean) =>
        page.evaluate(
          ([port, name, mode, count, ms, cand, bFirst]) =>
            window.xmlsocketBench!.runPair(port, name, mode, count, ms, cand, bFirst),
          [wssPort, c.name, c.mode, c.count, minMs, candidate, baselineFirst] as const,
        );
      await pair(settings.minMs / 2, false); // warm-up
      const ours: ClientResult[] = [];
      const base: ClientResult[] = [];
      for (let rep = 0; rep < settings.reps; rep++) {
        const result = await pair(settings.minMs, (s + rep) % 2 === 0);
        for (const [r, who] of [
          [result.ours, candidate],
          [result.base, 'minimal'],
        ] as const) {
          const turns = r.received / c.count;
          if (!Number.isInteger(turns) || (c.mode === 'data' && r.chars !== turns * chars))
            throw new Error(`${page.engine} ${who}: ${r.received} messages, ${r.chars} chars: not whole turns`);
        }
        ours.push(result.ours);
        base.push(result.base);
      }
      const figure = { ours: figureOf(ours, candidate), base: figureOf(base, 'minimal') };
      console.log(
        `  ${page.engine} session ${s + 1}, ${c.row.padEnd(19)} ${fmt(figure.ours.busyUs).padStart(6)} vs ${fmt(figure.base.busyUs).padStart(6)} µs/msg (${(figure.base.busyUs / figure.ours.busyUs).toFixed(3)}x), ${figure.ours.frames} frames, outliers ${figure.ours.outliers} / ${figure.base.outliers}`,
      );
      figures.push(figure);
    }
    return figures;
  } finally {
    await page.close();
  }
}

export async function runReceive(settings: Settings): Promise<Row[]> {
  const { receive } = settings;
  const files = await buildBrowserModules();
  files.set('receive-page.js', await buildPage(join(ROOT, 'bench', 'receive-page.ts')));
  files.set(
    'index.html',
    '<!doctype html><title>receive bench</title><script type="module" src="/receive-page.js"></script>',
  );
  const cases = Object.fromEntries(
    CASES.map((c) => {
      const bytes = stream(c.size, c.count);
      const frames: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += FRAME_BYTES) frames.push(bytes.subarray(i, i + FRAME_BYTES));
      return [c.name, frames];
    }),
  );
  const http = await servePage(files);
  const wss = await deliveryServer(cases);
  const rows: Row[] = [];
  try {
    console.log(
      `${receive.sessions} fresh session(s) per engine, each ${receive.reps} paired run(s) per case of at least ${receive.minMs} ms handler time per client${receive.control ? '; CONTROL: the minimal client against itself' : ''}`,
    );
    for (const engine of receive.engines) {
      const sessions = [];
      for (let s = 0; s < receive.sessions; s++)
        sessions.push(await session(engine, `${http.url}index.html`, wss.port, s, receive));
      const name = ENGINE_NAMES[engine];
      for (const [i, c] of CASES.entries()) {
        const ours = sessions.map((f) => f[i]!.ours);
        const base = sessions.map((f) => f[i]!.base);
        const withOutliers = ours.map((o, k) => base[k]!.allUs / o.allUs);
        rows.push(
          compared({
            name: `receive (${name})${receive.control ? ', CONTROL minimal vs minimal' : ''}: ${c.row}, main-thread handler time`,
            unit: 'msg/s',
            higherIsBetter: true,
            ours: ours.map((f) => 1e6 / f.busyUs),
            baseline: base.map((f) => 1e6 / f.busyUs),
            baselineName: c.baselineName,
            minRatio: receive.control ? undefined : c.minRatio,
            note: `frames left out as outliers: ${ours.reduce((n, f) => n + f.outliers, 0)} where ours was the slow one, ${base.reduce((n, f) => n + f.outliers, 0)} where the baseline was, of ${ours.reduce((n, f) => n + f.frames, 0)}; with them left in, the ratio is ${median(withOutliers).toFixed(3)}x`,
          }),
        );
      }
    }
  } finally {
    await wss.close();
    await http.close();
  }
  return rows;
}
