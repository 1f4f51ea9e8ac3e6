// Echoes/s through our bridge with --workers 2 against --workers 1 (one process, no
// cluster): the load generator runs in its own process (bench/lib/load-client.mjs),
// and its CPU, the bridge tree's CPU and the TCP echo server are measured apart.
// 200 connections in closed loops of 50 B echoes; alternating runs; medians.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { fmt, HOST, median, printTable, QUICK, row, saveRows } from './lib/common.mjs';
import { bridgeCli, freePort, startTcpEcho, treeCpuSeconds } from './lib/servers.mjs';

const CONNS = 200;
const REPS = QUICK ? 1 : 5;
const WARMUP_MS = 1500;
const WINDOW_MS = QUICK ? 2000 : 4000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function health(port) {
  return new Promise((resolve) => {
    const req = request({ host: HOST, port, path: '/healthz', agent: false }, (res) => {
      let body = '';
      res
        .setEncoding('utf8')
        .on('data', (d) => (body += d))
        .on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch {
            resolve(undefined);
          }
        });
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

async function startFleet(tcpPort, workers) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      await bridgeCli(),
      '--listen',
      `${HOST}:${port}`,
      '--target',
      `${HOST}:${tcpPort}`,
      '--quiet',
      '--workers',
      String(workers),
      '--max-per-ip',
      '100000',
      '--max-connections',
      '100000',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 30_000;
  // One process answers /healthz at once; a fleet once every worker listens.
  for (;;) {
    const h = await health(port);
    if (h && (workers === 1 || h.workers === workers)) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`bridge --workers ${workers} did not start`);
    await sleep(100);
  }
  return {
    url: `ws://${HOST}:${port}/`,
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function measure(tcpPort, workers) {
  const bridge = await startFleet(tcpPort, workers);
  try {
    const client = spawn(
      process.execPath,
      [
        new URL('./lib/load-client.mjs', import.meta.url).pathname,
        bridge.url,
        String(CONNS),
        String(WARMUP_MS),
        String(WINDOW_MS),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let cpu0 = 0;
    let out = '';
    const result = await new Promise((resolve, reject) => {
      client.stdout.setEncoding('utf8').on('data', (d) => {
        out += d;
        if (out.includes('window\n') && cpu0 === 0) cpu0 = treeCpuSeconds(bridge.pid);
        const last = out.trim().split('\n').at(-1);
        if (last.startsWith('{')) resolve({ ...JSON.parse(last), bridgeCpuS: treeCpuSeconds(bridge.pid) - cpu0 });
      });
      client.once('exit', (code) => code !== 0 && reject(new Error(`load client exited ${code}`)));
    });
    return {
      echoesPerS: result.echoes / result.seconds,
      bridgeCpuPerS: result.bridgeCpuS / result.seconds,
      clientCpuPerS: result.cpuS / result.seconds,
    };
  } finally {
    await bridge.stop();
  }
}

export async function main() {
  const tcp = await startTcpEcho();
  const runs = { 1: [], 2: [] };
  console.log(
    `${availableParallelism()} cores (shared machine), Node ${process.version}; ${CONNS} connections in closed loops of 50 B echoes, ${WINDOW_MS / 1000} s windows after ${WARMUP_MS / 1000} s warm-up, ${REPS} alternating repetitions`,
  );
  try {
    for (let rep = 0; rep < REPS; rep++) {
      for (const workers of rep % 2 === 0 ? [1, 2] : [2, 1]) {
        const r = await measure(tcp.port, workers);
        r.load = loadavg()[0];
        runs[workers].push(r);
        console.log(
          `  --workers ${workers}: ${fmt(r.echoesPerS).padStart(8)} echoes/s; CPU cores busy: bridge ${r.bridgeCpuPerS.toFixed(2)}, load client ${r.clientCpuPerS.toFixed(2)}; machine load average ${r.load.toFixed(1)}`,
        );
      }
    }
  } finally {
    await tcp.stop();
  }
  const med = (w, field) => median(runs[w].map((r) => r[field]));
  const spread = (w) =>
    `${fmt(Math.min(...runs[w].map((r) => r.echoesPerS)))}-${fmt(Math.max(...runs[w].map((r) => r.echoesPerS)))}`;
  const rows = [
    row({
      name: `bridge: echoes/s, --workers 2 vs 1, ${CONNS} conns`,
      unit: 'msg/s',
      ours: med(2, 'echoesPerS'),
      baseline: med(1, 'echoesPerS'),
      baselineName: '--workers 1',
      // Two cores shared with the load client and the echo server: more than one worker's worth is the bar.
      minRatio: 1.1,
      note:
        `${availableParallelism()} cores, load average ${fmt(median([...runs[1], ...runs[2]].map((r) => r.load)))} during the runs; ${REPS} runs each, range ${spread(2)} (2 workers) and ${spread(1)} (1 worker); ` +
        `median CPU cores busy: bridge ${med(2, 'bridgeCpuPerS').toFixed(2)} vs ${med(1, 'bridgeCpuPerS').toFixed(2)}, load client (own process) ${med(2, 'clientCpuPerS').toFixed(2)} vs ${med(1, 'clientCpuPerS').toFixed(2)}`,
    }),
  ];
  console.log('');
  printTable(rows);
  saveRows(rows);
  return rows;
}

await main();
