/**
 * `--proxy-protocol`: reads the PROXY header off each new connection before the HTTP
 * server sees a byte, then hands the connection over with the client address the
 * header names. A connection without a valid header is closed.
 */
import type { Socket } from 'node:net';
import { parseProxyHeader, type ProxyHeader } from './proxy-protocol.js';

/** What to do with a connection once its header is read or refused. */
export interface ProxyAcceptHandlers {
  /** The header is valid; `socket` is paused, with the bytes after the header put back. */
  accepted(socket: Socket, header: ProxyHeader): void;
  /**
   * The connection sent no valid header in time; it has been destroyed. `silent` when
   * it closed without sending a byte (a load balancer's TCP health check).
   */
  refused(peer: string | undefined, reason: string, silent: boolean): void;
}

/** Tracks connections still waiting for their header, so shutdown can cut them. */
export class ProxyAcceptor {
  private readonly waiting = new Set<Socket>();

  constructor(
    private readonly handlers: ProxyAcceptHandlers,
    /** How long a new connection may take to send its PROXY header. */
    private readonly timeoutMs: number,
  ) {}

  /** Starts reading the header of a new connection. */
  accept(socket: Socket): void {
    this.waiting.add(socket);
    // Read now: a destroyed socket no longer knows its peer.
    const peer = socket.remoteAddress;
    let received: Buffer = Buffer.alloc(0);
    const finish = () => {
      clearTimeout(timer);
      this.waiting.delete(socket);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
    };
    const refuse = (reason: string, silent = false) => {
      finish();
      socket.destroy();
      this.handlers.refused(peer, reason, silent);
    };
    const onData = (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const result = parseProxyHeader(received);
      if (result.state === 'incomplete') return;
      if (result.state === 'invalid') return refuse(result.reason);
      finish();
      socket.pause();
      if (result.length < received.length) socket.unshift(received.subarray(result.length));
      this.handlers.accepted(socket, result.header);
    };
    const onClose = () =>
      refuse(
        received.length === 0 ? 'closed without sending anything' : 'closed before a whole PROXY header',
        received.length === 0,
      );
    const timer = setTimeout(() => refuse(`no PROXY header within ${this.timeoutMs / 1000} s`), this.timeoutMs);
    socket.on('error', () => socket.destroy());
    socket.on('data', onData);
    socket.once('close', onClose);
  }

  /** Destroys every connection still waiting for its header. */
  closeAll(): void {
    for (const socket of this.waiting) socket.destroy();
  }
}
