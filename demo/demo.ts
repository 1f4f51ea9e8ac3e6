// The whole demo in one call: the TCP chat server, and the bridge in front of it
// serving the pages. `npm start` (demo/start.ts) and the end-to-end tests both use it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startChatServer, type ChatServer } from './server/chat-server.js';

export const DEMO_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(DEMO_DIR, '..');
const DIST = join(ROOT, 'dist');
/** Where the pages find the library: a git-ignored copy of the built files. */
const LIB = join(DEMO_DIR, 'lib');

/** The part of `createBridge` (dist/bridge.js) the demo uses. */
interface Bridge {
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}
type CreateBridge = (options: Record<string, unknown>) => Bridge;

export interface DemoOptions {
  /** Bridge (HTTP + WebSocket) port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Bridge interface. Default 127.0.0.1: the demo is not put on the network unasked. */
  host?: string;
  /** Chat server TCP port on 127.0.0.1; 0 picks a free one. Default 0. */
  chatPort?: number;
  /** Chat server log lines. */
  chatLog?: (line: string) => void;
  /** Bridge log sink (structured lines); default: warnings and errors only, as JSON. */
  bridgeLog?: (line: Record<string, unknown>) => void;
}

export interface Demo {
  /** The AS2 page; the AS3 page is `${url}as3.html`. */
  readonly url: string;
  readonly port: number;
  /** The chat server now running, or null while stopped. */
  readonly chat: ChatServer | null;
  /** The chat server's TCP port (kept across stop and start). */
  readonly chatPort: number;
  /** Stops the chat server alone: browsers see their connections close. */
  stopChat(): Promise<void>;
  /** Starts it again on the same port. */
  startChat(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Copies the built library (dist/xmlsocket.min.js, dist/xmlsocket.js and the chunks
 * it imports) into demo/lib, which the bridge serves with the pages. Several demos may
 * run at once (npm start and the tests): each file is replaced atomically and only
 * when it changed, so a page never loads a half-written file.
 */
export function copyLibrary(): void {
  const missing = ['xmlsocket.min.js', 'xmlsocket.js'].filter((f) => !existsSync(join(DIST, f)));
  if (missing.length) throw new Error(`dist/${missing[0]} is missing: build first with "npx rollup -c"`);
  const pending = ['xmlsocket.min.js', 'xmlsocket.js'];
  const copied = new Set<string>();
  for (let file; (file = pending.pop()) !== undefined;) {
    if (copied.has(file)) continue;
    copied.add(file);
    const content = readFileSync(join(DIST, file));
    const target = join(LIB, file);
    if (!existsSync(target) || !readFileSync(target).equals(content)) {
      mkdirSync(dirname(target), { recursive: true });
      const temp = `${target}.${process.pid}.tmp`;
      writeFileSync(temp, content);
      renameSync(temp, target);
    }
    if (file.endsWith('.min.js')) continue;
    // Follow the ES module's relative imports (rollup may split shared code into chunks).
    for (const [, spec] of content.toString('utf8').matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      pending.push(join(dirname(file), spec!));
    }
  }
}

/** Starts the chat server and the bridge; resolves once both listen. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  copyLibrary();
  const bridgeFile = join(DIST, 'bridge.js');
  if (!existsSync(bridgeFile)) throw new Error('dist/bridge.js is missing: build first with "npx rollup -c"');
  const { createBridge } = (await import(pathToFileURL(bridgeFile).href)) as { createBridge: CreateBridge };

  let chat: ChatServer | null = await startChatServer({
    port: options.chatPort ?? 0,
    host: '127.0.0.1',
    log: options.chatLog,
  });
  const chatPort = chat.port;
  const host = options.host ?? '127.0.0.1';
  const bridge = createBridge({
    listen: `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 8080}`,
    // The demo has one server, so every WebSocket path goes to it. A site with several
    // would list them with `allow` (paths /HOST/PORT) or `routes` instead.
    target: `127.0.0.1:${chatPort}`,
    // Desktop clients speaking raw TCP XMLSocket join on the same port as the pages.
    rawTcp: true,
    static: DEMO_DIR,
    shutdownTimeout: 2,
    ...(options.bridgeLog ? { log: options.bridgeLog } : { quiet: true }),
  });
  let address: { host: string; port: number };
  try {
    address = await bridge.listen();
  } catch (err) {
    await chat.close();
    throw err;
  }
  const shownHost = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;

  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    get chat() {
      return chat;
    },
    chatPort,
    async stopChat() {
      await chat?.close();
      chat = null;
    },
    async startChat() {
      chat ??= await startChatServer({ port: chatPort, host: '127.0.0.1', log: options.chatLog });
    },
    async close() {
      await bridge.close();
      await chat?.close();
      chat = null;
    },
  };
}
