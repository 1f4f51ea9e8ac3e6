// Three bridges behind Debian's nginx, HAProxy in HTTP mode, and HAProxy in TCP mode
// with the PROXY protocol, each configured from the committed template in deploy/.
// 320 players from 20 loopback addresses echo through; one bridge is SIGKILLed; the
// players on the other bridges keep echoing, new players reach only live bridges, and
// the bridges' limits and logs see each player's own address, never the balancer's.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { echo, tcpServer, waitFor } from '../bridge/helpers.js';
import {
  connectPlayer,
  echoOnce,
  pollUntil,
  startBridgeProcess,
  startHaproxy,
  startNginx,
  type Balancer,
  type BridgeProcess,
  type LogLine,
  type Player,
} from './harness.js';

const ADDRESSES = Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 2}`);
const PER_ADDRESS = 16;
const PLAYERS = ADDRESSES.length * PER_ADDRESS; // 320
/** Above PER_ADDRESS, far below what one balancer address would need (PLAYERS / 3). */
const MAX_PER_IP = 20;
const GREEDY = '127.0.0.200';
const LATECOMERS = Array.from({ length: 30 }, (_, i) => `127.0.1.${i + 1}`);

type Kind = 'nginx' | 'haproxy-http' | 'haproxy-tcp';

const opens = (b: BridgeProcess) => b.lines.filter((l) => l.event === 'open');

/** Opens players `batch` at a time. */
async function connectAll(port: number, from: string[]): Promise<Player[]> {
  const players: Player[] = [];
  for (let i = 0; i < from.length; i += 40)
    players.push(...(await Promise.all(from.slice(i, i + 40).map((a) => connectPlayer(port, a)))));
  return players;
}

async function scenario(kind: Kind): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `fleet-${kind}-`));
  const server = await tcpServer(echo);
  const bridges: BridgeProcess[] = [];
  const players: Player[] = [];
  let lb: (Balancer & { errorLog?: () => string; serverStatus?: () => Promise<Map<string, string>> }) | undefined;
  try {
    const addressFlag = kind === 'haproxy-tcp' ? '--proxy-protocol' : '--trust-proxy';
    // Behind HAProxy TCP, one of the live bridges is itself a --workers 2 cluster: the
    // PROXY header is read by whichever worker the connection lands on.
    const extra = (i: number) => (kind === 'haproxy-tcp' && i === 1 ? ['--workers', '2'] : []);
    bridges.push(
      ...(await Promise.all(
        [0, 1, 2].map((i) =>
          startBridgeProcess([
            '--target',
            server.address,
            addressFlag,
            '--max-per-ip',
            String(MAX_PER_IP),
            '--verbose',
            ...extra(i),
          ]),
        ),
      )),
    );
    const ports = bridges.map((b) => b.port);
    lb =
      kind === 'nginx'
        ? await startNginx(dir, ports)
        : await startHaproxy(dir, kind === 'haproxy-http' ? 'haproxy.cfg' : 'haproxy-tcp.cfg', ports);
    if (lb.serverStatus) {
      const status = lb.serverStatus;
      await pollUntil(
        async () => [...(await status()).values()].filter((v) => v === 'UP').length === 3,
        'HAProxy sees 3 bridges UP',
      );
    }

    // 320 players from 20 addresses, every one echoing.
    players.push(
      ...(await connectAll(
        lb.port,
        ADDRESSES.flatMap((a) => Array<string>(PER_ADDRESS).fill(a)),
      )),
    );
    assert.equal(players.length, PLAYERS);
    assert.deepEqual(
      await Promise.all(players.map((p, i) => echoOnce(p, `<hello n="${i}"/>\0`))),
      players.map(() => true),
    );
    await waitFor(
      () => bridges.reduce((n, b) => n + opens(b).length, 0) === PLAYERS,
      'an open line per player',
      30_000,
    );
    for (const b of bridges) assert.ok(opens(b).length > 0, `bridge ${b.port} got no players`);
    if (kind === 'haproxy-tcp')
      assert.equal(
        new Set(opens(bridges[1]!).map((l) => l.worker)).size,
        2,
        'both workers of the cluster bridge got players',
      );
    // The bridges see the players' addresses, never the balancer's 127.0.0.1: with
    // MAX_PER_IP 20, counting the balancer would have refused most of the 320.
    const seen = new Set(bridges.flatMap((b) => opens(b).map((l) => l.ip)));
    assert.deepEqual([...seen].sort(), [...ADDRESSES].sort());

    // --max-per-ip still bites for one address: 61 connections over 3 bridges put at
    // least 21 on one of them.
    const greedy = await Promise.allSettled(
      Array.from({ length: 3 * MAX_PER_IP + 1 }, () => connectPlayer(lb!.port, GREEDY)),
    );
    const refusedStatuses = greedy
      .filter((r) => r.status === 'rejected')
      .map((r) => (r.reason as { status?: number }).status);
    assert.ok(refusedStatuses.length > 0, 'no greedy connection was refused');
    assert.deepEqual(new Set(refusedStatuses), new Set([429]));
    const refusals = bridges.flatMap((b) => b.lines.filter((l) => l.event === 'refused' && l.reason === 'max_per_ip'));
    assert.ok(
      refusals.length > 0 && refusals.every((l: LogLine) => l.ip === GREEDY),
      JSON.stringify(refusals.slice(0, 3)),
    );
    for (const r of greedy) if (r.status === 'fulfilled') r.value.ws.terminate();

    // SIGKILL one bridge: its players are cut, everyone else keeps echoing.
    const [victim, ...live] = bridges as [BridgeProcess, ...BridgeProcess[]];
    const onVictim = opens(victim).filter((l) => l.ip !== GREEDY).length;
    assert.ok(onVictim > 0);
    victim.child.kill('SIGKILL');
    await victim.exited;
    await waitFor(
      () => players.filter((p) => p.closeCode !== undefined).length === onVictim,
      `the victim's ${onVictim} players cut`,
      60_000,
    );
    const survivors = players.filter((p) => p.closeCode === undefined);
    assert.equal(survivors.length, PLAYERS - onVictim);
    assert.deepEqual(
      await Promise.all(survivors.map((p, i) => echoOnce(p, `<again n="${i}"/>\0`))),
      survivors.map(() => true),
    );
    assert.equal(players.filter((p) => p.closeCode !== undefined).length, onVictim, 'a survivor was cut');

    // New players reach only the live bridges.
    if (lb.serverStatus) {
      // HAProxy: once the active check has marked the dead bridge DOWN.
      const status = lb.serverStatus;
      await pollUntil(async () => (await status()).get('bridge1') === 'DOWN', 'HAProxy marks the dead bridge DOWN');
      assert.equal([...(await status()).values()].filter((v) => v === 'UP').length, 2);
    }
    const liveOpensBefore = live.reduce((n, b) => n + opens(b).length, 0);
    const latecomers = await connectAll(lb.port, LATECOMERS);
    players.push(...latecomers);
    assert.deepEqual(
      await Promise.all(latecomers.map((p) => echoOnce(p, '<late/>\0'))),
      latecomers.map(() => true),
    );
    await waitFor(
      () => live.reduce((n, b) => n + opens(b).length, 0) === liveOpensBefore + LATECOMERS.length,
      'latecomers on live bridges',
      30_000,
    );
    if (lb.errorLog) {
      // nginx OSS has no active check: the first latecomer sent to the dead bridge was
      // refused there, retried on a live one (proxy_next_upstream), and the dead bridge
      // marked failed for fail_timeout (max_fails=1). The error log shows it.
      const log = lb.errorLog();
      assert.match(
        log,
        new RegExp(
          `connect\\(\\) failed \\(111: Connection refused\\) while connecting to upstream.*127\\.0\\.0\\.1:${victim.port}`,
        ),
      );
    }
    // The bridges' connection lines carry the players' addresses too.
    const ended = live.flatMap((b) => b.lines.filter((l) => l.event === 'connection'));
    for (const p of players) if (p.closeCode === undefined) p.ws.close();
    await waitFor(
      () =>
        live.reduce((n, b) => n + b.lines.filter((l) => l.event === 'connection').length, 0) >=
        ended.length + survivors.length + LATECOMERS.length,
      'connection lines',
      60_000,
    );
    const endedIps = new Set(live.flatMap((b) => b.lines.filter((l) => l.event === 'connection').map((l) => l.ip)));
    assert.ok(!endedIps.has('127.0.0.1'), 'a connection line names the balancer');
    assert.ok(LATECOMERS.every((a) => endedIps.has(a)));
    // HAProxy's health checks carry a PROXY header too (check-send-proxy): none was refused.
    assert.deepEqual(
      bridges.flatMap((b) => b.lines.filter((l) => l.reason === 'proxy_protocol')),
      [],
    );
  } finally {
    for (const p of players) p.ws.terminate();
    await lb?.stop();
    // SIGTERM, so a --workers primary takes its workers down with it.
    for (const b of bridges) if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGTERM');
    const guard = setTimeout(
      () => bridges.forEach((b) => b.child.exitCode === null && b.child.kill('SIGKILL')),
      20_000,
    );
    await Promise.all(bridges.map((b) => b.exited));
    clearTimeout(guard);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('nginx (deploy/nginx.conf): 320 players over 3 bridges, one SIGKILLed; passive failover; real addresses via X-Forwarded-For', () =>
  scenario('nginx'));
test('HAProxy HTTP mode (deploy/haproxy.cfg): /healthz checks take the dead bridge out; real addresses via X-Forwarded-For', () =>
  scenario('haproxy-http'));
test('HAProxy TCP mode (deploy/haproxy-tcp.cfg): send-proxy-v2 to --proxy-protocol bridges; real addresses via the PROXY header', () =>
  scenario('haproxy-tcp'));
