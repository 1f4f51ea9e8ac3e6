// Throwaway consumer projects: a temp folder with a package.json and some files, into
// which the packed tarball is installed exactly as a user would (`npm install
// <tarball>`). Build tools (vite, webpack, esbuild, typescript) come from this
// repository's devDependencies, so the tests stay fast and offline; the library itself
// comes only from the tarball.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export interface Project {
  name: string;
  dir: string;
}

/** Writes the project's files, then installs the tarball (and `extra` packages) into it. */
export async function consumerProject(
  parent: string,
  name: string,
  tarball: string,
  files: Record<string, string>,
  { type = 'module', extra = [] as string[] } = {},
): Promise<Project> {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `consumer-${name}`, private: true, version: '1.0.0', type }, null, 2)}\n`,
  );
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  await run('npm', ['install', tarball, ...extra, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { name, dir };
}
