// Bytes in, messages out (and back). No DOM, no WebSocket.

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF in the message, as the bytes say. This decoder
// serves message framing for every socket (each call stands alone); stream framing
// gives each connection its own (see StreamDecoder).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Splits a byte stream at 0x00 into UTF-8 messages, across any chunking.
 *
 * Work is constant per byte: each chunk is scanned once with `indexOf` and each byte
 * decoded once. A message split over chunks is decoded piece by piece in streaming
 * mode (a character cut between chunks waits inside the decoder), so nothing pending
 * is ever copied again.
 */
export class StreamDecoder {
  // Its own decoder, with ignoreBOM as above: streaming keeps state between calls.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private pending = '';

  /**
   * Feeds one chunk. Calls `deliver` for each complete message, in order, until it
   * returns `false` (the socket was closed or reconnected from a handler); the rest
   * of the chunk is then dropped.
   */
  push(chunk: Uint8Array, deliver: (message: string) => boolean): void {
    let start = 0;
    for (let end; (end = chunk.indexOf(0, start)) >= 0; start = end + 1) {
      const message = this.pending + this.decoder.decode(chunk.subarray(start, end));
      this.pending = '';
      if (!deliver(message)) return;
    }
    this.pending += this.decoder.decode(chunk.subarray(start), { stream: true });
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
