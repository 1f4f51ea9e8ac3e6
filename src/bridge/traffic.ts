/**
 * What one connection carried, counted as it goes, and the summary it ends with: the
 * record behind the `connection` log line, the same for WebSocket and raw TCP pairs.
 */
import type { CloseReason } from './reasons.js';

/** The per-connection record that becomes the `connection` log line. */
export interface PairSummary {
  start: Date;
  end: Date;
  durationMs: number;
  bytesToTarget: number;
  bytesToClient: number;
  messagesToTarget: number;
  messagesToClient: number;
  /** The close code the bridge sent, or else the one the client sent (1005/1006 if none). */
  closeCode: number | undefined;
  reason: CloseReason;
}

export class Traffic {
  private readonly start = Date.now();
  bytesToTarget = 0;
  bytesToClient = 0;
  messagesToTarget = 0;
  messagesToClient = 0;

  /** The summary as of now, the connection having ended with `reason`. */
  summary(reason: CloseReason, closeCode?: number): PairSummary {
    const end = Date.now();
    return {
      start: new Date(this.start),
      end: new Date(end),
      durationMs: end - this.start,
      bytesToTarget: this.bytesToTarget,
      bytesToClient: this.bytesToClient,
      messagesToTarget: this.messagesToTarget,
      messagesToClient: this.messagesToClient,
      closeCode,
      reason,
    };
  }
}
