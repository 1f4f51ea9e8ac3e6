// Bridge efficiency and scale: a Node load client (ws) over loopback, through our
// bridge (its CLI, a child process) and through Debian's websockify, both in front of
// the same TCP echo server (its own process).
//  - 1, 100, 1000 connections, each in a closed loop (send a 50 B message, wait for
//    its echo, send the next), from a minimal raw WebSocket client
//    (lib/raw-ws-client.mjs) so that the client's own CPU does not cap the figure:
//    echoed messages/s, and CPU time (user + system, whole
//    process tree, children included, from /proc) per echoed message. Each echo is
//    relayed twice by the bridge (browser -> TCP and back). The same loop over plain
//    TCP through the raw Node relay (lib/raw-relay.mjs) is the floor: the CPU any
//    relay written in Node pays at least (--no-floor leaves it out).
//  - 5,000 idle connections (each has done one echo): PSS of each bridge's process
//    tree above its idle baseline, per connection.
// Bridges take turns (alternating order) and figures are medians of the repetitions.
import net from 'node:net';
import { cpus } from 'node:os';
import WebSocket from 'ws';
import { fmt, median, numberArg, printTable, QUICK, row, saveRows, spreadOf } from './lib/common.mjs';
import { message } from './lib/messages.mjs';
import { countZeros, maskedFrame, rawConnect } from './lib/raw-ws-client.mjs';
import {
  hasWebsockify,
  PRIORITY,
  prioritize,
  startBridge,
  startRawRelay,
  startTcpEcho,
  startWebsockify,
  treeCpuSeconds,
  treePssBytes,
} from './lib/servers.mjs';

const LEVELS = process.argv.includes('--levels')
  ? process.argv[process.argv.indexOf('--levels') + 1].split(',').map(Number)
  : [1, 100, 1000];
const REPS = QUICK ? 1 : 5;
const WINDOW_S = QUICK ? 2 : 3;
const WARMUP_S = 1;
const IDLE = numberArg('--idle', 5000);
// websockify forks a Python process per connection, about 3.3 MiB PSS each here: 5,000
// of them would take ~16 GiB of a shared machine, so it is measured at 500 (the cost is
// per process, so per connection it does not depend on the count).
const IDLE_WEBSOCKIFY = numberArg('--idle-websockify', Math.min(IDLE, 500));
const PAYLOAD = Buffer.from(message(50), 'latin1'); // 49 B of XML and the 0x00
const FRAME = maskedFrame(PAYLOAD);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens `n` WebSocket connections, `batch` at a time. */
async function openMany(url, n, batch = 100) {
  const sockets = [];
  for (let i = 0; i < n; i += batch) {
    const opened = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      sockets.push(ws);
      opened.push(
        new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        }),
      );
    }
    await Promise.all(opened);
  }
  return sockets;
}

async function closeAll(sockets) {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.terminate();
        }),
    ),
  );
}

/**
 * Every connection echoes in a closed loop; `counter.n` counts completed echoes. Stream
 * framing: frames may split or join messages, so 0x00 bytes are counted.
 */
function loop(sockets, counter) {
  for (const socket of sockets) {
    countZeros(socket, (zeros) => {
      counter.n += zeros;
      if (!counter.stop) for (let k = 0; k < zeros; k++) socket.write(FRAME);
    });
    socket.write(FRAME);
  }
}

/** `n` raw WebSocket connections (see lib/raw-ws-client.mjs), `batch` at a time. */
async function openRaw(url, n, batch = 100) {
  const sockets = [];
  for (let i = 0; i < n; i += batch)
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => rawConnect(url)))));
  return sockets;
}

/** `n` plain TCP connections to a relay without WebSocket (the raw Node relay). */
async function openTcp(port, n) {
  const sockets = [];
  for (let i = 0; i < n; i++) {
    sockets.push(
      await new Promise((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.setNoDelay(true);
        s.once('error', reject);
      }),
    );
  }
  return sockets;
}

/** The closed loop of {@link loop} over plain TCP: every PAYLOAD.length bytes back is one echo. */
function loopTcp(sockets, counter) {
  for (const socket of sockets) {
    let got = 0;
    socket.on('error', () => {});
    socket.on('data', (data) => {
      got += data.length;
      for (; got >= PAYLOAD.length; got -= PAYLOAD.length) {
        counter.n += 1;
        if (!counter.stop) socket.write(PAYLOAD);
      }
    });
    socket.write(PAYLOAD);
  }
}

