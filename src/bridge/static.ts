/**
 * `--static DIR`: serves the game page and its assets on the bridge's port.
 *
 * Safe against path traversal: the decoded path may not contain a segment that starts
 * with a dot (`..`, and hidden files such as `.env` or `.git/`), NUL or backslashes, and
 * the real path of the file (symlinks followed) must still lie inside the real path of
 * the directory.
 */
import { createReadStream, promises as fs, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { BridgeError } from './errors.js';

/** Content types by extension; anything else is served as application/octet-stream. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.wasm': 'application/wasm',
  '.swf': 'application/x-shockwave-flash',
  '.woff2': 'font/woff2',
};

/** Serves files from one directory. */
export class StaticFiles {
  private readonly root: string;
  private realRoot: string | undefined;

  /** @throws {BridgeError} `ERR_BRIDGE_STATIC_DIR` when `dir` is not a directory. */
  constructor(dir: string) {
    this.root = resolve(dir);
    let isDir: boolean;
    try {
      isDir = statSync(this.root).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir)
      throw new BridgeError('ERR_BRIDGE_STATIC_DIR', `static directory ${dir} does not exist or is not a directory`);
  }

  /** Answers a GET or HEAD for `pathname` (still percent-encoded); 404 if there is no such file. */
  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const file = await this.find(pathname);
    if (!file) {
      sendText(res, 404, 'not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': file.size,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  }

  private async find(pathname: string): Promise<{ path: string; size: number } | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((part) => part.startsWith('.'))) {
      return undefined;
    }
    this.realRoot ??= await fs.realpath(this.root);
    let path = join(this.root, decoded);
    try {
      let stat = await fs.stat(path);
      if (stat.isDirectory()) {
        path = join(path, 'index.html');
        stat = await fs.stat(path);
      }
      if (!stat.isFile()) return undefined;
      const real = await fs.realpath(path);
      // A symlink inside the directory must not lead out of it.
      if (real !== this.realRoot && !real.startsWith(this.realRoot + sep)) return undefined;
      return { path: real, size: stat.size };
    } catch {
      return undefined;
    }
  }
}

/** Sends a short plain-text answer. */
export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}
