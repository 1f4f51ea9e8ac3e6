/**
 * One bridged connection: a WebSocket and a TCP socket joined both ways, with
 * framing, backpressure, the idle timeout and teardown.
 *
 * Memory per pair stays bounded whatever the peers do: TCP reads stop while the
 * WebSocket has `highWaterMark` bytes queued, WebSocket reads stop while TCP has, and
 * one message is at most `maxMessage`.
 */
import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { CloseReason } from './reasons.js';
import { countMessages, NUL, NulSplitter } from './framing.js';
import type { PairCounters } from './metrics.js';
import type { Framing } from './options.js';
import { receiveTarget } from './target-read.js';
import { Traffic, type PairSummary } from './traffic.js';

const NUL_BYTE = Buffer.from([NUL]);
// Send options, made once rather than per frame.
const TEXT_FRAME = { binary: false } as const;
const BINARY_FRAME = { binary: true } as const;
// The largest WebSocket frame header a server sends (no mask): 2 + 8 bytes, rounded up.
const MAX_FRAME_HEADER = 14;
// Up to this size a client message and its 0x00 are copied into one buffer and written
// once; above it, two writes under cork() cost less than the copy.
const JOIN_MAX_BYTES = 4096;

// Pongs a client may leave unread before it is cut: a client that pings faster than it
// reads would otherwise make the bridge queue pongs without end (ws's own limit, too).
const MAX_PENDING_PONGS = 60;

/**
 * The close code ws sends for each error it reports by `code` (ws's documented error
 * codes); any other broken frame gets 1002.
 */
const CLOSE_CODE_OF_ERROR: Readonly<Record<string, number>> = {
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
};

// After the client is gone, bytes it sent may still sit in the TCP write queue; a
// target that never reads them must not keep the socket alive forever.
const TCP_FLUSH_GRACE_MS = 5000;

/** What a pair needs to run. */
export interface PairOptions {
  ws: WebSocket;
  tcp: Socket;
  framing: Framing;
  maxMessage: number;
  highWaterMark: number;
  idleTimeoutMs: number;
  counters: PairCounters;
  /** Called once, when both sockets are closed. */
  onEnd(summary: PairSummary): void;
}

const PAIR = Symbol('pair');
type Paired = { [PAIR]: Pair };
const pairOf = (socket: object) => (socket as Paired)[PAIR];

// Each socket event, forwarded to its pair's method of the same name.
function onClientMessage(this: WebSocket, data: Buffer) {
  pairOf(this).onClientMessage(data);
}
function onClientError(this: WebSocket, err: Error & { code?: string }) {
  pairOf(this).onClientError(err);
}
function onClientClose(this: WebSocket, code: number) {
  pairOf(this).onClientClose(code);
}
function onClientPong(this: WebSocket) {
  pairOf(this).alive = true;
}
function onClientPing(this: WebSocket, data: Buffer) {
  pairOf(this).onClientPing(data);
}
function onTargetData(this: Socket, chunk: Buffer) {
  pairOf(this).onTargetData(chunk);
}
function onTargetDrain(this: Socket) {
  pairOf(this).onTargetDrain();
}
function onTargetEnd(this: Socket) {
  pairOf(this).onTargetEnd();
}
function onTargetError(this: Socket) {
  pairOf(this).onTargetError();
}
function onTargetClose(this: Socket) {
  pairOf(this).onTargetClose();
}
const onIdle = (pair: Pair) => pair.onIdle();

/** A live WebSocket-TCP pair. */
export class Pair {
  private readonly ws: WebSocket;
  private readonly tcp: Socket;
  private readonly splitter: NulSplitter | undefined;
  private readonly traffic = new Traffic();
  private readonly idleTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private reason: CloseReason | undefined;
  private closeCode: number | undefined;
  private wsClosed = false;
  private tcpClosed = false;
  private ended = false;
  private tcpPaused = false;
  private pendingPongs = 0;
  /** Whether the client answered (pong or any message) since the last ping. @internal */
  alive = true;
  /** @internal Owned by the bridge's keepalive sweep. */
  keepaliveSlot = -1;