async function throughput(bridge, n) {
  const sockets = bridge.url ? await openRaw(bridge.url, n) : await openTcp(bridge.port, n);
  const counter = { n: 0, stop: false };
  (bridge.url ? loop : loopTcp)(sockets, counter);
  await sleep(WARMUP_S * 1000);
  const cpu0 = treeCpuSeconds(bridge.pid);
  const c0 = counter.n;
  const t0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const cpu1 = treeCpuSeconds(bridge.pid);
  const c1 = counter.n;
  const t1 = performance.now();
  counter.stop = true;
  await Promise.all(
    sockets.map((s) => new Promise((resolve) => (s.destroyed ? resolve() : (s.once('close', resolve), s.destroy())))),
  );
  await sleep(300); // let websockify reap its workers
  const messages = c1 - c0;
  return { msgsPerS: messages / ((t1 - t0) / 1000), cpuUsPerMsg: ((cpu1 - cpu0) * 1e6) / messages, cpuS: cpu1 - cpu0 };
}

async function idleMemory(start, tcpPort, n) {
  const bridge = await start(tcpPort);
  try {
    // Baseline after one connection came and went, so lazily loaded code is counted once, not per connection.
    const warm = await openMany(bridge.url, 1);
    await echoOnce(warm);
    await closeAll(warm);
    await sleep(1000);
    if (bridge.collect) bridge.memoryBefore = await bridge.collect();
    const before = treePssBytes(bridge.pid);
    const t0 = performance.now();
    const sockets = await openMany(bridge.url, n, 200);
    await echoOnce(sockets);
    const openS = (performance.now() - t0) / 1000;
    await sleep(2000);
    const after = treePssBytes(bridge.pid);
    if (bridge.collect) {
      const before0 = bridge.memoryBefore;
      const usage = await bridge.collect();
      await sleep(500);
      const collected = treePssBytes(bridge.pid);
      const per = (a, b) => `${fmt((a - b) / n / 1024)} KiB/conn`;
      console.log(
        `  after a forced full GC: PSS ${per(collected.bytes, before.bytes)}; V8 heap used ${per(usage.heapUsed, before0.heapUsed)}, heap total ${per(usage.heapTotal, before0.heapTotal)}, external+arrayBuffers ${per(usage.external, before0.external)}, RSS ${per(usage.rss, before0.rss)}`,
      );
    }
    await closeAll(sockets);
    return {
      perConn: (after.bytes - before.bytes) / n,
      before: before.bytes,
      after: after.bytes,
      processes: after.processes,
      openS,
    };
  } finally {
    await bridge.stop();
  }
}

async function echoOnce(sockets) {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          ws.once('message', resolve);
          ws.send(PAYLOAD, { binary: true });
        }),
    ),
  );
}

