// Starting and stopping the child processes that the tests and the benchmarks run
// (echo servers, bridges from the CLI, Debian's websockify and HAProxy), in one place. Each one is
// stopped by its own pid when asked; any still running when this process exits is
// killed, so a failed test or benchmark leaves nothing behind.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOST = '127.0.0.1';
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A child process this module started. */
export interface Started {
  child: ChildProcess;
  pid: number;
  /** SIGTERM, then SIGKILL if it has not gone within `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Spawns `command`; the process is stopped on `stop()` or when this process exits. */
export function start(command: string, args: readonly string[], options: SpawnOptions = {}): Started {
  const child = spawn(command, args, options);
  running.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    // A command that cannot start emits 'error' and never 'exit'.
    child.once('error', () => resolve());
  });
  void exited.then(() => running.delete(child));
  return {
    child,
    pid: child.pid ?? -1,
    async stop(graceMs = 5000) {
      if (!hasExited(child) && child.pid !== undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A TypeScript or JavaScript file run by this Node, through tsx, from the project's root. */
export function startNodeScript(script: string, args: readonly string[] = [], options: SpawnOptions = {}): Started {
  return start(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, ...options });
}

/** The first line a child writes on stdout (its stdout must be a pipe); rejects if it exits first. */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (data: Buffer) => {
      text += data.toString();
      const end = text.indexOf('\n');
      if (end === -1) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining whatever it writes next
      resolve(text.slice(0, end));
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${child.spawnfile} exited (${code}) before writing a line`)));
    child.once('error', reject);
  });
}

/** Resolves once something accepts TCP connections on `port`; rejects if `child` exits or `timeoutMs` passes. */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const probe = net.connect(port, HOST, () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (open) return;
    if (hasExited(child) || Date.now() > deadline)
      throw new Error(`${child.spawnfile} did not listen on ${HOST}:${port} (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port free right now, for a server that cannot pick its own (websockify). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Where `command` is installed (Debian's /usr/bin or /usr/sbin, or on PATH), or null. */
function installed(command: string): string | null {
  const dirs = ['/usr/bin', '/usr/sbin', ...(process.env.PATH ?? '').split(':')];
  const dir = dirs.find((d) => d && existsSync(join(d, command)));
  return dir ? join(dir, command) : null;
}

/** Whether Debian's websockify (or one on PATH) is installed. */
export function hasWebsockify(): boolean {
  return installed('websockify') !== null;
}

/** Whether HAProxy is installed (Debian's /usr/sbin/haproxy, or one on PATH). */
export function hasHaproxy(): boolean {
  return installed('haproxy') !== null;
}

/** Debian's websockify on `port`, relaying to the TCP server on `tcpPort`: the relay nobody here wrote. */
export async function startWebsockify(tcpPort: number, port: number): Promise<Started & { url: string }> {
  const started = start('websockify', [`${HOST}:${port}`, `${HOST}:${tcpPort}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => (output += d.toString());
  started.child.stderr!.on('data', collect);
  try {
    await waitForPort(port, started.child, 10_000);
  } catch (error) {
    await started.stop();
    throw new Error(`websockify did not start: ${output.trim() || String(error)} (is Debian's websockify installed?)`, {
      cause: error,
    });
  }
  // It logs every connection: drained, not kept.
  started.child.stderr!.off('data', collect).resume();
  return { ...started, url: `ws://${HOST}:${port}/` };
}

/**
 * HAProxy on `port` in TCP mode, relaying to the TCP server on `tcpPort`, from a minimal
 * configuration written to a folder of its own (removed on `stop()`), in the foreground
 * (`-db`). One thread, as our bridge has one event loop without `--workers`.
 */
export async function startHaproxy(tcpPort: number, port: number): Promise<Started> {
  const haproxy = installed('haproxy');
  if (!haproxy) throw new Error('HAProxy is not installed (apt-get install haproxy)');
  const dir = mkdtempSync(join(tmpdir(), 'haproxy-'));
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  nbthread 1',
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      'listen relay',
      `  bind ${HOST}:${port}`,
      `  server echo ${HOST}:${tcpPort}`,
      '',
    ].join('\n'),
  );
  const started = start(haproxy, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => (output += d.toString());
  started.child.stderr!.on('data', collect);
  const stop = async (graceMs?: number) => {
    await started.stop(graceMs);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, started.child, 10_000);
  } catch (error) {
    await stop();
    throw new Error(`HAProxy did not start: ${output.trim() || String(error)}`, { cause: error });
  }
  started.child.stderr!.off('data', collect).resume();
  return { ...started, stop };
}
