// Idle memory: many connections opened through a relay, each does one echo, then they
// sit idle. The figure is the PSS of the relay's process tree above what it was with
// none open, per connection. websockify forks a Python process per connection, so it
// holds fewer (its cost is per process: per connection it does not depend on the count).
import type { Socket } from 'node:net';
import { startTcpEchoProcess } from '../test/servers/tcp-echo.js';
import { ECHO_PAYLOAD } from './messages.js';
import type { Settings } from './options.js';
import { treePssBytes } from './process-tree.js';
import { countZeros, maskedFrame, rawConnect } from './raw-ws-client.js';
import { startBridge, startWebsockifyTarget, WEBSOCKIFY, type Target } from './relays.js';
import { fmt, row, type Row } from './report.js';

const FRAME = maskedFrame(ECHO_PAYLOAD);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens `n` connections, 200 handshakes at a time, each echoing once. */
async function openEchoed(url: string, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, async () => {
      const socket = await rawConnect(url);
      await new Promise<void>((resolve) => {
        countZeros(socket, () => resolve());
        socket.write(FRAME);
      });
      return socket;
    });
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

const closeAll = (sockets: Socket[]) =>
  Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve()).destroy())));

/** KiB of PSS per idle connection that `relay` holds. */
async function perConnection(relay: Target, n: number): Promise<number> {
  try {
    // The baseline after one connection came and went: code loaded on first use counts once, not per connection.
    await closeAll(await openEchoed(relay.url!, 1));
    await sleep(1000);
    const before = treePssBytes(relay.pid!);
    const t0 = performance.now();
    const sockets = await openEchoed(relay.url!, n);
    const openS = (performance.now() - t0) / 1000;
    await sleep(2000);
    const after = treePssBytes(relay.pid!);
    await closeAll(sockets);
    const kib = (after - before) / n / 1024;
    console.log(
      `  ${relay.name.padEnd(12)} ${fmt(kib)} KiB per connection (PSS ${fmt(before / 2 ** 20)} -> ${fmt(after / 2 ** 20)} MiB with ${n} open, opened in ${openS.toFixed(1)} s)`,
    );
    return kib;
  } finally {
    await relay.stop();
  }
}

export async function runMemory(settings: Settings): Promise<Row[]> {
  const { memory, priority } = settings;
  const echo = await startTcpEchoProcess();
  try {
    console.log(
      `idle connections, each after one echo: ${memory.idle} for our bridge, ${memory.idleWebsockify} for websockify`,
    );
    const ours = await perConnection(await startBridge(echo.port, priority), memory.idle);
    const websockify = await startWebsockifyTarget(echo.port, priority);
    const theirs = websockify ? await perConnection(websockify, memory.idleWebsockify) : null;
    return [
      row({
        name: `memory: per idle connection (PSS), ${memory.idle} held, vs ${WEBSOCKIFY}`,
        unit: 'KiB',
        ours,
        baseline: theirs,
        baselineName: `${WEBSOCKIFY} (${memory.idleWebsockify} held)`,
        higherIsBetter: false,
        maxOurs: 16,
      }),
    ];
  } finally {
    await echo.stop();
  }
}
