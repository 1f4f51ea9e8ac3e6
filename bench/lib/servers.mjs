// The processes the bridge benchmarks measure: a TCP echo server, our bridge (its
// CLI, as a child process), Debian's websockify, a direct WebSocket echo; and the
// /proc readings of a process tree (CPU time, PSS).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { build, BUILD_DIR, HOST } from './common.mjs';

/**
 * Scheduling priority for the measured processes (the echo server, every relay, the
 * benchmark's own client), or null to leave it alone. On a machine shared with other
 * work, a raised priority (negative nice; needs root or CAP_SYS_NICE) keeps bursts of
 * unrelated load from landing in the measured tail; it applies to every target alike
 * (websockify's per-connection workers inherit it when they fork). Set with
 * `--priority N` / `--no-priority`, default -10.
 */
const priorityAt = process.argv.indexOf('--priority');
export const PRIORITY = process.argv.includes('--no-priority')
  ? null
  : priorityAt === -1
    ? -10
    : Number(process.argv[priorityAt + 1]);
let priorityWarned = false;
export function prioritize(pid = 0) {
  if (PRIORITY === null) return;
  try {
    setPriority(pid, PRIORITY);
  } catch (err) {
    if (!priorityWarned)
      console.log(
        `note: could not set nice ${PRIORITY} on measured processes (${err.code ?? err.message}); figures will be noisier`,
      );
    priorityWarned = true;
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, what) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const probe = net.connect(port, HOST, () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (ok) return;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`${what} did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Every process started here is stopped when the benchmark exits, even on an error.
const started = new Set();
process.on('exit', () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

function stopper(child) {
  started.add(child);
  const exited = new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  return async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
}

/** A Node script in its own process that prints its port on stdout. */
async function startPortPrinter(script, args, what) {
  const child = spawn(process.execPath, [new URL(script, import.meta.url).pathname, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', () => reject(new Error(`${what} exited`)));
  });
  prioritize(child.pid);
  return { port, pid: child.pid, stop: stopper(child) };
}

export function startTcpEcho() {
  return startPortPrinter('./tcp-echo.mjs', [], 'TCP echo server');
}

/** Any WebSocket-to-TCP relay script: `node SCRIPT TCP_PORT` prints its port. */
export async function startScriptRelay(script, tcpPort) {
  const relay = await startPortPrinter(new URL(script, `file://${process.cwd()}/`).href, [String(tcpPort)], script);
  return { ...relay, name: script.replace(/^.*\//, ''), url: `ws://${HOST}:${relay.port}/` };
}

/** The raw Node TCP-to-TCP relay (bench/lib/raw-relay.mjs) in front of `tcpPort`. */
export async function startRawRelay(tcpPort) {
  const relay = await startPortPrinter('./raw-relay.mjs', [String(tcpPort)], 'raw relay');
  return { ...relay, name: 'raw Node relay' };
}

let cliPath;
/** Our bridge's CLI, built from the current sources into bench/.build (not dist/, which others share). */
export async function bridgeCli() {
  if (!cliPath) {
    await build(
      (c) =>
        typeof c.input === 'object' &&
        'cli' in c.input &&
        c.output?.format === 'es' &&
        !String(c.output.entryFileNames).endsWith('.d.ts'),
      { write: true },
    );
    cliPath = join(BUILD_DIR, 'cli.js');
  }
  return cliPath;
}

/** `node cli.js --listen ... --target ... --quiet`, with the per-IP and total limits raised for a load test from one address. */
export async function startBridge(tcpPort, { gcDiagnostic = false, cli, name = 'our bridge' } = {}) {
  const port = await freePort();
  const node = gcDiagnostic ? ['--expose-gc', '--require', new URL('./gc-preload.cjs', import.meta.url).pathname] : [];
  const child = spawn(
    process.execPath,
    [
      ...node,
      cli ?? (await bridgeCli()),
      '--listen',
      `${HOST}:${port}`,
      '--target',
      `${HOST}:${tcpPort}`,
      '--quiet',
      '--max-per-ip',
      '100000',
      '--max-connections',
      '100000',
    ],
    { stdio: ['ignore', 'inherit', gcDiagnostic ? 'pipe' : 'inherit'] },
  );
  prioritize(child.pid);
  await waitForPort(port, child, 'xmlsocket-bridge');
  const bridge = { name, url: `ws://${HOST}:${port}/`, pid: child.pid, stop: stopper(child) };
  if (gcDiagnostic) {
    // Forces a full GC in the bridge and returns process.memoryUsage() from there.
    bridge.collect = () =>
      new Promise((resolve) => {
        const onData = (d) => {
          const m = /GC-DIAGNOSTIC (.*)/.exec(String(d));
          if (!m) return;
          child.stderr.off('data', onData);
          resolve(JSON.parse(m[1]));
        };
        child.stderr.on('data', onData);
        child.kill('SIGUSR2');
      });
  }
  return bridge;
}

export function hasWebsockify() {
  return (
    existsSync('/usr/bin/websockify') ||
    (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, 'websockify')))
  );
}

export async function startWebsockify(tcpPort) {
  const port = await freePort();
  const child = spawn('websockify', [`${HOST}:${port}`, `${HOST}:${tcpPort}`], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  prioritize(child.pid);
  await waitForPort(port, child, 'websockify');
  return { name: 'websockify', url: `ws://${HOST}:${port}/`, pid: child.pid, stop: stopper(child) };
}

/** A WebSocket server that echoes every frame: no relay at all, the floor. */
export async function startDirectEcho() {
  const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  return {
    name: 'direct WebSocket echo',
    url: `ws://${HOST}:${wss.address().port}/`,
    stop: () => new Promise((resolve) => wss.close(resolve)),
  };
}

/** The pid and every descendant, from /proc. */
export function processTree(root) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // gone already
    }
  }
  const tree = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop();
    tree.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return tree;
}

const TICKS = 100; // USER_HZ on Linux

/**
 * CPU seconds (user + system) of a process tree: each live process's own time plus
 * what it collected from children that ended (cutime, cstime), so forked workers that
 * already exited still count.
 */
export function treeCpuSeconds(root) {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // exited between listing and reading
    }
  }
  return ticks / TICKS;
}

/** Proportional set size of a process tree, bytes (shared pages split among sharers). */
export function treePssBytes(root) {
  let kib = 0;
  let processes = 0;
  for (const pid of processTree(root)) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) {
        kib += Number(m[1]);
        processes++;
      }
    } catch {
      // exited
    }
  }
  return { bytes: kib * 1024, processes };
}
