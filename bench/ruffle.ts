// Ruffle through our bridge and through Debian's websockify, side by side in one run:
// the SWF of the Ruffle tests (test/ruffle/ChatClient.hx, in self-hosted Ruffle in the
// machine's Chromium) talks to the TCP echo server the tests use, through each.
//   npm run bench:ruffle [-- --rounds 11 --blocks 8 --echoes 25 --no-priority]
// A round is BLOCKS blocks for each proxy, taking turns (AB BA AB ...), so that both
// meet the machine's load of the same moment. In a block the SWF connects (sending its
// login on `connect`, as a game does), waits for the echo, makes ECHOES sequential round
// trips of a 50-byte message, and closes. Measured:
//  - connect: the WebSocket handshake of Ruffle's socket, request sent to response
//    received, as Chromium's network stack reports them (DevTools protocol). Ruffle
//    tells the SWF it is connected before that; this is when its bytes can leave;
//  - first echo: from the SWF's connect() to its data event for the echo of its login
//    (what a player waits for);
//  - echo round trip on the wire (frame sent to echo received, DevTools timestamps) and
//    as the SWF sees it (its send() to its data event, which Ruffle delivers once per
//    animation frame).
// Figures: per round the median of each proxy's samples; then the median over the rounds
// with min-max, and the median (min-max) of the per-round ratios of time, ours / websockify.
// The bridge's CLI and the library are built from src/ (bench/build.ts), the echo server
// and both proxies run at nice -10 alike (bench/relays.ts; --no-priority leaves them).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Page } from 'playwright-core';
import { chromiumArgs, chromiumExecutable } from '../scripts/browsers.mjs';
import { freePort, HOST, start, startWebsockify, waitForPort } from '../test/servers/processes.js';
import { startTcpEchoProcess } from '../test/servers/tcp-echo.js';
import { buildSite } from '../test/ruffle/site.js';
import { buildBridgeCli, buildScriptBundle } from './build.js';
import { prioritize } from './relays.js';
import { median } from './stats.js';