export async function main() {
  const started = Date.now();
  prioritize(); // this process is the load client
  if (process.argv.includes('--memory-only')) LEVELS.length = 0;
  const tcp = await startTcpEcho();
  const withWs = hasWebsockify();
  if (!withWs) console.log('websockify is not installed: baseline columns are empty (apt-get install websockify)');
  const bridges = [await startBridge(tcp.port)];
  if (withWs) bridges.push(await startWebsockify(tcp.port));
  // The floor for CPU: the same closed loop over plain TCP through the raw Node relay
  // (no WebSocket on either side), what any relay written in Node pays at least.
  if (!process.argv.includes('--no-floor')) bridges.push(await startRawRelay(tcp.port));
  // --also-cli PATH[,PATH]: other builds of the bridge CLI, measured side by side (A/B of a change).
  const alsoAt = process.argv.indexOf('--also-cli');
  if (alsoAt !== -1)
    for (const cli of process.argv[alsoAt + 1].split(','))
      bridges.push(await startBridge(tcp.port, { cli, name: cli }));
  const rows = [];
  const results = new Map();
  console.log(
    `${cpus().length} cores, Node ${process.version}; closed-loop 50 B echoes, ${WINDOW_S} s windows after ${WARMUP_S} s warm-up, ${REPS} alternating repetitions; measured processes at nice ${PRIORITY ?? 'unchanged'}`,
  );
  try {
    for (const n of LEVELS) {
      for (let rep = 0; rep < REPS; rep++) {
        const order = rep % 2 === 0 ? bridges : [...bridges].reverse();
        for (const b of order) {
          const r = await throughput(b, n);
          const key = `${b.name}@${n}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(r);
          console.log(
            `  ${String(n).padStart(4)} conns  ${b.name.padEnd(14)} ${fmt(r.msgsPerS).padStart(8)} msg/s  ${fmt(r.cpuUsPerMsg).padStart(6)} us CPU/msg`,
          );
        }
      }
    }
  } finally {
    for (const b of bridges) await b.stop();
  }
  for (const n of LEVELS) {
    for (const b of bridges) {
      const r = results.get(`${b.name}@${n}`);
      if (r)
        console.log(
          `  median of ${r.length}, ${String(n).padStart(4)} conns, ${b.name}: ${fmt(median(r.map((x) => x.msgsPerS)))} msg/s, ${fmt(median(r.map((x) => x.cpuUsPerMsg)))} us CPU/msg [${fmt(Math.min(...r.map((x) => x.cpuUsPerMsg)))}-${fmt(Math.max(...r.map((x) => x.cpuUsPerMsg)))}]`,
        );
    }
  }
  const runs = (name, n, field) => results.get(`${name}@${n}`)?.map((r) => r[field]);
  const med = (name, n, field) => (results.has(`${name}@${n}`) ? median(runs(name, n, field)) : null);
  for (const n of LEVELS) {
    const conns = `${n} conn${n > 1 ? 's' : ''}`;
    rows.push(
      row({
        name: `bridge: echoes/s, ${conns}`,
        unit: 'msg/s',
        ours: med('our bridge', n, 'msgsPerS'),
        baseline: med('websockify', n, 'msgsPerS'),
        baselineName: 'websockify',
        minRatio: n === 100 ? 1.5 : undefined,
        spread: spreadOf(runs('our bridge', n, 'msgsPerS'), runs('websockify', n, 'msgsPerS'), {
          higherIsBetter: true,
        }),
      }),
    );
    rows.push(
      row({
        name: `bridge: CPU per echo, ${conns}`,
        unit: 'us',
        ours: med('our bridge', n, 'cpuUsPerMsg'),
        baseline: med('websockify', n, 'cpuUsPerMsg'),
        baselineName: 'websockify',
        higherIsBetter: false,
        minRatio: n === 100 ? 4 : undefined,
        spread: spreadOf(runs('our bridge', n, 'cpuUsPerMsg'), runs('websockify', n, 'cpuUsPerMsg')),
        note: n === 100 ? 'stretch target: ratio >= 6' : undefined,
      }),
    );
    const floor = 'raw Node relay';
    if (results.has(`${floor}@${n}`)) {
      rows.push(
        row({
          name: `bridge: CPU per echo over the raw Node relay (floor), ${conns}`,
          unit: 'us',
          ours: med('our bridge', n, 'cpuUsPerMsg'),
          baseline: med(floor, n, 'cpuUsPerMsg'),
          baselineName: 'raw Node relay, plain TCP',
          higherIsBetter: false,
          spread: spreadOf(runs('our bridge', n, 'cpuUsPerMsg'), runs(floor, n, 'cpuUsPerMsg')),
        }),
      );
    }
  }

  if (IDLE === 0) {
    await tcp.stop();
    printTable(rows);
    saveRows(rows);
    return rows;
  }
  console.log(`\nIdle connections: ${IDLE} open, PSS of each bridge's process tree`);
  const gcDiagnostic = process.argv.includes('--gc-diagnostic');
  const memOurs = await idleMemory((port) => startBridge(port, { gcDiagnostic }), tcp.port, IDLE);
  console.log(
    `  our bridge  ${fmt(memOurs.perConn / 1024)} KiB/conn (PSS ${fmt(memOurs.before / 2 ** 20)} -> ${fmt(memOurs.after / 2 ** 20)} MiB, ${memOurs.processes} process(es), opened in ${memOurs.openS.toFixed(1)} s)`,
  );
  let memWs = null;
  if (withWs) {
    memWs = await idleMemory(startWebsockify, tcp.port, IDLE_WEBSOCKIFY);
    console.log(
      `  websockify  ${fmt(memWs.perConn / 1024)} KiB/conn (PSS ${fmt(memWs.before / 2 ** 20)} -> ${fmt(memWs.after / 2 ** 20)} MiB, ${memWs.processes} process(es), opened in ${memWs.openS.toFixed(1)} s)`,
    );
  }
  rows.push(
    row({
      name: `bridge: memory per idle conn, ${IDLE} conns (PSS)`,
      unit: 'KiB',
      ours: memOurs.perConn / 1024,
      baseline: memWs && memWs.perConn / 1024,
      baselineName: IDLE_WEBSOCKIFY === IDLE ? 'websockify' : `websockify (${IDLE_WEBSOCKIFY} conns)`,
      higherIsBetter: false,
      maxOurs: 16,
    }),
  );
  await tcp.stop();
  console.log('');
  printTable(rows);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  saveRows(rows);
  return rows;
}

await main();
