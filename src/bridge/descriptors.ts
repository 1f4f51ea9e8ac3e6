/**
 * The process's open-file limit, and the connection limits that fit in it.
 *
 * Every bridged connection holds two descriptors (the client's socket and the
 * target's), every socket still in its handshake one, and the process needs a few of
 * its own (listeners, IPC, the event loop). A process that runs out does not fail
 * cleanly: accept() fails, and a `--workers` worker that cannot receive the socket the
 * primary hands it stops taking connections. So the limits are lowered at start to
 * what the process can hold, and the bridge says so.
 */
import { readFileSync } from 'node:fs';

/** Descriptors kept for the process itself. */
export const RESERVED_DESCRIPTORS = 64;

/** The soft limit on open files (Node raises it to the hard limit at start), or `undefined` where unknown. */
export function openFileLimit(): number | undefined {
  try {
    // Linux; elsewhere the limits are left as given.
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line?.[1] === undefined || line[1] === 'unlimited' ? undefined : Number(line[1]);
  } catch {
    return undefined;
  }
}

/** Limits after fitting, and what was lowered. */
export interface FittedLimits {
  maxConnections: number;
  maxHandshakes: number;
  /** Why a limit was lowered, for the log; `undefined` when both fit as given. */
  lowered: string | undefined;
}

/**
 * Lowers `maxHandshakes` to at most a quarter of the descriptors the process has to
 * spare, then `maxConnections` to what is left at two descriptors each.
 */
export function fitLimits(maxConnections: number, maxHandshakes: number, limit = openFileLimit()): FittedLimits {
  if (limit === undefined) return { maxConnections, maxHandshakes, lowered: undefined };
  const spare = Math.max(limit - RESERVED_DESCRIPTORS, 8);
  const handshakes = Math.max(1, Math.min(maxHandshakes, Math.floor(spare / 4)));
  const connections = Math.max(1, Math.min(maxConnections, Math.floor((spare - handshakes) / 2)));
  const changes = [
    connections < maxConnections ? `maxConnections ${maxConnections} -> ${connections}` : '',
    handshakes < maxHandshakes ? `maxHandshakes ${maxHandshakes} -> ${handshakes}` : '',
  ].filter(Boolean);
  const lowered =
    changes.length === 0
      ? undefined
      : `lowered to fit the open-file limit of ${limit} (2 per connection, 1 per handshake, ${RESERVED_DESCRIPTORS} for the process): ${changes.join(', ')}; raise the limit (ulimit -n, systemd LimitNOFILE) to keep them`;
  return { maxConnections: connections, maxHandshakes: handshakes, lowered };
}
