// 10,000 concurrent connections, each echoing, with the bridge's RSS per connection,
// CPU and p99 echo latency reported.
//
// A bridged connection holds two file descriptors and every process here is capped
// at 20,000, so no one process can hold all 10,000: two bridge processes (the CLI,
// 5,000 pairs each), one echo target process (10,000 sockets) and two load-client
// processes (5,000 WebSockets each, spread over both bridges).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { httpGet } from '../bridge/helpers.js';
import { report } from '../faults/ledger.js';
import { firstLine, start, startNodeScript, type Started } from '../servers/processes.js';
import { startTcpEchoProcess } from '../servers/tcp-echo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const CONNECTIONS = Number(process.env.XMLSOCKET_STRESS_CONNECTIONS ?? 10_000);
const BRIDGES = 2;
const CLIENTS = 2;
const ECHO_SECONDS = 15;
// Each connection echoes one message every 5 s (2,000 echoes/s in all), a busy game
// lobby's rate. The load clients run on the same 2 shared cores as the bridges, so
// their CPU is reported too: latency includes their scheduling delay.
const PERIOD_MS = 5000;
const PAD = 40;

type Message = { cmd: string; [k: string]: unknown };

/** Sends a command to a load client and resolves with its reply. */
function ask(child: ChildProcess, msg: Message, answer: string): Promise<Message> {
  return new Promise((resolve) => {
    const onMessage = (m: Message) => {
      if (m.cmd !== answer) return;
      child.removeListener('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send(msg);
  });
}

/** Resident memory and CPU seconds (user + system) of a process, from /proc. */
function usage(pid: number): { rss: number; cpu: number } {
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rss: rssKiB * 1024, cpu: (Number(fields[11]) + Number(fields[12])) / 100 };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

test(
  `${CONNECTIONS} concurrent connections through ${BRIDGES} bridge processes, each echoing: nothing lost, RSS/CPU/p99 reported`,
  { timeout: 600_000 },
  async (t) => {
    const children: Started[] = [];
    try {
      const target = await startTcpEchoProcess();
      children.push(target);
      const targetPort = target.port;

      const bridges: { child: ChildProcess; port: number }[] = [];
      for (let i = 0; i < BRIDGES; i++) {
        const bridge = startNodeScript(
          join(root, 'src', 'bridge', 'cli', 'cli.ts'),
          [
            '--listen',
            '127.0.0.1:0',
            '--target',
            `127.0.0.1:${targetPort}`,
            '--framing',
            'message',
            '--max-connections',
            '20000',
            '--max-per-ip',
            '20000',
            // Keepalive pings 5,000 pairs per bridge during the test; none may cut a live client.
            // 15 s: on a starved machine a load client's pong has come back 6 s late.
            '--ping-interval',
            '15',
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        children.push(bridge);
        const listening = JSON.parse(await firstLine(bridge.child)) as { address: string };
        bridges.push({ child: bridge.child, port: Number(listening.address.split(':').at(-1)) });
      }
      const urls = bridges.map((b) => `ws://127.0.0.1:${b.port}/`);
      const connectionsOpen = async () => {
        let n = 0;
        for (const b of bridges)
          n += (JSON.parse((await httpGet(b.port, '/healthz')).body.toString()) as { connections: number }).connections;
        return n;
      };
      const sumUsage = () =>
        bridges
          .map((b) => usage(b.child.pid!))
          .reduce((a, u) => ({ rss: a.rss + u.rss, cpu: a.cpu + u.cpu }), { rss: 0, cpu: 0 });

      const clients = Array.from({ length: CLIENTS }, () => {
        const c = start(process.execPath, [join(here, 'load-client.mjs')], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(c);
        return c.child;
      });
      await new Promise((r) => setTimeout(r, 500));
      const before = sumUsage();
      const clientCpu = () => clients.reduce((n, c) => n + usage(c.pid!).cpu, 0);

      const openStarted = Date.now();
      const opened = await Promise.all(
        clients.map((c) => ask(c, { cmd: 'open', urls, count: CONNECTIONS / CLIENTS }, 'opened')),
      );
      const openMs = Date.now() - openStarted;
      assert.deepEqual(
        opened.map((o) => o.failures),
        [0, 0],
        'no handshake refused',
      );
      assert.equal(
        opened.reduce((n, o) => n + (o.open as number), 0),
        CONNECTIONS,
      );
      assert.equal(await connectionsOpen(), CONNECTIONS);
      await new Promise((r) => setTimeout(r, 2000));
      const held = sumUsage();

      const clientCpuBefore = clientCpu();
      const echoStarted = Date.now();
      const echoed = await Promise.all(
        clients.map((c) => ask(c, { cmd: 'echo', seconds: ECHO_SECONDS, periodMs: PERIOD_MS, pad: PAD }, 'echoed')),
      );
      const echoWallS = (Date.now() - echoStarted) / 1000;
      const afterEcho = sumUsage();
      const clientCpuS = clientCpu() - clientCpuBefore;
      const sent = echoed.reduce((n, e) => n + (e.sent as number), 0);
      const received = echoed.reduce((n, e) => n + (e.received as number), 0);
      const mismatches = echoed.reduce((n, e) => n + (e.mismatches as number), 0);
      assert.equal(mismatches, 0, `echo mismatch: ${echoed.map((e) => e.firstMismatch).join(' ')}`);
      assert.equal(received, sent, 'every echo came back');
      assert.equal(await connectionsOpen(), CONNECTIONS, 'every connection still open after the echo phase');

      await Promise.all(clients.map((c) => ask(c, { cmd: 'close' }, 'closed')));
      const deadline = Date.now() + 60_000;
      while ((await connectionsOpen()) !== 0) {
        if (Date.now() > deadline) throw new Error('pairs left open after every client closed');
        await new Promise((r) => setTimeout(r, 200));
      }

      const latencies = echoed.flatMap((e) => e.latencies as number[]).sort((a, b) => a - b);
      const cpuS = afterEcho.cpu - held.cpu;
      report(t, {
        case: `${CONNECTIONS} concurrent connections`,
        delivered: received,
        lost: sent - received,
        bridges: BRIDGES,
        openMs,
        rssPerConnKiB: (held.rss - before.rss) / CONNECTIONS / 1024,
        bridgeRssMiB: held.rss / 1048576,
        echoesPerS: sent / ECHO_SECONDS,
        bridgeCpuPercentOfOneCore: (cpuS / echoWallS) * 100,
        bridgeCpuUsPerEcho: (cpuS / sent) * 1e6,
        loadClientsCpuPercentOfOneCore: (clientCpuS / echoWallS) * 100,
        loadAverage1m: loadavg()[0]!,
        p50ms: percentile(latencies, 50),
        p99ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? NaN,
      });
    } finally {
      await Promise.all(children.map((c) => c.stop(1000)));
    }
  },
);
