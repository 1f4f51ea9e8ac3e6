/**
 * The first limit a client meets: every socket the bridge accepts is counted from
 * accept to close, before a byte of TLS, PROXY header or HTTP is read, so idle or
 * half-open sockets cannot pile up past what the process can hold.
 *
 * A socket over the limit is closed at once, unanswered: nothing has been read yet
 * that an answer could be written in (it may be TLS, or raw TCP).
 */
import type { Socket } from 'node:net';
import { addressKey } from './limits.js';

export interface SocketGateOptions {
  /** Sockets in all. */
  maxSockets: number;
  /** Sockets per client address; `undefined` when the peer is a proxy, not the client. */
  maxPerAddress: number | undefined;
  /** Hears of each socket closed unanswered. */
  refused(address: string, detail: string): void;
}

export class SocketGate {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly o: SocketGateOptions) {}

  /** Sockets counted now. */
  get size(): number {
    return this.total;
  }

  /** Counts `socket` until it closes, or closes it now when a limit is reached; says which. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const key = addressKey(address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address);
    const fromAddress = this.perAddress.get(key) ?? 0;
    let refusal: string | undefined;
    if (this.total >= this.o.maxSockets) refusal = `${this.total} sockets open`;
    else if (this.o.maxPerAddress !== undefined && fromAddress >= this.o.maxPerAddress) {
      refusal = `${fromAddress} sockets open from this address`;
    }
    if (refusal !== undefined) {
      socket.destroy();
      this.o.refused(address, refusal);
      return false;
    }
    this.total += 1;
    this.perAddress.set(key, fromAddress + 1);
    socket.once('close', () => {
      this.total -= 1;
      const left = (this.perAddress.get(key) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(key);
      else this.perAddress.set(key, left);
    });
    return true;
  }
}
