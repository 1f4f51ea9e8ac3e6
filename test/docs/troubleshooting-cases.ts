// The rows of docs/troubleshooting.md and the tests that produce their symptoms: each
// case names its row (the bold label that opens the Symptom cell) and the strings that
// must appear both in that cell and in what the test observed. Pages' symptoms are
// produced in three engines (test/browser/troubleshooting.test.ts), the bridge's own
// in Node (test/docs/troubleshooting.test.ts), which also checks that every row has a
// case. Plain data: the browser and Node both import it.

export interface Case {
  /** The row's bold label, without the final period. */
  row: string;
  /** Text that must be in the row's Symptom cell and in what the test saw. */
  expect: string[];
}

/** Symptoms a page sees; the scenario of the same name is set up by test/servers/troubleshooting.ts. */
export const PAGE_CASES = {
  origin: { row: 'Origin not allowed', expect: ['(403 origin)'] },
  unknownPath: { row: 'Unknown path', expect: ['(404 unknown_path)'] },
  badPath: { row: 'Path refused', expect: ['(404 bad_path)'] },
  notAllowed: { row: 'Host and port not allowed', expect: ['(403 not_allowed)'] },
  targetRefused: { row: 'Game server refused or unreachable', expect: ['(502 connect_refused)', 'ECONNREFUSED'] },
  publicHostName: { row: "The game's public host name", expect: ['(502 connect_refused)', 'ENOTFOUND'] },
  targetSilent: { row: 'Game server silent', expect: ['(504 connect_timeout)'] },
  maxPerIp: { row: 'Too many from one address', expect: ['(429 max_per_ip)'] },
  maxConnections: { row: 'Bridge full', expect: ['(503 max_connections)'] },
  noUrl: {
    row: 'No URL configured',
    expect: ['XMLSocket: no data-url or configure({ url }): using ws://{host}:{port}/'],
  },
  rawTcp: {
    row: 'A raw TCP server, reached without the bridge',
    expect: ['WebSocket closed with code 1006 before opening'],
  },
  silent: { row: 'Nothing answers in time', expect: ['timed out after'] },
  mixedContent: {
    row: 'Mixed content',
    expect: ['XMLSocket: Error #2048: Security sandbox violation. ws: from an https page'],
  },
  streamAgainstWebSocket: { row: 'Wrong framing: stream against a WebSocket server', expect: ['onConnect(true)'] },
  messageAgainstBridge: { row: 'Wrong framing: message against the bridge', expect: ['onConnect(true)'] },
  idle: { row: 'Cut when quiet', expect: ['onClose()', 'idle_timeout'] },
} satisfies Record<string, Case>;

export type PageCase = keyof typeof PAGE_CASES;

/** Symptoms only the bridge shows (or a page cannot be made to cause). */
export const BRIDGE_CASES = {
  shuttingDown: { row: 'Bridge stopping', expect: ['(503 shutting_down)'] },
  maxHandshakes: { row: 'Too many sockets at once', expect: ['max_handshakes'] },
  admitted: { row: 'Refused, then accepted', expect: ['xmlsocket-bridge accepts this connection now'] },
  badRequest: { row: 'Not a WebSocket handshake', expect: ['(400 bad_request)'] },
  earlyData: { row: 'Data before the answer', expect: ['(400 early_data)'] },
  headersTimeout: { row: 'Request too slow', expect: ['(408 headers_timeout)'] },
  headerTooLarge: { row: 'Request head too large', expect: ['(431 header_too_large)'] },
  unexpectedTls: { row: 'TLS to a plain bridge', expect: ['unexpected_tls'] },
  badPolicyRequest: { row: 'Wrong bytes on the policy port', expect: ['bad_policy_request'] },
  clientGone: { row: 'Client left', expect: ['client_gone'] },
  proxyProtocol: { row: 'PROXY header missing', expect: ['proxy_protocol'] },
} satisfies Record<string, Case>;

/** A row of the page: its label and its Symptom cell. */
export interface Row {
  row: string;
  symptom: string;
}

/**
 * The rows of every table in the page whose first cell opens with a bold label.
 * Backticks are kept out, so that `expect` strings read as the page shows them.
 */
export function rowsOf(markdown: string): Row[] {
  const rows: Row[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^\| \*\*(.+?)\.\*\*(.*?) \|/.exec(line);
    if (m) rows.push({ row: m[1]!, symptom: m[2]!.replace(/`/g, '') });
  }
  return rows;
}
