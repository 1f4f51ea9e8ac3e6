// Ruffle through our bridge and through Debian's websockify, side by side in one run:
// the SWF of the Ruffle tests (test/ruffle/ChatClient.hx, in self-hosted Ruffle in the
// machine's Chromium) talks to one TCP echo server (its own process) through each.
//   npm run build && npm run bench:ruffle [-- --rounds 9 --blocks 8 --echoes 25]
// A round is BLOCKS blocks for each proxy, taking turns (AB BA AB ...), so both meet the
// machine's load of the same moment. In a block the SWF connects (sending its login on
// `connect`, as a game does), waits for the echo, then makes ECHOES sequential round
// trips of a 50-byte message and closes. Measured:
//  - connect: the WebSocket handshake of Ruffle's socket, request sent to response
//    received, as Chromium's network stack reports them (DevTools protocol). Ruffle
//    tells the SWF it is connected before that; this is when its bytes can leave;
//  - first echo: from the SWF's connect() to its data event for the echo of its login
//    (what a player waits for);
//  - echo round trip on the wire (frame sent to echo received, DevTools timestamps) and
//    as the SWF sees it (its send() to its data event, which Ruffle delivers once per
//    animation frame).
// Figures: per round the median of each proxy's samples; then the median over the
// rounds with min-max, and the median (min-max) of the per-round ratios ours / websockify.
// Our bridge runs from the sources (tsx); the page needs dist/ (npm run build).
// On a machine shared with other work, the echo server and both proxies (websockify's
// per-connection processes inherit it) run at nice -10 alike, so that bursts of
// unrelated load land less in the figures: `--priority N` to choose, `--no-priority`
// to leave them alone (raising it needs root or CAP_SYS_NICE).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumExecutable } from '../scripts/browsers.mjs';
import { buildSite } from '../test/ruffle/site.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';

