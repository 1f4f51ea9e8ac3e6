// Relay latency: the round trip a bridge adds over a direct TCP echo, measured from a
// Node client so that no browser sits in the path. Four targets, all in front of the
// same TCP echo server (its own process):
//  - direct TCP echo: a TCP client straight to the echo server (floor 1);
//  - raw Node relay: a TCP client through a bare net-to-net relay in Node
//    (bench/lib/raw-relay.mjs, its own process; floor 2, what any Node relay pays);
//  - our bridge (its CLI, stream framing) and Debian's websockify, each from a `ws`
//    client (WebSocket framing and masking on the client are the same for both).
// After a warm-up, each round gives every target COUNT sequential 50 B echoes (send,
// wait for the echo, send the next), in blocks of BLOCK: targets take turns block by
// block, in alternating order (ABCD DCBA ...). Per round: p50 and p99 of each target, minus the direct echo's of the
// same round ("added latency"). Figures are the median over the rounds, with min-max.
import net from 'node:net';
import WebSocket from 'ws';
import { fmt, median, numberArg, percentile, printTable, QUICK, row, saveRows, spreadOf } from './lib/common.mjs';
import { message } from './lib/messages.mjs';
import {
  hasWebsockify,
  PRIORITY,
  prioritize,
  startBridge,
  startRawRelay,
  startScriptRelay,
  startTcpEcho,
  startWebsockify,
} from './lib/servers.mjs';

const ROUNDS = numberArg('--rounds', QUICK ? 3 : 9);
const COUNT = numberArg('--count', QUICK ? 1000 : 4000);
const BLOCK = 250;
const WARMUP = 300;
const PAYLOAD = Buffer.from(message(50), 'latin1'); // 49 B of XML and the 0x00
const HOST = '127.0.0.1';

/** A connected client with `echo(n)`: n sequential round trips, milliseconds each. */
function clientFor(target) {
  let resolveOpen;
  let rejectOpen;
  const opened = new Promise((res, rej) => {
    resolveOpen = res;
    rejectOpen = rej;
  });
  let onBytes = () => {};
  let send;
  let close;
  if (target.url) {
    const ws = new WebSocket(target.url, { perMessageDeflate: false });
    ws.on('open', resolveOpen);
    ws.on('error', rejectOpen);
    ws.on('message', (data) => onBytes(data));
    send = () => ws.send(PAYLOAD, { binary: true });
    close = () => new Promise((r) => (ws.once('close', r), ws.close()));
  } else {
    const socket = net.connect(target.port, HOST, resolveOpen);
    socket.setNoDelay(true);
    socket.on('error', rejectOpen);
    socket.on('data', (data) => onBytes(data));
    send = () => socket.write(PAYLOAD);
    close = () => new Promise((r) => (socket.once('close', r), socket.end()));
  }
  function echo(n) {
    const times = new Float64Array(n);
    return new Promise((resolve) => {
      let i = 0;
      let got = 0;
      let t0 = 0;
      onBytes = (data) => {
        // Stream framing: the echo of one message may come back in pieces.
        got += data.length;
        if (got < PAYLOAD.length) return;
        got -= PAYLOAD.length;
        times[i++] = performance.now() - t0;
        if (i === n) return resolve(times);
        t0 = performance.now();
        send();
      };
      t0 = performance.now();
      send();
    });
  }
  return opened.then(() => ({ echo, close }));
}