function numberArg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1`);
  return value;
}
const ROUNDS = numberArg('--rounds', 11);
const BLOCKS = numberArg('--blocks', 8);
const ECHOES = numberArg('--echoes', 25);
const PRIORITY = process.argv.includes('--no-priority') ? null : -10;
const PAYLOAD = `<echo>${'x'.repeat(36)}</echo>`; // 49 characters, and the SWF's 0x00
const RUFFLE_VERSION = (
  JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@ruffle-rs/ruffle/package.json'), 'utf8')) as {
    version: string;
  }
).version;

type Proxy = 'ours' | 'websockify';
interface Samples {
  connect: number[];
  firstEcho: number[];
  wire: number[];
  swf: number[];
}
type Measure = keyof Samples;

/** The page's SWF player element, with the callbacks ChatClient.hx adds. */
interface SwfPlayer extends HTMLElement {
  swfPlay(host: string, port: number, nick: string): void;
  swfSend(text: string): void;
  swfClose(): void;
}
/** What the benchmark adds to the test page: a hook on its xmlsocketSwfEvent. */
interface BenchWindow {
  xmlsocketSwfEvent: (type: string, detail: string) => void;
  benchData?: { waiting: ((time: number) => void) | null };
}

// Runs in the page: one block. Milliseconds, as the SWF sees them.
async function blockInPage(a: { host: string; port: number; echoes: number; payload: string }) {
  const win = window as unknown as BenchWindow;
  const player = document.getElementById('swf') as SwfPlayer;
  // The SWF reports through the page's xmlsocketSwfEvent; wrapped once, to time data events.
  if (!win.benchData) {
    const bench: { waiting: ((time: number) => void) | null } = { waiting: null };
    const report = win.xmlsocketSwfEvent;
    win.xmlsocketSwfEvent = (type, detail) => {
      report(type, detail);
      if (type === 'data') bench.waiting?.(performance.now());
    };
    win.benchData = bench;
  }
  const bench = win.benchData;
  const nextData = () => new Promise<number>((resolve) => (bench.waiting = resolve));
  // The SWF reports from inside Ruffle's frame; the next call into it waits for a task.
  const task = () => new Promise((resolve) => setTimeout(resolve, 0));

  let data = nextData();
  const t0 = performance.now();
  player.swfPlay(a.host, a.port, 'bench');
  const firstEcho = (await data) - t0;
  const swf: number[] = [];
  for (let i = 0; i < a.echoes; i++) {
    await task();
    data = nextData();
    const t1 = performance.now();
    player.swfSend(a.payload);
    swf.push((await data) - t1);
  }
  player.swfClose();
  await task();
  return { firstEcho, swf };
}

/** One of Ruffle's WebSockets as Chromium's network stack reports it (seconds, monotonic). */
interface SocketRecord {
  request: number | null;
  response: number | null;
  sent: number[];
  received: number[];
}

/** Ruffle's WebSockets over the DevTools protocol, in the order they are created. */
async function watchWebSockets(page: Page): Promise<SocketRecord[]> {
  const cdp = await page.context().newCDPSession(page);
  const sockets: SocketRecord[] = [];
  const byId = new Map<string, SocketRecord>();
  cdp.on('Network.webSocketCreated', (e) => {
    const socket: SocketRecord = { request: null, response: null, sent: [], received: [] };
    byId.set(e.requestId, socket);
    sockets.push(socket);
  });
  cdp.on('Network.webSocketWillSendHandshakeRequest', (e) => {
    const socket = byId.get(e.requestId);
    if (socket) socket.request = e.timestamp;
  });
  cdp.on('Network.webSocketHandshakeResponseReceived', (e) => {
    const socket = byId.get(e.requestId);
    if (socket) socket.response = e.timestamp;
  });
  cdp.on('Network.webSocketFrameSent', (e) => byId.get(e.requestId)?.sent.push(e.timestamp));
  cdp.on('Network.webSocketFrameReceived', (e) => byId.get(e.requestId)?.received.push(e.timestamp));
  await cdp.send('Network.enable');
  return sockets;
}

/** A block's socket record once its events have all arrived (they trail the page). */
async function settled(sockets: SocketRecord[], index: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = sockets[index];
    if (s?.request && s.response && s.sent.length > ECHOES && s.received.length > ECHOES) {
      return { ...s, request: s.request, response: s.response };
    }
    if (Date.now() > deadline) throw new Error('the DevTools events of a block did not arrive');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const site = buildSite(await buildScriptBundle());
  const echo = await startTcpEchoProcess();
  const bridgePort = await freePort();
  const bridge = start(
    process.execPath,
    [
      await buildBridgeCli(),
      '--listen',
      `${HOST}:${bridgePort}`,
      '--target',
      `${HOST}:${echo.port}`,
      '--ruffle-entry',
      `bridge.example:${echo.port}=/`,
      '--static',
      site.dir,
      '--quiet',
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const websockifyPort = await freePort();
  const websockify = await startWebsockify(echo.port, websockifyPort);
  await waitForPort(bridgePort, bridge.child);
  for (const pid of [echo.pid, bridge.pid, websockify.pid]) prioritize(pid, PRIORITY);

  const browser = await chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: chromiumArgs() });
  const rounds: Record<Proxy, Record<Measure, number>[]> = { ours: [], websockify: [] };
  try {
    const page = await browser.newPage();
    // tsx keeps function names with an __name() helper, and page.evaluate sends a
    // function's source as it is: the page gets a helper that does nothing.
    await page.addInitScript('globalThis.__name = (fn) => fn;');
    const sockets = await watchWebSockets(page);
    // The bridge lists itself (bridge.example); websockify is added by hand, as its users do.
    const extra = [{ host: 'websockify.example', port: echo.port, proxyUrl: websockify.url }];
    await page.goto(`http://${HOST}:${bridgePort}/?extra=${encodeURIComponent(JSON.stringify(extra))}`);
    await page.waitForFunction(swfReady, null, { timeout: 60_000 });
    const hosts: Record<Proxy, string> = { ours: 'bridge.example', websockify: 'websockify.example' };

    const block = async (proxy: Proxy, into: Samples) => {
      const index = sockets.length;
      const args = { host: hosts[proxy], port: echo.port, echoes: ECHOES, payload: PAYLOAD };
      const inPage = await page.evaluate(blockInPage, args);
      const socket = await settled(sockets, index);
      into.connect.push((socket.response - socket.request) * 1000);
      into.firstEcho.push(inPage.firstEcho);
      // Frame 0 each way is the login; then each echo is one frame each way.
      for (let i = 1; i <= ECHOES; i++) into.wire.push((socket.received[i]! - socket.sent[i]!) * 1000);
      into.swf.push(...inPage.swf);
    };
    const samples = (): Samples => ({ connect: [], firstEcho: [], wire: [], swf: [] });

    // Unreported blocks warm up both paths (JIT, the first connections).
    for (const proxy of ['ours', 'websockify', 'ours', 'websockify'] as const) await block(proxy, samples());
    for (let round = 0; round < ROUNDS; round++) {
      const got: Record<Proxy, Samples> = { ours: samples(), websockify: samples() };
      for (let b = 0; b < BLOCKS; b++) {
        const order: Proxy[] = (round * BLOCKS + b) % 2 === 0 ? ['ours', 'websockify'] : ['websockify', 'ours'];
        for (const proxy of order) await block(proxy, got[proxy]);
      }
      for (const proxy of ['ours', 'websockify'] as const) {
        const g = got[proxy];
        rounds[proxy].push({
          connect: median(g.connect),
          firstEcho: median(g.firstEcho),
          wire: median(g.wire),
          swf: median(g.swf),
        });
      }
      process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
  } finally {
    await browser.close();
    await Promise.all([bridge.stop(), websockify.stop(), echo.stop()]);
    site.remove();
  }
  print(rounds);
}