  constructor(private readonly o: PairOptions) {
    this.ws = o.ws;
    this.tcp = o.tcp;
    this.splitter = o.framing === 'message' ? new NulSplitter(o.maxMessage) : undefined;
    this.tcp.setNoDelay(true); // XMLSocket traffic is small interactive messages; Nagle would delay them.

    // Shared listeners that find the pair on the socket: a closure per event per
    // connection would cost more memory than the rest of the pair's own state.
    (this.ws as unknown as Paired)[PAIR] = this;
    (this.tcp as unknown as Paired)[PAIR] = this;
    this.ws.on('message', onClientMessage);
    this.ws.on('error', onClientError);
    this.ws.on('close', onClientClose);
    this.ws.on('pong', onClientPong);
    this.ws.on('ping', onClientPing);
    receiveTarget(this.tcp, onTargetData); // chunks in a buffer the next read reuses
    this.tcp.on('drain', onTargetDrain);
    this.tcp.on('end', onTargetEnd);
    this.tcp.on('error', onTargetError);
    this.tcp.on('close', onTargetClose);

    if (o.idleTimeoutMs > 0) this.idleTimer = setTimeout(onIdle, o.idleTimeoutMs, this);
  }

  /** Closes the pair for a bridge shutdown: the client gets 1001 "going away". */
  shutdown(): void {
    this.closeBoth('shutdown', 1001, 'going away');
  }

  /** Cuts both sockets without handshakes (shutdown deadline passed). */
  terminate(): void {
    this.reason ??= 'shutdown';
    this.ws.terminate();
    this.tcp.destroy();
  }

