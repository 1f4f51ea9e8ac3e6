/**
 * Opening the TCP connection to the target, with the connect timeout. The bridge does
 * this before it answers the WebSocket handshake, so a refused or silent target
 * becomes an HTTP 502 or 504 and the browser sees `onConnect(false)`, as in Flash.
 */
import { Socket } from 'node:net';
import type { HostPort } from './address.js';
import { newTargetSocket } from './target-read.js';

/** How a connect attempt ended. */
export type ConnectResult =
  { ok: true; socket: Socket } | { ok: false; reason: 'connect_refused' | 'connect_timeout'; error: string };

/** A connect attempt in flight. */
export interface PendingConnect {
  /** Abandons the attempt (the client left, or the bridge is closing); `done` is not called. */
  cancel(): void;
}

/**
 * Connects to `target` and calls `done` once with the outcome. `highWaterMark` is the
 * bridge's, so that `write()` returning false is exactly the point to pause the other side.
 * With `sharedReads` the socket reads into the buffer all targets share (target-read.ts).
 */
export function connectTarget(
  target: HostPort,
  timeoutMs: number,
  highWaterMark: number,
  done: (result: ConnectResult) => void,
  sharedReads = true,
): PendingConnect {
  // A raw TCP pair relays with 'data' events; a WebSocket pair reads through the shared buffer.
  const socket = sharedReads
    ? newTargetSocket(highWaterMark)
    : new Socket({ writableHighWaterMark: highWaterMark } as ConstructorParameters<typeof Socket>[0]);
  let open = true;
  const stop = () => {
    open = false;
    clearTimeout(timer);
    socket.removeListener('error', onError);
    socket.removeListener('connect', onConnect);
  };
  const fail = (reason: 'connect_refused' | 'connect_timeout', error: string) => {
    if (!open) return;
    stop();
    socket.destroy();
    done({ ok: false, reason, error });
  };
  const onError = (err: NodeJS.ErrnoException) => fail('connect_refused', err.code ?? err.message);
  const onConnect = () => {
    if (!open) return;
    stop();
    done({ ok: true, socket });
  };
  const timer = setTimeout(() => fail('connect_timeout', `no connection within ${timeoutMs} ms`), timeoutMs);
  socket.once('error', onError);
  socket.once('connect', onConnect);
  socket.connect({ host: target.host, port: target.port });
  return {
    cancel: () => {
      if (!open) return;
      stop();
      socket.destroy();
    },
  };
}
