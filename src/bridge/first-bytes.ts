/**
 * Reading the first bytes of a new connection to decide what it is (a PROXY header, an
 * HTTP request, a TLS hello, Flash's policy request, a raw XMLSocket client), then
 * putting back what the decision did not use, for whoever takes the connection next.
 */
import type { Socket } from 'node:net';

/** A decision over the bytes received so far: what they are, and how many of them it used. */
export interface Verdict<V> {
  verdict: V;
  /** Bytes that belong to the decision (a PROXY header); the rest is put back. */
  used: number;
}

export interface FirstBytesOptions<V> {
  /** Looks at everything received so far; `undefined` asks for more. */
  decide(bytes: Buffer): Verdict<V> | undefined;
  /** How long to wait for a decision. */
  timeoutMs: number;
  /** The decision when time runs out, from what came so far; `undefined` refuses the connection. */
  onTimeout(bytes: Buffer): Verdict<V> | undefined;
  /** The decision was made: `socket` is paused, with the unused bytes put back. */
  decided(verdict: V, bytes: Buffer): void;
  /** No decision: the socket closed, or time ran out; it has been destroyed. */
  failed(why: 'closed' | 'timeout', bytes: Buffer): void;
}

/** A reading under way. */
export interface FirstBytesReading<V> {
  /** Abandons the reading and destroys the socket. */
  abandon(this: void): void;
  /** Decides now, without more bytes (something else told what the connection is). */
  settle(this: void, verdict: V): void;
}

/** Starts reading. */
export function readFirstBytes<V>(socket: Socket, o: FirstBytesOptions<V>): FirstBytesReading<V> {
  let received: Buffer = Buffer.alloc(0);
  let over = false;
  const stop = () => {
    over = true;
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('close', onClose);
  };
  const finish = ({ verdict, used }: Verdict<V>) => {
    if (over) return;
    stop();
    socket.pause();
    if (used < received.length) socket.unshift(received.subarray(used));
    o.decided(verdict, received.subarray(0, used));
  };
  const fail = (why: 'closed' | 'timeout') => {
    if (over) return;
    stop();
    socket.destroy();
    o.failed(why, received);
  };
  const onData = (chunk: Buffer) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const verdict = o.decide(received);
    if (verdict) finish(verdict);
  };
  const onClose = () => fail('closed');
  const timer = setTimeout(() => {
    const verdict = o.onTimeout(received);
    if (verdict) finish(verdict);
    else fail('timeout');
  }, o.timeoutMs);
  socket.on('error', () => socket.destroy());
  // resume(): a socket an earlier reading (the PROXY header's) left paused does not flow
  // again when a 'data' listener is added, and would sit silent until the timeout.
  socket.on('data', onData).resume();
  socket.once('close', onClose);
  return { abandon: () => fail('closed'), settle: (verdict) => finish({ verdict, used: 0 }) };
}
