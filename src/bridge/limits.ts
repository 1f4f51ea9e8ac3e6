/**
 * Connection admission: `maxConnections` overall and `maxPerIp` per client address.
 *
 * Pending handshakes count too, so a flood of slow TCP connects cannot get past the
 * limit while the targets are still answering.
 */
import type { RefusalReason } from './errors.js';

/** Counts connections and refuses those beyond the limits. */
export class ConnectionLimiter {
  private total = 0;
  private readonly perIp = new Map<string, number>();

  constructor(
    private readonly maxConnections: number,
    private readonly maxPerIp: number,
  ) {}

  /** Connections currently admitted (pending and open). */
  get size(): number {
    return this.total;
  }

  /** Admits one connection from `ip`, or says which limit refuses it. Every admission needs one {@link release}. */
  acquire(ip: string): { ok: true } | { ok: false; status: 429 | 503; reason: RefusalReason } {
    if (this.total >= this.maxConnections) return { ok: false, status: 503, reason: 'max_connections' };
    const n = this.perIp.get(ip) ?? 0;
    if (n >= this.maxPerIp) return { ok: false, status: 429, reason: 'max_per_ip' };
    this.total += 1;
    this.perIp.set(ip, n + 1);
    return { ok: true };
  }

  /** Gives back an admission made by {@link acquire}. */
  release(ip: string): void {
    this.total -= 1;
    const n = (this.perIp.get(ip) ?? 1) - 1;
    // Deleting at zero keeps the map as small as the set of clients connected now.
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }
}
