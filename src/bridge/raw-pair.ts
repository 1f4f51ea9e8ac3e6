/**
 * One raw TCP client (a desktop Flash player) and its TCP target, relayed byte for byte
 * both ways, with the rules a WebSocket pair has: backpressure at `highWaterMark`, the
 * idle timeout, counters, one summary for the connection log, and the drain on shutdown.
 *
 * There are no WebSocket pings to find a vanished player; TCP keepalive does that job
 * here (first probe after `--ping-interval`).
 */
import type { Socket } from 'node:net';
import { countMessages } from './framing.js';
import type { PairCounters } from './metrics.js';
import { Traffic, type PairSummary } from './traffic.js';
import type { CloseReason } from './reasons.js';

// Once one side has closed, the other gets this long to take its FIN and close too.
const CLOSE_GRACE_MS = 5000;

export interface RawPairOptions {
  client: Socket;
  target: Socket;
  highWaterMark: number;
  idleTimeoutMs: number;
  /** TCP keepalive on the client's socket; 0 = off. */
  keepaliveMs: number;
  counters: PairCounters;
  /** Called once, when both sockets are closed. */
  onEnd(summary: PairSummary): void;
}

export class RawPair {
  private readonly client: Socket;
  private readonly target: Socket;
  private readonly traffic = new Traffic();
  private readonly idleTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private reason: CloseReason | undefined;
  private open = 2;

  constructor(private readonly o: RawPairOptions) {
    this.client = o.client;
    this.target = o.target;
    this.client.setNoDelay(true);
    this.target.setNoDelay(true);
    if (o.keepaliveMs > 0) this.client.setKeepAlive(true, o.keepaliveMs);
    this.relay(this.client, this.target, 'to_target');
    this.relay(this.target, this.client, 'to_client');
    // Either side closing ends the other once what it sent is written, as TCP does.
    this.client.on('end', () => this.end('client_closed', this.target));
    this.target.on('end', () => this.end('target_closed', this.client));
    this.client.on('error', () => this.fail('client_closed'));
    this.target.on('error', () => this.fail('target_error'));
    this.client.once('close', () => this.closed());
    this.target.once('close', () => this.closed());
    if (o.idleTimeoutMs > 0) this.idleTimer = setTimeout(() => this.idle(), o.idleTimeoutMs);
    this.client.resume();
    this.target.resume();
  }

  /** Closes both sides for a bridge shutdown, after what is queued is written. */
  shutdown(): void {
    this.reason ??= 'shutdown';
    this.client.end();
    this.target.end();
  }

  /** Cuts both sockets (shutdown deadline passed). */
  terminate(): void {
    this.reason ??= 'shutdown';
    this.client.destroy();
    this.target.destroy();
  }

  private relay(from: Socket, to: Socket, direction: 'to_target' | 'to_client'): void {
    from.on('data', (chunk: Buffer) => {
      this.idleTimer?.refresh();
      const messages = countMessages(chunk);
      if (direction === 'to_target') {
        this.traffic.bytesToTarget += chunk.length;
        this.traffic.messagesToTarget += messages;
      } else {
        this.traffic.bytesToClient += chunk.length;
        this.traffic.messagesToClient += messages;
      }
      this.o.counters.bytes[direction] += chunk.length;
      this.o.counters.messages[direction] += messages;
      // A slow reader on one side pauses reading on the other, as a WebSocket pair does.
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => from.resume());
  }

  private end(reason: CloseReason, other: Socket): void {
    this.reason ??= reason;
    other.end();
  }

  private fail(reason: CloseReason): void {
    this.reason ??= reason;
    this.client.destroy();
    this.target.destroy();
  }

  private idle(): void {
    this.reason ??= 'idle_timeout';
    this.client.end();
    this.target.end();
  }

  private closed(): void {
    this.open -= 1;
    // The first side to close takes the other with it.
    if (this.open === 1) {
      this.client.end();
      this.target.end();
      this.graceTimer = setTimeout(() => this.fail(this.reason ?? 'client_closed'), CLOSE_GRACE_MS);
      return;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.o.onEnd(this.traffic.summary(this.reason ?? 'client_closed'));
  }
}
