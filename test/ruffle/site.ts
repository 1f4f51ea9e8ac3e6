// The site the Ruffle tests and the Ruffle benchmark serve from the bridge (--static):
// the SWF compiled from ChatClient.hx with Debian's haxe, self-hosted Ruffle from its
// npm package, the library's script-tag build and the test page. Built into a temporary
// folder at each run; nothing generated is kept in the repository.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const HERE = import.meta.dirname;
const ROOT = join(HERE, '..', '..');

/** Compiles ChatClient.hx to an AVM2 SWF at `file` (haxe's flash target; SWF version 11). */
export function buildSwf(file: string): void {
  try {
    execFileSync(
      'haxe',
      ['-cp', HERE, '-main', 'ChatClient', '-swf', file, '-swf-version', '11', '-swf-header', '320:240:30:FFFFFF'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (code === 'ENOENT') throw new Error('haxe not found: install it (apt-get install haxe)', { cause: error });
    throw new Error(`haxe could not compile ChatClient.hx:\n${stderr?.toString() ?? String(error)}`, { cause: error });
  }
}

/** Where npm put @ruffle-rs/ruffle (ruffle.js, its core scripts and .wasm files). */
function rufflePackage(): string {
  return dirname(createRequire(import.meta.url).resolve('@ruffle-rs/ruffle/package.json'));
}

export interface Site {
  dir: string;
  remove(): void;
}

/**
 * Assembles the site in a temporary folder. The library's script-tag build is
 * `library` (its code) when given, else dist/xmlsocket.min.js (run after a build).
 */
export function buildSite(library?: string): Site {
  const built = join(ROOT, 'dist', 'xmlsocket.min.js');
  if (library === undefined && !existsSync(built)) {
    throw new Error('dist/xmlsocket.min.js is missing: build first (npm run build)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ruffle-site-'));
  try {
    buildSwf(join(dir, 'chat-client.swf'));
    if (library === undefined) copyFileSync(built, join(dir, 'xmlsocket.min.js'));
    else writeFileSync(join(dir, 'xmlsocket.min.js'), library);
    copyFileSync(join(HERE, 'page.html'), join(dir, 'index.html'));
    // Copies, not links: the bridge serves nothing whose real path leaves its folder.
    const ruffle = rufflePackage();
    mkdirSync(join(dir, 'ruffle'));
    for (const name of readdirSync(ruffle)) {
      if (/\.(js|wasm)$/.test(name)) copyFileSync(join(ruffle, name), join(dir, 'ruffle', name));
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
