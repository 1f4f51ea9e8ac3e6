// XMLSocket framing for the chat server: bytes in, messages out (and back).
// Flash sent UTF-8 text terminated by one zero byte; TCP may cut anywhere, even
// inside a multi-byte character, so bytes are buffered and decoded per message.

const decoder = new TextDecoder('utf-8'); // invalid bytes become U+FFFD, never throw

/** Turns a TCP byte stream into complete messages; keeps at most `maxBytes` pending. */
export class MessageSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /**
   * Feeds one chunk and calls `onMessage` for each message it completes. Returns false
   * (and stops) when a message grows beyond `maxBytes`: a peer that never sends the
   * zero byte must not make the server buffer without end.
   */
  push(chunk: Buffer, onMessage: (message: string) => void): boolean {
    let start = 0;
    let end: number;
    while ((end = chunk.indexOf(0, start)) !== -1) {
      if (this.pendingBytes + (end - start) > this.maxBytes) return false;
      const bytes =
        this.pendingBytes === 0
          ? chunk.subarray(start, end)
          : Buffer.concat([...this.pending, chunk.subarray(start, end)]);
      this.pending = [];
      this.pendingBytes = 0;
      start = end + 1;
      onMessage(decoder.decode(bytes));
    }
    if (start < chunk.length) {
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > this.maxBytes) return false;
      // Copy: the caller's buffer may be reused once we return.
      this.pending.push(Buffer.from(chunk.subarray(start)));
    }
    return true;
  }

  /** Bytes waiting for their zero byte (dropped when the connection ends, as Flash did). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }
}

/** One message on the wire: its UTF-8 bytes and the terminating zero byte. */
export function encodeMessage(xml: string): Buffer {
  return Buffer.from(`${xml}\0`, 'utf8');
}
