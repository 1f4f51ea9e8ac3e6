// A WebSocket load generator in its own process, so its CPU is measured apart from
// the bridge's: N connections, each in a closed loop (send a 50 B message, wait for its
// echo, send the next). Prints `window` when the measured window starts and one JSON
// line with the echoes counted in it and this process's own CPU seconds.
//   node load-client.mjs URL CONNECTIONS WARMUP_MS WINDOW_MS
import WebSocket from 'ws';
import { message } from './messages.mjs';

const [url, conns, warmupMs, windowMs] = [process.argv[2], ...process.argv.slice(3, 6).map(Number)];
const PAYLOAD = Buffer.from(message(50), 'latin1');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const sockets = [];
for (let i = 0; i < conns; i += 100) {
  const batch = [];
  for (let j = i; j < Math.min(conns, i + 100); j++) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    sockets.push(ws);
    batch.push(new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject))));
  }
  await Promise.all(batch);
}
let echoes = 0;
let stop = false;
for (const ws of sockets) {
  ws.on('message', (data) => {
    // Stream framing: frames may split or join messages; count 0x00 bytes.
    let zeros = 0;
    for (let i = data.indexOf(0); i !== -1; i = data.indexOf(0, i + 1)) zeros++;
    echoes += zeros;
    if (!stop) for (let k = 0; k < zeros; k++) ws.send(PAYLOAD, { binary: true });
  });
  ws.send(PAYLOAD, { binary: true });
}
await sleep(warmupMs);
const e0 = echoes;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
process.stdout.write('window\n');
await sleep(windowMs);
const e1 = echoes;
const cpu1 = process.cpuUsage(cpu0);
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ echoes: e1 - e0, seconds, cpuS: (cpu1.user + cpu1.system) / 1e6 })}\n`);
stop = true;
for (const ws of sockets) ws.terminate();
process.exit(0);
