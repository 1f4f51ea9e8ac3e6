// Descriptor exhaustion in a --workers fleet: under a lowered open-file limit (ulimit -n
// 128 in a child shell), rounds of hundreds of idle sockets are opened and closed. The
// limits are lowered at start to fit, said in the log; the sockets beyond them are
// closed at once; and between rounds the fleet answers /healthz and serves a real client.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { closed, echo, HOST, httpGet, openWs, tcpServer, type TcpServer } from '../bridge/helpers.js';
import { countLines, spawnBridge, type BridgeProcess } from './arena.js';

let target: TcpServer;
let fleet: BridgeProcess;
before(async () => {
  target = await tcpServer(echo);
  fleet = await spawnBridge(['--target', target.address, '--workers', '2', '--headers-timeout', '1'], 'ulimit -n 128');
});
after(async () => {
  await fleet.stop();
  await target.close();
});

/** A fleet that stopped serving hangs rather than failing: give up on an answer after `ms`. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** Opens `n` sockets that send nothing, holds them `holdMs`, then closes them. */
async function idleSockets(n: number, holdMs: number): Promise<void> {
  const sockets = Array.from({ length: n }, () => {
    const s = net.connect(fleet.port, HOST);
    s.on('error', () => {});
    s.resume();
    return s;
  });
  await new Promise((r) => setTimeout(r, holdMs));
  for (const s of sockets) s.destroy();
}

test('a fleet at its descriptor limit serves again once descriptors are free', { timeout: 120_000 }, async () => {
  assert.ok(
    fleet.lines.some((l) => l.event === 'warning' && /open-file limit of 128/.test(String(l.message))),
    'the lowered limits are logged',
  );
  for (let round = 1; round <= 3; round++) {
    await idleSockets(600, 2500);
    await new Promise((r) => setTimeout(r, 500));
    const health = await within(10_000, `/healthz after round ${round}`, httpGet(fleet.port, '/healthz'));
    assert.equal(health.status, 200, `round ${round}: /healthz`);
    const ws = await within(10_000, `a handshake after round ${round}`, openWs(`ws://${HOST}:${fleet.port}/`));
    const echoed = new Promise<string>((resolve) => ws.once('message', (d: Buffer) => resolve(d.toString())));
    ws.send(`<round n="${round}"/>`);
    assert.equal(await within(10_000, 'an echo', echoed), `<round n="${round}"/>`, `round ${round}: echo`);
    ws.close();
    await closed(ws);
  }
  assert.ok(countLines(fleet.lines, 'refused', 'max_handshakes') > 0, 'sockets beyond the limit were refused');
  fleet.assertAlive();
});
