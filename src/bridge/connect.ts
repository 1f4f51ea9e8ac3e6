/**
 * Opening the TCP connection to the target, with the connect timeout. The bridge does
 * this before it answers the WebSocket handshake, so a refused or silent target
 * becomes an HTTP 502 or 504 and the browser sees `onConnect(false)`, as in Flash.
 */
import type { Socket } from 'node:net';
import type { HostPort } from './address.js';
import { newTargetSocket } from './target-read.js';

/** Why a connect attempt failed. */
export type ConnectFailure =
  | { reason: 'connect_refused'; error: string }
  | { reason: 'connect_timeout'; error: string }
  | { reason: 'cancelled'; error: string };

/** A connect attempt in flight. */
export interface PendingConnect {
  /** Resolves with the connected socket, rejects with a {@link ConnectFailure}. */
  readonly done: Promise<Socket>;
  /** Abandons the attempt (the client left, or the bridge is closing). */
  cancel(): void;
}

/**
 * Connects to `target`. `writableHighWaterMark` is the bridge's high-water mark, so
 * that `write()` returning false is exactly the point to pause the WebSocket.
 */
export function connectTarget(target: HostPort, timeoutMs: number, highWaterMark: number): PendingConnect {
  const socket = newTargetSocket(highWaterMark);
  let settle: ((failure: ConnectFailure | undefined) => void) | undefined;
  const done = new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(
      () => settle?.({ reason: 'connect_timeout', error: `no connection within ${timeoutMs} ms` }),
      timeoutMs,
    );
    const onError = (err: NodeJS.ErrnoException) =>
      settle?.({ reason: 'connect_refused', error: err.code ?? err.message });
    const onConnect = () => settle?.(undefined);
    settle = (failure) => {
      settle = undefined;
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
      if (failure) {
        socket.destroy();
        reject(failure);
      } else {
        resolve(socket);
      }
    };
    socket.once('error', onError);
    socket.once('connect', onConnect);
    socket.connect({ host: target.host, port: target.port });
  });
  return {
    done,
    cancel: () => settle?.({ reason: 'cancelled', error: 'cancelled' }),
  };
}
