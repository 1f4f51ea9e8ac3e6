// The game servers of the docs that read the bridge's PROXY header (blocks marked
// ```js game-server or ```python game-server): saved as a user would save them and
// started with PORT set, their `player ADDRESS port PORT` lines collected. Used by
// game-servers.test.ts and by the fleet suite's chain through HAProxy.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, HOST, start, waitForPort, type Started } from '../servers/processes.js';
import { allBlocks, where, type Block } from './markdown.js';

export const gameServerBlocks = (): Block[] => allBlocks().filter((b) => b.markers.includes('game-server'));

/** How each language's block is saved and run. */
const RUNNERS: Record<string, { command: string; extension: string }> = {
  js: { command: process.execPath, extension: 'mjs' },
  python: { command: 'python3', extension: 'py' },
};

export interface Player {
  address: string;
  port: number;
}

export interface GameServer extends Started {
  address: string;
  /** The players it has logged so far, in order. */
  players(): Player[];
  stdout(): string;
  stderr(): string;
}

/** Saves `block` in `dir` and runs it on a free port; resolves once it accepts connections. */
export async function startGameServer(block: Block, dir: string): Promise<GameServer> {
  const runner = RUNNERS[block.lang];
  assert.ok(runner, `${where(block)}: no way to run a ${block.lang} game server`);
  const file = join(dir, `game-server-${block.file.replace(/\W+/g, '-')}-${block.line}.${runner.extension}`);
  writeFileSync(file, block.code);
  const port = await freePort();
  const started = start(runner.command, [file], {
    cwd: dir,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  started.child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  started.child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await waitForPort(port, started.child).catch((err: Error) => {
    throw new Error(`${where(block)}: ${err.message}\n${stdout}${stderr}`);
  });
  return {
    ...started,
    address: `${HOST}:${port}`,
    players: () =>
      [...stdout.matchAll(/^player (\S+) port (\d+)$/gm)].map((m) => ({ address: m[1]!, port: Number(m[2]) })),
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
