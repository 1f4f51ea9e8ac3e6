/**
 * What a connection is, from its first bytes, when browsers and raw TCP clients share a
 * port (`--raw-tcp`): an HTTP request (a WebSocket handshake, `/healthz`, a page), a TLS
 * hello, Flash's policy-file request, or a raw XMLSocket client.
 *
 * A browser's first packet holds its whole request line, so it is told apart as soon as
 * it arrives. A raw client starts with XML, a policy request or its game's own text, none
 * of which starts like an HTTP method followed by a space, or like a TLS record.
 */

/** What the first bytes say. */
export type ConnectionKind = 'http' | 'tls' | 'policy' | 'raw';

/** The request Flash Player and AIR send before an XMLSocket connects. */
export const POLICY_REQUEST = Buffer.from('<policy-file-request/>\0', 'latin1');

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE'].map((m) =>
  Buffer.from(`${m} `, 'latin1'),
);
/** A TLS record carrying a handshake message (the ClientHello), any TLS version. */
const TLS_HANDSHAKE = Buffer.from([0x16, 0x03]);

/** What the first bytes may start with, and what each start makes the connection. */
const WITHOUT_POLICY: readonly (readonly [Buffer, ConnectionKind])[] = [
  ...HTTP_METHODS.map((m) => [m, 'http'] as const),
  [TLS_HANDSHAKE, 'tls'],
];
const WITH_POLICY = [...WITHOUT_POLICY, [POLICY_REQUEST, 'policy'] as const];

/** How the bytes compare with `expected`: it starts them, they may still become it, or neither. */
export function compare(bytes: Buffer, expected: Buffer): 'match' | 'prefix' | 'no' {
  const n = Math.min(bytes.length, expected.length);
  if (bytes.compare(expected, 0, n, 0, n) !== 0) return 'no';
  return bytes.length >= expected.length ? 'match' : 'prefix';
}

/**
 * Classifies the bytes received so far; `undefined` while they could still become
 * more than one kind. `policy` is only a kind when the bridge answers policy requests
 * itself; otherwise the request is a raw client's first message.
 */
export function sniff(bytes: Buffer, answersPolicy: boolean): ConnectionKind | undefined {
  if (bytes.length === 0) return undefined;
  let undecided = false;
  for (const [expected, kind] of answersPolicy ? WITH_POLICY : WITHOUT_POLICY) {
    const seen = compare(bytes, expected);
    if (seen === 'match') return kind;
    if (seen === 'prefix') undecided = true;
  }
  return undecided ? undefined : 'raw';
}