// Runs in the page: whether the SWF has said it is ready.
function swfReady(): boolean {
  return ((window as unknown as { swfEvents?: [string, string][] }).swfEvents ?? []).some((e) => e[0] === 'ready');
}

function print(rounds: Record<Proxy, Record<Measure, number>[]>): void {
  const ms = (value: number) => value.toFixed(value < 1 ? 3 : 2);
  const figure = (values: number[]) =>
    `${ms(median(values))} ms (${ms(Math.min(...values))}-${ms(Math.max(...values))})`;
  const measures: [string, Measure][] = [
    ['connect: WebSocket handshake, p50', 'connect'],
    ["first echo: the SWF's connect() to its data event, p50", 'firstEcho'],
    ['echo round trip on the wire, p50', 'wire'],
    ['echo round trip as the SWF sees it, p50', 'swf'],
  ];
  console.log(
    `\nRuffle ${RUFFLE_VERSION} in Chromium; ${ROUNDS} rounds, each ${BLOCKS} blocks per proxy taking turns; a block is 1 connect and ${ECHOES} echoes`,
  );
  console.log('median over rounds (min-max); time ours / websockify: median (min-max) of the per-round ratios\n');
  const lines = [['', 'xmlsocket-bridge', 'websockify', 'time ours / websockify']];
  for (const [label, key] of measures) {
    const ours = rounds.ours.map((r) => r[key]);
    const theirs = rounds.websockify.map((r) => r[key]);
    const ratios = ours.map((value, i) => value / theirs[i]!);
    const spread = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
    lines.push([label, figure(ours), figure(theirs), `${median(ratios).toFixed(2)}x (${spread})`]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  for (const line of lines) console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}

await main();
