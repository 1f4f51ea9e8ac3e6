/**
 * WebSocket keepalive: one timer for the whole bridge pings every client each
 * `pingInterval`, and cuts the clients that did not answer the previous ping, as the
 * `ws` README's heartbeat example does.
 *
 * A client that vanished without a packet (a laptop lid shut, a phone leaving Wi-Fi,
 * a NAT mapping dropped) sends no FIN and no RST, so without this its TCP connection
 * to the game server would stay open until the kernel gives up, hours later. A
 * client's pong or any message counts as an answer, so each client is found dead
 * within two intervals. One sweep per interval rather than one timer per connection
 * keeps the cost at one walk over the open pairs.
 */

/** What the sweep needs from a pair. */
export interface Heartbeat {
  /** Cuts the client if it missed the last ping, else sends the next one. */
  heartbeat(): void;
}

/** Starts the sweep; returns the function that stops it. `intervalMs` 0 disables it. */
export function startKeepalive(intervalMs: number, pairs: Iterable<Heartbeat>): () => void {
  if (intervalMs <= 0) return () => {};
  const timer = setInterval(() => {
    for (const pair of pairs) pair.heartbeat();
  }, intervalMs);
  // The server keeps the process alive while it listens; the sweep alone must not.
  timer.unref();
  return () => clearInterval(timer);
}
