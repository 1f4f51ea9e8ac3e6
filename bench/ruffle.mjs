// Ruffle through our bridge and through Debian's websockify, side by side in one run:
// the SWF of the Ruffle tests (test/ruffle/ChatClient.hx, in self-hosted Ruffle in the
// machine's Chromium) talks to one TCP echo server (its own process) through each.
//   npm run build && npm run bench:ruffle [-- --rounds 7 --connects 20 --echoes 200]
// Each round measures both proxies, in alternating order (AB BA AB ...):
//  - connect: the WebSocket handshake of Ruffle's socket, request sent to response
//    received, as Chromium's network stack saw them (DevTools protocol timestamps).
//    Ruffle tells the SWF it is connected before that, so this is when the SWF's
//    first bytes can leave;
//  - first echo: from the SWF's connect() to its data event for the echo of the login
//    it sends on `connect` (what a player waits for);
//  - echo: ECHOES sequential round trips of a 50-byte message: on the wire (frame sent
//    to echo frame received, DevTools timestamps) and as the SWF sees them (its send()
//    to its data event, which Ruffle delivers once per animation frame).
// Figures: per round the median of each proxy; then the median over the rounds with
// min-max, and the median of the per-round ratios ours / websockify.
// Our bridge runs from the sources (tsx); the page needs dist/ (npm run build).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
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
const ROUNDS = numberArg('--rounds', 7);
const CONNECTS = numberArg('--connects', 20);
const ECHOES = numberArg('--echoes', 200);
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

// Runs in the page: `connects` times, the SWF connects (and sends its login on
// `connect`), its first echo arrives, it closes; then one connection for `echoes`
// sequential round trips. Times in milliseconds, as the SWF sees them.
async function measureInPage({ host, port, connects, echoes, payload }) {
  const player = document.getElementById('swf');
  let waiting = null;
  const report = window.xmlsocketSwfEvent;
  window.xmlsocketSwfEvent = (type, detail) => {
    report(type, detail);
    if (type === 'data' && waiting) waiting(performance.now());
  };
  const nextData = () => new Promise((resolve) => (waiting = resolve));
  // The SWF reports from inside Ruffle's frame; the next call into it waits for a task.
  const task = () => new Promise((resolve) => setTimeout(resolve, 0));

  const firstEcho = [];
  for (let i = 0; i < connects; i++) {
    const data = nextData();
    const t0 = performance.now();
    player.swfPlay(host, port, `p${i}`);
    firstEcho.push((await data) - t0);
    player.swfClose();
    await task();
  }
  const swf = [];
  let data = nextData();
  player.swfPlay(host, port, 'echo');
  await data;
  for (let i = 0; i < echoes; i++) {
    await task();
    data = nextData();
    const t0 = performance.now();
    player.swfSend(payload);
    swf.push((await data) - t0);
  }
  player.swfClose();
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

/** Waits until the DevTools events of a run have all arrived (they trail the page). */
async function settled(sockets, from, connects, echoes) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const run = sockets.slice(from);
    const echo = run[connects];
    if (run.length === connects + 1 && run.every((s) => s.response !== null) && echo.received.length > echoes)
      return run;
    if (Date.now() > deadline) throw new Error('DevTools events for a run did not arrive');
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
    const measure = async (name, connects, echoes) => {
      const from = sockets.length;
      const inPage = await page.evaluate(measureInPage, { ...targets[name], connects, echoes, payload: PAYLOAD });
      const run = await settled(sockets, from, connects, echoes);
      const echo = run[connects];
      return {
        connect: median(run.slice(0, connects).map((s) => (s.response - s.request) * 1000)),
        firstEcho: median(inPage.firstEcho),
        // Frame 0 each way is the login; then each echo is one frame each way.
        wire: median(echo.sent.slice(1).map((t, i) => (echo.received[i + 1] - t) * 1000)),
        swf: median(inPage.swf),
      };
    };
    // One unreported run of each warms up both paths (JIT, the first connections).
    await measure('ours', 3, 20);
    await measure('websockify', 3, 20);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['ours', 'websockify'] : ['websockify', 'ours'];
      for (const name of order) rows[name].push(await measure(name, CONNECTS, ECHOES));
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
    `\nRuffle ${RUFFLE_VERSION} in Chromium, ${ROUNDS} rounds (alternating order), ${CONNECTS} connects and ${ECHOES} echoes per proxy and round`,
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