  /**
   * One keepalive tick: a client that has not answered since the last ping is cut
   * (no close frame: it would not arrive), which frees its TCP connection.
   */
  heartbeat(): void {
    if (this.reason || this.ws.readyState !== this.ws.OPEN) return;
    // While a slow target holds the WebSocket paused the bridge reads nothing from the
    // client, its pongs included: silence is ours, not the client's. Judge it again
    // a full interval after reading resumes.
    if (this.ws.isPaused) {
      this.alive = true;
      return;
    }
    if (!this.alive) {
      this.reason = 'ping_timeout';
      this.closeCode = 1006;
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  private activity(): void {
    this.idleTimer?.refresh();
  }

  // Text and binary frames alike are forwarded as their bytes (text as UTF-8), as websockify does.
  /** @internal */
  onClientMessage(data: Buffer): void {
    if (this.reason) return;
    this.activity();
    this.alive = true;
    let ok: boolean;
    if (this.splitter) {
      if (data.length < JOIN_MAX_BYTES) {
        // One write of a copy: cheaper than cork() + writev() for a small message.
        const joined = Buffer.allocUnsafe(data.length + 1);
        data.copy(joined, 0);
        joined[data.length] = NUL;
        ok = this.tcp.write(joined);
      } else {
        this.tcp.cork();
        this.tcp.write(data);
        ok = this.tcp.write(NUL_BYTE);
        this.tcp.uncork();
      }
      this.traffic.bytesToTarget += data.length + 1;
      this.o.counters.bytes.to_target += data.length + 1;
      this.traffic.messagesToTarget += 1;
      this.o.counters.messages.to_target += 1;
    } else {
      ok = this.tcp.write(data);
      const messages = countMessages(data);
      this.traffic.bytesToTarget += data.length;
      this.o.counters.bytes.to_target += data.length;
      this.traffic.messagesToTarget += messages;
      this.o.counters.messages.to_target += messages;
    }
    // A slow target: stop reading the WebSocket until TCP drains.
    if (!ok) this.ws.pause();
  }

  /** @internal */
  onTargetDrain(): void {
    if (!this.reason) this.ws.resume();
  }

  /**
   * A chunk from the target. It lives in a buffer that the next read of any target
   * reuses (see target-read.ts), so everything that outlives this call is a copy.
   * @internal
   */
  onTargetData(chunk: Buffer): void {
    if (this.reason) return;
    this.activity();
    this.traffic.bytesToClient += chunk.length;
    this.o.counters.bytes.to_client += chunk.length;
    if (this.splitter) {
      const { messages, overflow } = this.splitter.push(chunk);
      for (const message of messages) {
        // Text frames must be UTF-8; bytes that are not become U+FFFD rather than a frame browsers reject.
        if (isUtf8(message)) this.send(message, TEXT_FRAME);
        else this.ws.send(message.toString('utf8'), TEXT_FRAME, this.onSent); // rare; its UTF-8 may be longer than the bytes
      }
      this.traffic.messagesToClient += messages.length;
      this.o.counters.messages.to_client += messages.length;
      if (overflow) {
        this.closeBoth('message_too_big', 1009, 'message too big');
        return;
      }
    } else {
      this.send(chunk, BINARY_FRAME);
      const messages = countMessages(chunk);
      this.traffic.messagesToClient += messages;
      this.o.counters.messages.to_client += messages;
    }
    // A slow client: stop reading TCP until the WebSocket's queue drains.
    if (this.ws.bufferedAmount >= this.o.highWaterMark && !this.tcpPaused) {
      this.tcpPaused = true;
      this.tcp.pause();
    }
  }

  /**
   * Sends a frame to the client. The send callback (the resume check below) costs a
   * tick per frame, and it is only needed on frames that can still be queued when TCP
   * gets paused: TCP is paused only once `bufferedAmount` reaches `highWaterMark`, and a
   * frame sent onto an empty queue that is smaller than half of it cannot get there by
   * itself. Every frame sent after that, onto a non-empty queue, carries the callback,
   * so the last frame before a pause always has one, and it runs when the queue is empty.
   *
   * `data` is a view into the shared read buffer, which the next read overwrites, and
   * ws may still hold a frame in the socket's write queue after `send()` returns: it
   * gets a copy.
   */
  private send(view: Buffer, options: typeof TEXT_FRAME | typeof BINARY_FRAME): void {
    const data = Buffer.from(view);
    if (this.ws.bufferedAmount > 0 || data.length + MAX_FRAME_HEADER >= this.o.highWaterMark / 2)
      this.ws.send(data, options, this.onSent);
    else this.ws.send(data, options);
  }

  // Called as each frame reaches the kernel; resume TCP once the queue is half empty.
  private readonly onSent = (): void => {
    if (this.tcpPaused && !this.reason && this.ws.bufferedAmount < this.o.highWaterMark / 2) {
      this.tcpPaused = false;
      this.tcp.resume();
    }
  };

  /** @internal */
  onIdle(): void {
    this.closeBoth('idle_timeout', 1000, 'idle timeout');
  }

  /** @internal */
  onClientError(err: Error & { code?: string }): void {
    // ws closes the connection itself, with the code of the error; it is logged as sent.
    if (this.reason) return;
    this.closeCode = CLOSE_CODE_OF_ERROR[err.code ?? ''] ?? 1002;
    this.reason = this.closeCode === 1009 ? 'message_too_big' : 'client_error';
  }

  /**
   * A ping: answered with a pong (the server's WebSocket has its own pongs off, so the
   * bridge can tell a ping flood from a lost client), unless the client has left
   * {@link MAX_PENDING_PONGS} unread.
   * @internal
   */
  onClientPing(data: Buffer): void {
    if (this.reason) return;
    this.alive = true;
    if (this.pendingPongs >= MAX_PENDING_PONGS) {
      this.reason = 'ping_flood';
      this.closeCode = 1006;
      this.ws.terminate();
      return;
    }
    this.pendingPongs += 1;
    this.ws.pong(data, false, this.onPongSent);
  }

  private readonly onPongSent = (): void => {
    this.pendingPongs -= 1;
  };

  /** @internal */
  onClientClose(code: number): void {
    this.wsClosed = true;
    this.reason ??= 'client_closed';
    this.closeCode ??= code;
    this.endTarget();
    this.maybeEnd();
  }

  /** @internal */
  onTargetEnd(): void {
    // Flash drops an unterminated tail when the server closes, so the splitter's rest is discarded.
    this.closeBoth('target_closed', 1000, 'target closed');
  }

  /** @internal */
  onTargetError(): void {
    this.closeBoth('target_error', 1011, 'target error');
  }

  /** @internal */
  onTargetClose(): void {
    this.tcpClosed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.closeBoth('target_closed', 1000, 'target closed');
    this.maybeEnd();
  }

  /** Starts closing both sides; the first reason wins. */
  private closeBoth(reason: CloseReason, code: number, text: string): void {
    if (!this.reason) {
      this.reason = reason;
      this.closeCode = code;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (!this.wsClosed && this.ws.readyState === this.ws.OPEN) this.ws.close(code, text);
    if (reason === 'message_too_big' || reason === 'target_error') this.tcp.destroy();
    else this.endTarget();
  }

  /** Ends TCP after its queued bytes are written, within a grace period. */
  private endTarget(): void {
    if (this.tcpClosed || this.flushTimer) return;
    this.tcp.resume(); // discard what the target still sends, so close() does not answer with RST
    this.tcp.end(() => this.tcp.destroy());
    this.flushTimer = setTimeout(() => this.tcp.destroy(), TCP_FLUSH_GRACE_MS);
  }

  private maybeEnd(): void {
    if (this.ended || !this.wsClosed || !this.tcpClosed) return;
    this.ended = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.o.onEnd(this.traffic.summary(this.reason ?? 'client_closed', this.closeCode));
  }
}
