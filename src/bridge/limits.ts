/**
 * Connection admission: `maxConnections` overall and `maxPerIp` per client address.
 *
 * Pending handshakes count too, so a flood of slow TCP connects cannot get past the
 * limit while the targets are still answering.
 */
import type { RefusalReason } from './reasons.js';

/** One admitted connection's place. Whoever holds it gives it back, once. */
export interface Slot {
  /** Gives the place back; calling it again does nothing. */
  release(): void;
}

/** Why a connection was not admitted. */
export interface LimitReached {
  status: 429 | 503;
  reason: Extract<RefusalReason, 'max_per_ip' | 'max_connections'>;
}

/** Counts connections and refuses those beyond the limits. */
export class ConnectionLimiter {
  private total = 0;
  private readonly perIp = new Map<string, number>();

  constructor(
    private readonly maxConnections: number,
    private readonly maxPerIp: number,
  ) {}

  /** Admits one connection from `ip`, or says which limit refuses it. */
  acquire(ip: string): Slot | LimitReached {
    if (this.total >= this.maxConnections) return { status: 503, reason: 'max_connections' };
    const n = this.perIp.get(ip) ?? 0;
    if (n >= this.maxPerIp) return { status: 429, reason: 'max_per_ip' };
    this.total += 1;
    this.perIp.set(ip, n + 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.total -= 1;
        const left = (this.perIp.get(ip) ?? 1) - 1;
        // Deleting at zero keeps the map as small as the set of clients connected now.
        if (left <= 0) this.perIp.delete(ip);
        else this.perIp.set(ip, left);
      },
    };
  }
}
