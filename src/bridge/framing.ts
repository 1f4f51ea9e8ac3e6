/**
 * Message framing on the TCP side: XMLSocket messages end with a 0x00 byte.
 *
 * Node-only twin of the browser's framing, working on Buffers so that bytes are never
 * decoded twice. Work is constant per byte: each chunk is scanned once, and the
 * pending bytes of an unfinished message are only joined when its 0x00 arrives.
 */

/** The XMLSocket message terminator. */
export const NUL = 0x00;

/**
 * The messages a chunk of the stream ends: its 0x00 bytes. One `indexOf` (a memchr)
 * per message, so counting costs next to nothing beside the copy the chunk already gets.
 */
export function countMessages(chunk: Buffer): number {
  let n = 0;
  for (let i = chunk.indexOf(NUL); i !== -1; i = chunk.indexOf(NUL, i + 1)) n += 1;
  return n;
}

/** Result of feeding a chunk: complete messages, or `overflow` when a message got too big. */
export type SplitResult = { messages: Buffer[]; overflow: false } | { messages: Buffer[]; overflow: true };

/**
 * Splits a byte stream at 0x00. The terminator is not part of a message.
 *
 * @example
 * ```ts
 * const split = new NulSplitter(1024);
 * split.push(Buffer.from('<a/>\0<b')).messages // [<Buffer '<a/>'>]
 * split.push(Buffer.from('/>\0')).messages     // [<Buffer '<b/>'>]
 * ```
 */
export class NulSplitter {
  private readonly pending: Buffer[] = [];
  private pendingLength = 0;

  /** @param maxMessage largest message in bytes (terminator excluded). */
  constructor(private readonly maxMessage: number) {}

  /**
   * Feeds a chunk. Returns the messages it completed; `overflow` is true when a
   * message (complete or not) exceeds `maxMessage`, after which the splitter must
   * not be used again. Messages may be views into `chunk`; the caller may reuse
   * `chunk`'s memory once it is done with them (the bridge reads every target into one
   * shared buffer), so the start of an unfinished message is kept as a copy.
   */
  push(chunk: Buffer): SplitResult {
    const messages: Buffer[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NUL); end !== -1; end = chunk.indexOf(NUL, start)) {
      const length = this.pendingLength + (end - start);
      if (length > this.maxMessage) return { messages, overflow: true };
      let message: Buffer;
      if (this.pending.length === 0) {
        message = chunk.subarray(start, end);
      } else {
        this.pending.push(chunk.subarray(start, end));
        message = Buffer.concat(this.pending, length);
        this.pending.length = 0;
        this.pendingLength = 0;
      }
      messages.push(message);
      start = end + 1;
    }
    if (start < chunk.length) {
      this.pendingLength += chunk.length - start;
      if (this.pendingLength > this.maxMessage) return { messages, overflow: true };
      this.pending.push(Buffer.from(chunk.subarray(start)));
    }
    return { messages, overflow: false };
  }
}
