/**
 * Why a handshake was refused and why a pair ended: the `reason` of the `refused` and
 * `connection` log lines, the `reason` label of the refusal and close counters, and the
 * tables in docs/bridge.md (generated from these two lists).
 */

/**
 * Every refusal, with the HTTP status it answers (`null`: the connection is closed
 * without an answer) and what it means. The status is also the response body's
 * reason code, so a client and an operator can tell refusals apart.
 */
export const REFUSALS = {
  bad_request: {
    status: 400,
    meaning: 'Not a valid WebSocket handshake (as `ws` checks it), not HTTP/1.1, or an absolute-form URL.',
  },
  bad_path: { status: 404, meaning: 'The path has `%`, `..`, `\\`, `//` or control characters.' },
  unknown_path: { status: 404, meaning: 'No route matches, and there is no `target`.' },
  not_allowed: { status: 403, meaning: '`/HOST/PORT` names a pair that is not in `--allow`.' },
  origin: { status: 403, meaning: '`Origin` is missing or not listed.' },
  headers_timeout: {
    status: 408,
    meaning: 'The request head, a TLS handshake or a body did not arrive within `--headers-timeout` (slowloris).',
  },
  header_too_large: { status: 431, meaning: 'The request head is larger than `--max-header-size`.' },
  max_per_ip: { status: 429, meaning: '`--max-per-ip` reached.' },
  max_connections: { status: 503, meaning: '`--max-connections` reached.' },
  max_handshakes: {
    status: null,
    meaning:
      'More sockets than `--max-connections` plus `--max-handshakes` are open, or than `--max-per-ip` plus `--max-handshakes` from one address: closed at once, unanswered (logged at most once a second).',
  },
  shutting_down: { status: 503, meaning: 'The bridge is stopping.' },
  connect_refused: {
    status: 502,
    meaning: 'The TCP server refused the connection, or its address could not be resolved or reached.',
  },
  connect_timeout: { status: 504, meaning: 'No TCP connection within `--connect-timeout`.' },
  early_data: {
    status: 400,
    meaning:
      'The client sent more than 64 KiB before the handshake was answered (WebSocket clients send nothing then).',
  },
  client_gone: { status: null, meaning: 'The client left while the bridge was connecting (counted, no response).' },
  unexpected_tls: {
    status: null,
    meaning:
      'With `--raw-tcp`: a connection began with a TLS hello, and the bridge has no certificate (closed unanswered).',
  },
  bad_policy_request: {
    status: null,
    meaning:
      'On `--policy-listen`: the connection sent something other than `<policy-file-request/>`, or not within `--headers-timeout` (closed unanswered).',
  },
  proxy_protocol: {
    status: null,
    meaning:
      'With `--proxy-protocol`: the connection did not start with a valid PROXY header (closed without a response; logged with a `detail`).',
  },
} as const satisfies Record<string, { status: number | null; meaning: string }>;

/** Why a WebSocket handshake was refused. */
export type RefusalReason = keyof typeof REFUSALS;

/**
 * Every way an established pair ends, with the WebSocket close codes sent to the client
 * (none: the client closed, or is gone) and what it means.
 */
export const CLOSES = {
  client_closed: {
    codes: [],
    meaning: "The client closed or vanished; logged with the client's own code (1005 or 1006 if it sent none).",
  },
  target_closed: { codes: [1000], meaning: 'The TCP server closed the connection.' },
  target_error: { codes: [1011], meaning: 'The TCP connection was reset or failed.' },
  message_too_big: {
    codes: [1009],
    meaning: 'A message over `--max-message` (logged as `warn`; only that pair is closed).',
  },
  client_error: {
    codes: [1002, 1007, 1008],
    meaning:
      'A broken frame (1002), invalid UTF-8 in a text frame (1007), or a message in more than 16,384 fragments (1008); closed by `ws` and logged with that code.',
  },
  idle_timeout: { codes: [1000], meaning: 'No data either way for `--idle-timeout`.' },
  ping_timeout: {
    codes: [],
    meaning:
      'The client missed a ping (`--ping-interval`) and was cut without a close frame; logged as 1006. The target connection is ended.',
  },
  ping_flood: {
    codes: [],
    meaning: 'The client sent pings without reading the pongs (60 unread): cut without a close frame; logged as 1006.',
  },
  shutdown: { codes: [1001], meaning: 'The bridge is stopping.' },
} as const satisfies Record<string, { codes: readonly number[]; meaning: string }>;

/** Why an established pair ended. */
export type CloseReason = keyof typeof CLOSES;

/** Every refusal reason, in table order. */
export const REFUSAL_REASONS = Object.keys(REFUSALS) as RefusalReason[];
/** Every close reason, in table order. */
export const CLOSE_REASONS = Object.keys(CLOSES) as CloseReason[];