export async function main() {
  const started = Date.now();
  prioritize(); // this process is the client
  const tcp = await startTcpEcho();
  const targets = [
    { name: 'direct TCP echo', port: tcp.port, stop: async () => {} },
    await startRawRelay(tcp.port),
    await startBridge(tcp.port),
  ];
  const withWs = hasWebsockify();
  if (withWs) targets.push(await startWebsockify(tcp.port));
  else console.log('websockify is not installed: its columns are empty (apt-get install websockify)');
  // --also SCRIPT[,SCRIPT]: more relays to compare (each a Node script taking the echo
  // port and printing a WebSocket port), for trying a change out side by side.
  const also = process.argv.indexOf('--also');
  if (also !== -1)
    for (const script of process.argv[also + 1].split(',')) targets.push(await startScriptRelay(script, tcp.port));
  const perRound = new Map(targets.map((t) => [t.name, { p50: [], p99: [], added50: [], added99: [] }]));
  console.log(
    `Node client, ${COUNT} sequential 50 B echoes per target per round after ${WARMUP} warm-up, ${ROUNDS} alternating rounds; measured processes at nice ${PRIORITY ?? 'unchanged'}; milliseconds`,
  );
  try {
    for (const t of targets) {
      t.client = await clientFor(t);
      await t.client.echo(WARMUP);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      // Within a round, targets take turns in blocks, so a burst of load from elsewhere
      // on the machine lands on all of them alike.
      const times = new Map(targets.map((t) => [t, []]));
      for (let block = 0; block < COUNT / BLOCK; block++) {
        for (const t of block % 2 === 0 ? order : [...order].reverse())
          times.get(t).push(...(await t.client.echo(BLOCK)));
      }
      const stats = new Map(
        order.map((t) => [t.name, { p50: percentile(times.get(t), 50), p99: percentile(times.get(t), 99) }]),
      );
      const floor = stats.get('direct TCP echo');
      const line = [];
      for (const [name, s] of stats) {
        const r = perRound.get(name);
        r.p50.push(s.p50);
        r.p99.push(s.p99);
        r.added50.push(s.p50 - floor.p50);
        r.added99.push(s.p99 - floor.p99);
        line.push(`${name} ${s.p50.toFixed(3)}/${s.p99.toFixed(3)}`);
      }
      console.log(`  round ${round + 1} (p50/p99): ${line.join(', ')}`);
    }
    for (const t of targets) await t.client.close();
  } finally {
    for (const t of targets) await t.stop();
    await tcp.stop();
  }
  console.log('Median over rounds [min-max]:');
  for (const [name, r] of perRound) {
    const s = (v) => `${fmt(median(v))} [${fmt(Math.min(...v))}-${fmt(Math.max(...v))}]`;
    console.log(
      `  ${name.padEnd(16)} p50 ${s(r.p50)}  p99 ${s(r.p99)}  added p50 ${s(r.added50)}  added p99 ${s(r.added99)}`,
    );
  }
  const ours = perRound.get('our bridge');
  const ws = perRound.get('websockify');
  const raw = perRound.get('raw Node relay');
  const direct = perRound.get('direct TCP echo');
  const rows = [];
  for (const [p, key] of [
    ['p50', 'added50'],
    ['p99', 'added99'],
  ]) {
    rows.push(
      row({
        name: `relay: added round trip over direct TCP echo, ${p}`,
        unit: 'ms',
        ours: median(ours[key]),
        baseline: ws ? median(ws[key]) : null,
        baselineName: 'websockify',
        higherIsBetter: false,
        minRatio: 1,
        spread: spreadOf(ours[key], ws?.[key]),
        note: `${ROUNDS} rounds of ${COUNT} echoes; raw Node relay added ${fmt(median(raw[key]))} ms [${fmt(Math.min(...raw[key]))}-${fmt(Math.max(...raw[key]))}]; direct TCP echo ${p} ${fmt(median(direct[p]))} ms`,
      }),
    );
  }
  // Stretch: within 0.03 ms of the raw relay at p50, taken round by round.
  const overRaw = ours.added50.map((v, i) => v - raw.added50[i]);
  rows.push(
    row({
      name: 'relay: added p50 over the raw Node relay (stretch)',
      unit: 'ms',
      ours: median(overRaw),
      higherIsBetter: false,
      maxOurs: 0.03,
      spread: spreadOf(overRaw),
    }),
  );
  console.log('');
  printTable(rows);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  saveRows(rows);
  return rows;
}

await main();
