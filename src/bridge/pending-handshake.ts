/**
 * A handshake the bridge has admitted and is connecting to its TCP target for.
 *
 * It owns what the wait holds until a pair takes it over: the admission slot, the
 * connect attempt (and then the connected TCP socket), and the bytes the client sent
 * meanwhile. The bridge hears how it went, and whatever ends it without a pair, all
 * it still owns is given back in one place (`finish`).
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connectTarget, type PendingConnect } from './connect.js';
import type { Slot } from './limits.js';
import type { ResolvedTarget } from './option-values.js';

/** Bytes a client may send before the handshake is answered. */
export const EARLY_DATA_LIMIT = 64 * 1024;

/** How the wait ended. */
export type HandshakeOutcome =
  /** The target accepted: the handshake may complete, then {@link PendingHandshake.adopt}. */
  | { kind: 'connected' }
  | { kind: 'connect_refused' | 'connect_timeout'; detail: string }
  /** The client sent more than {@link EARLY_DATA_LIMIT} before the answer. */
  | { kind: 'early_data' }
  /** The client left, before or after the target accepted. */
  | { kind: 'client_gone' }
  /** {@link PendingHandshake.cancel} was called (the bridge is closing). */
  | { kind: 'cancelled' };

export interface PendingHandshakeOptions {
  socket: Duplex;
  /** Bytes that came in with the request head (they count as early data too). */
  headBytes: number;
  slot: Slot;
  target: ResolvedTarget;
  connectTimeoutMs: number;
  highWaterMark: number;
  /** Whether the target socket reads into the shared buffer (a WebSocket pair) or emits 'data' (a raw pair). */
  sharedReads?: boolean;
  /** Hears how the handshake went: once, or twice when it ends after `connected` without a pair. */
  onOutcome(outcome: HandshakeOutcome): void;
}

export class PendingHandshake {
  private readonly socket: Duplex;
  private readonly connect: PendingConnect;
  private state: 'connecting' | 'connected' | 'over' = 'connecting';
  private slot: Slot | undefined;
  private tcp: Socket | undefined;
  private early: Buffer[] = [];
  private earlyBytes = 0;

  constructor(private readonly o: PendingHandshakeOptions) {
    this.socket = o.socket;
    this.slot = o.slot;
    this.earlyBytes = o.headBytes;
    // Read while connecting, or a client that leaves would go unnoticed until the
    // connect timeout. RFC 6455 clients send nothing before the answer; a few bytes
    // from a lenient one are kept for the WebSocket, more is refused.
    this.socket.on('data', this.onEarlyData);
    this.socket.on('end', this.onGone);
    this.socket.on('close', this.onGone);
    this.connect = connectTarget(
      o.target,
      o.connectTimeoutMs,
      o.highWaterMark,
      (result) => {
        if (result.ok) this.connected(result.socket);
        else this.finish({ kind: result.reason, detail: result.error });
      },
      o.sharedReads ?? true,
    );
  }

  /** Abandons the handshake (the bridge is closing); the outcome is `cancelled`. */
  cancel(): void {
    this.finish({ kind: 'cancelled' });
  }

  /**
   * Hands the connected TCP socket and the slot to the pair the handshake became. The
   * client socket stays paused; the caller resumes it once the WebSocket reads from it.
   */
  adopt(): { tcp: Socket; slot: Slot } {
    const { tcp, slot } = this;
    if (this.state !== 'connected' || !tcp || !slot) throw new Error(`adopt() while ${this.state}`);
    this.state = 'over';
    this.tcp = undefined;
    this.slot = undefined;
    this.socket.removeListener('close', this.onGone);
    return { tcp, slot };
  }

  private readonly onEarlyData = (data: Buffer): void => {
    this.early.push(data);
    this.earlyBytes += data.length;
    if (this.earlyBytes > EARLY_DATA_LIMIT) this.finish({ kind: 'early_data' });
  };

  private readonly onGone = (): void => {
    this.finish({ kind: 'client_gone' });
  };

  private connected(tcp: Socket): void {
    this.state = 'connected';
    this.tcp = tcp;
    this.socket.removeListener('data', this.onEarlyData);
    this.socket.removeListener('end', this.onGone);
    this.socket.pause();
    // Whatever arrived meanwhile goes back, for the WebSocket to read after the head.
    if (this.early.length > 0) this.socket.unshift(Buffer.concat(this.early));
    this.early = [];
    // Until adopt(), a client that leaves still frees the target connection ('close' stays).
    this.o.onOutcome({ kind: 'connected' });
  }

  /** Ends the handshake unless a pair took it over: gives back what it owns, then reports. */
  private finish(outcome: Exclude<HandshakeOutcome, { kind: 'connected' }>): void {
    if (this.state === 'over') return;
    this.state = 'over';
    this.socket.removeListener('data', this.onEarlyData);
    this.socket.removeListener('end', this.onGone);
    this.socket.removeListener('close', this.onGone);
    this.connect.cancel();
    this.tcp?.destroy();
    this.tcp = undefined;
    this.slot?.release();
    this.slot = undefined;
    this.o.onOutcome(outcome);
  }
}
