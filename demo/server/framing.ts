// XMLSocket framing for the chat server: bytes in, messages out (and back).
// Flash sent UTF-8 text terminated by one zero byte; TCP may cut anywhere, even
// inside a multi-byte character, so bytes are split first and each complete message
// is decoded once. Plain Node, nothing from the bridge: a Flash-era server knows
// nothing of the web.

const decoder = new TextDecoder('utf-8'); // invalid bytes become U+FFFD, never throw

/** Turns a TCP byte stream into complete messages; keeps at most `maxBytes` pending. */
export class MessageSplitter {
  /** The start of a message whose zero byte has not arrived yet. */
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
    for (let end = chunk.indexOf(0); end !== -1; end = chunk.indexOf(0, start)) {
      if (this.pendingBytes + end - start > this.maxBytes) return false;
      this.pending.push(chunk.subarray(start, end));
      onMessage(decoder.decode(Buffer.concat(this.pending)));
      this.pending = [];
      this.pendingBytes = 0;
      start = end + 1;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > this.maxBytes) return false;
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
