/**
 * One write per small WebSocket frame.
 *
 * `ws` sends a server frame as two buffers, its 2-10 byte header and the payload,
 * written under cork(): Node then hands both to the kernel with writev(), whose
 * JavaScript and native set-up costs more than the write itself for the small messages
 * games send (measured: writev took about twice the CPU of a plain write per relayed
 * 50 B message; see docs/performance.md). For payloads up to {@link JOIN_MAX_BYTES}
 * the header and payload are copied into one buffer and written once; larger frames,
 * string payloads and anything unexpected take ws's own path.
 *
 * This replaces `sendFrame` on one connection's sender (an own property, not ws's
 * prototype, so other users of ws in the process are untouched). It relies on ws's
 * internal `_sender.sendFrame(list, cb)`, stable across ws 8; if that shape is not
 * found, nothing is changed and ws works as before.
 */
import type { WebSocket } from 'ws';

/** Above this payload size, copying costs more than writev() saves. */
export const JOIN_MAX_BYTES = 4096;

interface SenderLike {
  _socket: { write(data: Buffer, cb?: (err?: Error) => void): boolean };
  sendFrame(list: (Buffer | string)[], cb?: (err?: Error) => void): void;
}

let originalSendFrame: SenderLike['sendFrame'] | undefined;

function sendFrameJoined(this: SenderLike, list: (Buffer | string)[], cb?: (err?: Error) => void): void {
  if (list.length === 2) {
    const [header, payload] = list;
    if (typeof header !== 'string' && typeof payload !== 'string' && payload.length <= JOIN_MAX_BYTES) {
      const joined = Buffer.allocUnsafe(header.length + payload.length);
      header.copy(joined, 0);
      payload.copy(joined, header.length);
      this._socket.write(joined, cb);
      return;
    }
  }
  originalSendFrame!.call(this, list, cb);
}

/**
 * Makes `ws` write each small frame with one write() instead of writev(). Returns
 * whether it did: then every frame of up to {@link JOIN_MAX_BYTES} is copied before
 * `send()` returns, and the caller may reuse the payload's memory.
 */
export function joinSmallFrames(ws: WebSocket): boolean {
  const sender = (ws as unknown as { _sender?: SenderLike })._sender;
  if (!sender || typeof sender.sendFrame !== 'function' || !sender._socket) return false;
  originalSendFrame ??= sender.sendFrame;
  if (sender.sendFrame === sendFrameJoined) return true;
  if (sender.sendFrame !== originalSendFrame) return false;
  sender.sendFrame = sendFrameJoined;
  return true;
}
