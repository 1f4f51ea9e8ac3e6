// The browser side of test/servers/xmlsocket-servers.ts: typed wrappers around the
// server commands, and small helpers for waiting on socket callbacks.
import { executeServerCommand } from '@web/test-runner-commands';

export interface Fixture {
  id: number;
  /** The WebSocket URL that reaches the fixture. */
  url: string;
}

export interface Report {
  connections: number;
  open: number;
  /** Per connection: every byte it sent (TCP fixtures), base64. */
  received: string[];
  /** Per connection: every frame it sent (WebSocket fixtures). */
  frames: { binary: boolean; data: string }[][];
}

const encoder = new TextEncoder();

/** Bytes (or a string's UTF-8 bytes) as base64, for the command channel. */
export function b64(data: string | Uint8Array | number[]): string {
  const bytes = typeof data === 'string' ? encoder.encode(data) : Uint8Array.from(data);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function fromB64(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

export const utf8 = (base64: string) => new TextDecoder().decode(fromB64(base64));

async function command<T>(name: string, payload: Record<string, unknown> = {}): Promise<T> {
  return await executeServerCommand(name, payload);
}

/** A scripted TCP XMLSocket server behind the project's bridge (or websockify). */
export const tcpServer = (
  script: {
    greeting?: string | Uint8Array | number[];
    echo?: boolean;
    end?: boolean;
    via?: 'bridge' | 'websockify';
    framing?: 'stream' | 'message';
  } = {},
) =>
  command<Fixture & { tcpPort: number }>('xs-tcp', {
    ...script,
    greeting: script.greeting === undefined ? undefined : b64(script.greeting),
  });

/** A WebSocket server that sends these frames to each connection. */
export const nativeServer = (
  script: {
    frames?: ({ binary: Uint8Array | number[] | string } | { text: string })[];
    echo?: boolean;
    closeCode?: number;
  } = {},
) =>
  command<Fixture>('xs-native', {
    ...script,
    frames: script.frames?.map((f) => ('text' in f ? f : { binary: b64(f.binary) })),
  });

export const silentServer = () => command<Fixture>('xs-silent');
export const bridgeToRefused = () => command<Fixture>('xs-bridge-refused');
export const bridgeToBlackhole = () => command<Fixture>('xs-bridge-blackhole');
export const httpsSecurityPage = () => command<Fixture>('xs-https-security-page');
export const refusedPort = () => command<{ port: number }>('xs-refused-port');

export const push = (fixture: Fixture, data: string | Uint8Array | number[], end = false) =>
  command<number>('xs-push', { id: fixture.id, data: b64(data), end });
export const endAll = (fixture: Fixture) => command<number>('xs-push', { id: fixture.id, end: true });
export const dropAll = (fixture: Fixture) => command<boolean>('xs-drop', { id: fixture.id });
export const report = (fixture: Fixture) => command<Report>('xs-report', { id: fixture.id });
export const waitFor = (
  fixture: Fixture,
  condition: { connections?: number; bytes?: number; frames?: number; open?: number },
) => command<Report>('xs-wait', { id: fixture.id, ...condition });
export const stop = (fixture: Fixture) => command<boolean>('xs-stop', { id: fixture.id });

/** Resolves with the arguments of the next call of `socket[name]`, which it sets. */
export function nextCall<T extends unknown[]>(socket: object, name: string): Promise<T> {
  return new Promise((resolve) => {
    (socket as Record<string, unknown>)[name] = (...args: T) => resolve(args);
  });
}

/** Resolves once `predicate()` holds, checking after each task; rejects after `ms`. */
export async function until(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets queued tasks and network events run, so that what would arrive has arrived. */
export const settle = (ms = 100) => new Promise((r) => setTimeout(r, ms));
