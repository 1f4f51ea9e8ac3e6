// XMLSocket framing for the chat server: bytes in, messages out (and back).
// Flash sent UTF-8 text terminated by one zero byte; TCP may cut anywhere, even
// inside a multi-byte character, so bytes are split first (by the bridge's own
// splitter: one implementation of the byte framing on the Node side) and each
// complete message is decoded once.
import { NulSplitter } from '../../src/bridge/framing.js';

const decoder = new TextDecoder('utf-8'); // invalid bytes become U+FFFD, never throw

/** Turns a TCP byte stream into complete messages; keeps at most `maxBytes` pending. */
export class MessageSplitter {
  private readonly bytes: NulSplitter;

  constructor(maxBytes: number) {
    this.bytes = new NulSplitter(maxBytes);
  }

  /**
   * Feeds one chunk and calls `onMessage` for each message it completes. Returns false
   * (and stops) when a message grows beyond `maxBytes`: a peer that never sends the
   * zero byte must not make the server buffer without end.
   */
  push(chunk: Buffer, onMessage: (message: string) => void): boolean {
    const { messages, overflow } = this.bytes.push(chunk);
    for (const message of messages) onMessage(decoder.decode(message));
    return !overflow;
  }

  /** Bytes waiting for their zero byte (dropped when the connection ends, as Flash did). */
  get bufferedBytes(): number {
    return this.bytes.buffered;
  }
}

/** One message on the wire: its UTF-8 bytes and the terminating zero byte. */
export function encodeMessage(xml: string): Buffer {
  return Buffer.from(`${xml}\0`, 'utf8');
}