function numberArg(name, fallback) {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1`);
  return value;
}
const priorityAt = process.argv.indexOf('--priority');
const PRIORITY = process.argv.includes('--no-priority')
  ? null
  : priorityAt < 0
    ? -10
    : Number(process.argv[priorityAt + 1]);
const ROUNDS = numberArg('--rounds', 9);
const BLOCKS = numberArg('--blocks', 8);
const ECHOES = numberArg('--echoes', 25);
const RUFFLE_VERSION = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@ruffle-rs/ruffle/package.json'), 'utf8'),
).version;
const PAYLOAD = `<echo>${'x'.repeat(34)}</echo>`; // 49 characters and the SWF's 0x00

// Every process started here is stopped when the benchmark ends, even on an error.
const children = new Set();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  child.describe = () => `${command} exited with ${child.exitCode}: ${output.trim() || 'no output'}`;
  return child;
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await new Promise((resolve) => {
      const probe = net.connect(port, HOST, () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (up) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(child.describe());
    await new Promise((r) => setTimeout(r, 50));
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// Runs in the page: one block. The SWF connects, sending its login on `connect`; the
// echo arrives; then `echoes` sequential round trips; then it closes. Milliseconds, as
// the SWF sees them.
async function blockInPage({ host, port, echoes, payload }) {
  const player = document.getElementById('swf');
  // The SWF reports through the page's xmlsocketSwfEvent; wrapped once, to time data events.
  window.benchData ??= (() => {
    const report = window.xmlsocketSwfEvent;
    window.xmlsocketSwfEvent = (type, detail) => {
      report(type, detail);
      if (type === 'data' && window.benchData.waiting) window.benchData.waiting(performance.now());
    };
    return { waiting: null };
  })();
  const nextData = () => new Promise((resolve) => (window.benchData.waiting = resolve));
  // The SWF reports from inside Ruffle's frame; the next call into it waits for a task.
  const task = () => new Promise((resolve) => setTimeout(resolve, 0));

  let data = nextData();
  const t0 = performance.now();
  player.swfPlay(host, port, 'bench');
  const firstEcho = (await data) - t0;
  const swf = [];
  for (let i = 0; i < echoes; i++) {
    await task();
    data = nextData();
    const t1 = performance.now();
    player.swfSend(payload);
    swf.push((await data) - t1);
  }
  player.swfClose();
  await task();
  return { firstEcho, swf };
}

/**
 * Ruffle's WebSockets as Chromium's network stack reports them over the DevTools
 * protocol: handshake and frame timestamps (seconds, monotonic), in creation order.
 */
async function watchWebSockets(page) {
  const cdp = await page.context().newCDPSession(page);
  const sockets = [];
  const byId = new Map();
  const of = (e) => byId.get(e.requestId);
  cdp.on('Network.webSocketCreated', (e) => {
    const socket = { url: e.url, request: null, response: null, sent: [], received: [] };
    byId.set(e.requestId, socket);
    sockets.push(socket);
  });
  cdp.on('Network.webSocketWillSendHandshakeRequest', (e) => of(e) && (of(e).request = e.timestamp));
  cdp.on('Network.webSocketHandshakeResponseReceived', (e) => of(e) && (of(e).response = e.timestamp));
  cdp.on('Network.webSocketFrameSent', (e) => of(e)?.sent.push(e.timestamp));
  cdp.on('Network.webSocketFrameReceived', (e) => of(e)?.received.push(e.timestamp));
  await cdp.send('Network.enable');
  return sockets;
}

/** The DevTools record of a block's WebSocket, once all its events have arrived (they trail the page). */
async function settled(sockets, index, echoes) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const socket = sockets[index];
    if (socket?.response && socket.received.length > echoes && socket.sent.length > echoes) return socket;
    if (Date.now() > deadline) throw new Error('the DevTools events of a block did not arrive');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main() {
  if (!existsSync(join(ROOT, 'dist', 'xmlsocket.min.js')))
    throw new Error('run npm run build first (the page loads dist/)');
  const site = buildSite();
  const echoPort = await freePort();
  const echo = start(process.execPath, [
    '-e',
    `require('net').createServer((s) => { s.setNoDelay(true); s.on('error', () => {}); s.on('data', (d) => s.write(d)); }).listen(${echoPort}, '${HOST}')`,
  ]);
  await waitForPort(echoPort, echo);

  const bridgePort = await freePort();
  const bridge = start(process.execPath, [
    '--import',
    'tsx',
    join(ROOT, 'src', 'bridge', 'cli', 'cli.ts'),
    '--listen',
    `${HOST}:${bridgePort}`,
    '--target',
    `${HOST}:${echoPort}`,
    '--ruffle-entry',
    `bridge.example:${echoPort}=/`,
    '--static',
    site.dir,
    '--quiet',
  ]);
  const websockifyPort = await freePort();
  const websockify = start('websockify', [`${HOST}:${websockifyPort}`, `${HOST}:${echoPort}`]);
  await waitForPort(bridgePort, bridge);
  await waitForPort(websockifyPort, websockify);
  if (PRIORITY !== null) {
    try {
      for (const child of [echo, bridge, websockify]) setPriority(child.pid, PRIORITY);
    } catch (error) {
      console.log(`note: could not set nice ${PRIORITY} (${error.code ?? error.message}); figures will be noisier`);
    }
  }

  const browser = await chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: chromiumArgs() });
  const rows = { ours: [], websockify: [] };
  try {
    const page = await browser.newPage();
    const sockets = await watchWebSockets(page);
    const extra = [{ host: 'websockify.example', port: echoPort, proxyUrl: `ws://${HOST}:${websockifyPort}/` }];
    await page.goto(`http://${HOST}:${bridgePort}/?extra=${encodeURIComponent(JSON.stringify(extra))}`);
    await page.waitForFunction(() => window.swfEvents?.some((e) => e[0] === 'ready'), null, { timeout: 60_000 });
    const targets = {
      ours: { host: 'bridge.example', port: echoPort },
      websockify: { host: 'websockify.example', port: echoPort },
    };
    const samples = () => ({ connect: [], firstEcho: [], wire: [], swf: [] });
    const block = async (name, into) => {
      const index = sockets.length;
      const inPage = await page.evaluate(blockInPage, { ...targets[name], echoes: ECHOES, payload: PAYLOAD });
      const socket = await settled(sockets, index, ECHOES);
      into.connect.push((socket.response - socket.request) * 1000);
      into.firstEcho.push(inPage.firstEcho);
      // Frame 0 each way is the login; then each echo is one frame each way.
      for (let i = 1; i <= ECHOES; i++) into.wire.push((socket.received[i] - socket.sent[i]) * 1000);
      into.swf.push(...inPage.swf);
    };
    // Unreported blocks warm up both paths (JIT, the first connections).
    for (const name of ['ours', 'websockify', 'ours', 'websockify']) await block(name, samples());
    for (let round = 0; round < ROUNDS; round++) {
      const got = { ours: samples(), websockify: samples() };
      for (let b = 0; b < BLOCKS; b++) {
        const order = (round * BLOCKS + b) % 2 === 0 ? ['ours', 'websockify'] : ['websockify', 'ours'];
        for (const name of order) await block(name, got[name]);
      }
      for (const name of ['ours', 'websockify']) {
        const g = got[name];
        rows[name].push({
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
    await Promise.all([stop(bridge), stop(websockify), stop(echo)]);
    site.remove();
  }
  print(rows);
}

function print(rows) {
  const fmt = (ms) => `${ms.toFixed(ms < 1 ? 3 : 2)} ms`;
  const figure = (values) =>
    `${fmt(median(values))} (${fmt(Math.min(...values)).replace(' ms', '')}-${fmt(Math.max(...values))})`;
  const measures = [
    ['connect: WebSocket handshake, p50', 'connect'],
    ["first echo: the SWF's connect() to its data event, p50", 'firstEcho'],
    ['echo round trip on the wire, p50', 'wire'],
    ['echo round trip as the SWF sees it, p50', 'swf'],
  ];
  console.log(
    `\nRuffle ${RUFFLE_VERSION} in Chromium; ${ROUNDS} rounds, each ${BLOCKS} blocks per proxy taking turns; a block is 1 connect and ${ECHOES} echoes`,
  );
  console.log('median over rounds (min-max); ratio: median (min-max) of the per-round ratios ours / websockify\n');
  const header = ['', 'xmlsocket-bridge', 'websockify', 'ratio'];
  const lines = measures.map(([label, key]) => {
    const ours = rows.ours.map((r) => r[key]);
    const theirs = rows.websockify.map((r) => r[key]);
    const ratios = ours.map((v, i) => v / theirs[i]);
    const spread = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
    return [label, figure(ours), figure(theirs), `${median(ratios).toFixed(2)}x (${spread})`];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...lines].map((l) => l[i].length)));
  for (const line of [header, ...lines]) console.log(line.map((cell, i) => cell.padEnd(widths[i])).join('  '));
}

await main();
