// Bytes in, messages out (and back). No DOM, no WebSocket.

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the message, as the bytes say. One decoder
// serves every socket: each decode() call stands alone.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Splits a byte stream at 0x00 into UTF-8 messages, across any chunking.
 *
 * Work is constant per byte: each chunk is scanned once with `indexOf`, and a
 * message split over chunks is joined once, when its terminator arrives. Chunks
 * are kept as views, never copied until then.
 */
export class StreamDecoder {
  private pending: Uint8Array[] = [];
  private pendingLength = 0;

  /**
   * Feeds one chunk. Calls `deliver` for each complete message, in order, until it
   * returns `false` (the socket was closed or reconnected from a handler); the rest
   * of the chunk is then dropped.
   */
  push(chunk: Uint8Array, deliver: (message: string) => boolean): void {
    let start = 0;
    let end = chunk.indexOf(0);
    while (end !== -1) {
      const message = this.pendingLength === 0 ? chunk.subarray(start, end) : this.join(chunk.subarray(start, end));
      if (!deliver(decoder.decode(message))) {
        this.reset();
        return;
      }
      start = end + 1;
      end = chunk.indexOf(0, start);
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingLength += chunk.length - start;
    }
  }

  /** Discards an unterminated tail: Flash never delivered one. */
  reset(): void {
    this.pending = [];
    this.pendingLength = 0;
  }

  private join(last: Uint8Array): Uint8Array {
    const joined = new Uint8Array(this.pendingLength + last.length);
    let offset = 0;
    for (const part of this.pending) {
      joined.set(part, offset);
      offset += part.length;
    }
    joined.set(last, offset);
    this.reset();
    return joined;
  }
}

/** Stream framing on the way out: the message's UTF-8 bytes and one 0x00. */
export function encodeStreamMessage(text: string): Uint8Array {
  return encoder.encode(`${text}\0`);
}

/** Text frames in stream mode carry the stream's bytes as UTF-8. */
export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Message framing: one WebSocket message, text or binary (UTF-8), is one message; a
 * single trailing 0x00 on it is not content.
 */
export function messageText(data: string | ArrayBuffer): string {
  const text = typeof data === 'string' ? data : decoder.decode(data);
  return text.endsWith('\0') ? text.slice(0, -1) : text;
}
