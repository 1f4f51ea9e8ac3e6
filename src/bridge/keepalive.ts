/**
 * WebSocket keepalive: the bridge pings every client once per `pingInterval`, and
 * cuts the clients that did not answer the previous ping, as the `ws` README's
 * heartbeat example does.
 *
 * A client that vanished without a packet (a laptop lid shut, a phone leaving Wi-Fi,
 * a NAT mapping dropped) sends no FIN and no RST, so without this its TCP connection
 * to the game server would stay open until the kernel gives up, hours later. A
 * client's pong or any message counts as an answer, so each client is found dead
 * within two intervals.
 *
 * One timer for the whole bridge, not one per connection. It does not ping everyone
 * at once: each ping is a socket write, and 5,000 of them in one go held the event
 * loop for 0.3 to 0.9 s on the test machine, which every message in flight waited
 * for. Pairs are dealt round-robin into slots, and each tick (about every 100 ms)
 * serves one slot, so every pair is still visited exactly once per interval.
 */

/** What the sweep needs from a pair. */
export interface Heartbeat {
  /** Cuts the client if it missed the last ping, else sends the next one. */
  heartbeat(): void;
  /** The slot the pair was dealt into; owned by {@link Keepalive}. */
  keepaliveSlot: number;
}

/** Aim for a tick about this often, whatever the interval. */
const TICK_MS = 100;
/** More slots than this would only make ticks emptier. */
const MAX_SLOTS = 600;

/** The bridge's keepalive sweep. With `intervalMs` 0 every method does nothing. */
export class Keepalive {
  private readonly slots: Set<Heartbeat>[];
  private timer: NodeJS.Timeout | undefined;
  private nextSlot = 0;
  private dealt = 0;

  constructor(private readonly intervalMs: number) {
    const count = intervalMs > 0 ? Math.min(MAX_SLOTS, Math.max(1, Math.round(intervalMs / TICK_MS))) : 0;
    this.slots = Array.from({ length: count }, () => new Set());
  }

  /** Starts ticking (once the bridge listens). */
  start(): void {
    if (this.slots.length === 0 || this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs / this.slots.length);
    // The server keeps the process alive while it listens; the sweep alone must not.
    this.timer.unref();
  }

  /** Stops ticking (the bridge is closing). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  add(pair: Heartbeat): void {
    if (this.slots.length === 0) return;
    pair.keepaliveSlot = this.dealt++ % this.slots.length;
    this.slots[pair.keepaliveSlot]!.add(pair);
  }

  delete(pair: Heartbeat): void {
    this.slots[pair.keepaliveSlot]?.delete(pair);
  }

  private tick(): void {
    const slot = this.slots[this.nextSlot]!;
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
    for (const pair of slot) pair.heartbeat();
  }
}
