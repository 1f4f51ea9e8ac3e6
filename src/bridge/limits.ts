/**
 * Connection admission: `maxConnections` overall and `maxPerIp` per client address.
 *
 * Pending handshakes count too, so a flood of slow TCP connects cannot get past the
 * limit while the targets are still answering. An IPv6 client counts by its /64: one
 * subscriber usually gets a whole /64, and could otherwise take a new address per
 * connection.
 */
import { isIPv6 } from 'node:net';
import type { RefusalReason } from './reasons.js';

/** The key a client address counts under: itself, or its /64 for IPv6. */
export function addressKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

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
  acquire(address: string): Slot | LimitReached {
    if (this.total >= this.maxConnections) return { status: 503, reason: 'max_connections' };
    const ip = addressKey(address);
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
