/**
 * The HTTP side of a WebSocket handshake: whether the bridge admits it (a pure decision
 * over the request and the operator's rules), which subprotocol it answers, which
 * framing that means, and who the client is.
 *
 * Whether a request is a valid WebSocket handshake at all is `ws`'s decision, made
 * before the bridge's (see bridge.ts): checking it twice could only disagree.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Framing, ResolvedTarget } from './option-values.js';
import type { RefusalReason } from './reasons.js';
import type { RouteTable } from './routes.js';

/** The subprotocol a client sends to ask for message framing. */
export const MESSAGE_PROTOCOL = 'xmlsocket.message';
/** websockify's name for raw binary frames; echoed so old websockify clients keep working. */
export const BINARY_PROTOCOL = 'binary';

/** What the admission rules need to know besides the request. */
export interface AdmissionRules {
  closing: boolean;
  routes: RouteTable;
  /** Allowed page origins; empty allows every origin. */
  origins: ReadonlySet<string>;
}

/** The outcome of {@link admit}. */
export type Admission =
  { ok: true; target: ResolvedTarget; path: string } | { ok: false; status: number; reason: RefusalReason };

/**
 * Decides whether a handshake that `ws` found valid may go on to its TCP target. It
 * looks at nothing but its arguments, and every refusal here happens before any
 * connection to a target is made.
 */
export function admit(req: IncomingMessage, rules: AdmissionRules): Admission {
  if (rules.closing) return { ok: false, status: 503, reason: 'shutting_down' };
  // RFC 6455 asks for HTTP/1.1 or later; an HTTP/1.0 client cannot be trusted to keep the connection.
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1) return { ok: false, status: 400, reason: 'bad_request' };
  // A handshake has no body: bytes announced as one would be read as WebSocket frames.
  if (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) !== 0) {
    return { ok: false, status: 400, reason: 'bad_request' };
  }
  const route = rules.routes.resolve(req.url ?? '');
  if (!route.ok) return { ok: false, status: route.status, reason: route.reason };
  const origin = req.headers.origin;
  if (rules.origins.size > 0 && (origin === undefined || !rules.origins.has(origin))) {
    return { ok: false, status: 403, reason: 'origin' };
  }
  return { ok: true, target: route.target, path: route.path };
}

/**
 * The subprotocol to answer, from those the client offered (as `ws` parsed them). A
 * client asking for `xmlsocket.message` gets message framing whatever the route says;
 * a subprotocol the client did not offer is never selected, because browsers fail
 * such a handshake.
 */
export function selectProtocol(offered: ReadonlySet<string>, routeFraming: Framing): string | false {
  if (offered.has(MESSAGE_PROTOCOL)) return MESSAGE_PROTOCOL;
  if (routeFraming === 'stream' && offered.has(BINARY_PROTOCOL)) return BINARY_PROTOCOL;
  return false;
}

/** The framing of a pair whose handshake answered `protocol` (`''` for none). */
export function framingFor(protocol: string, routeFraming: Framing): Framing {
  return protocol === MESSAGE_PROTOCOL ? 'message' : routeFraming;
}

/** Strips the IPv4-mapped prefix (a dual-stack socket's `::ffff:a.b.c.d`) so one client has one address for `maxPerIp`. */
export function canonicalIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * The client's address. Behind a reverse proxy (`trustProxy`), the last
 * `X-Forwarded-For` entry: the one the proxy itself appended, which a client cannot
 * forge; an entry that is not an IP address (a proxy that passes a client's header
 * through unchecked) is ignored, and the connection's own address used instead.
 * `peer` is the connection's address when a PROXY protocol header named it.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean, peer?: string): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const list = Array.isArray(header) ? header.join(',') : header;
    // An IPv6 address is at most 45 characters: anything longer is not looked at.
    const last = list?.slice(list.lastIndexOf(',') + 1, list.length).trim();
    if (last && last.length <= 45 && isIP(last)) return canonicalIp(last);
  }
  return canonicalIp(peer ?? req.socket.remoteAddress ?? 'unknown');
}

/**
 * Answers a handshake with an HTTP error and closes the socket. The body is the
 * refusal reason, so clients and operators can tell refusals apart.
 */
export function refuseHandshake(socket: Duplex, status: number, reason: RefusalReason): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${reason}\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Connection: close\r\nContent-Type: ${REFUSAL_TYPE}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
}

/** The content type of a refusal's body. */
export const REFUSAL_TYPE = 'text/plain; charset=utf-8';
