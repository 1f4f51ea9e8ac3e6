/**
 * The HTTP side of a WebSocket handshake, checked before the bridge spends a TCP
 * connection on it: validity, subprotocol choice, client address, and refusals.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Framing } from './options.js';

/** The subprotocol a client sends to ask for message framing. */
export const MESSAGE_PROTOCOL = 'xmlsocket.message';
/** websockify's name for raw binary frames; echoed so old websockify clients keep working. */
export const BINARY_PROTOCOL = 'binary';

const KEY_RE = /^[+/0-9A-Za-z]{22}==$/;
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Whether `req` is a handshake `ws` will accept. Checked up front because `ws` would
 * refuse it only after the bridge had already connected to the target.
 */
export function isValidHandshake(req: IncomingMessage): boolean {
  const version = req.headers['sec-websocket-version'];
  return (
    req.method === 'GET' &&
    req.headers.upgrade?.toLowerCase() === 'websocket' &&
    KEY_RE.test(req.headers['sec-websocket-key'] ?? '') &&
    (version === '13' || version === '8')
  );
}

/** The subprotocols the client offered; `undefined` if the header is malformed. */
export function offeredProtocols(req: IncomingMessage): Set<string> | undefined {
  const header = req.headers['sec-websocket-protocol'];
  const offered = new Set<string>();
  if (header === undefined) return offered;
  for (const part of header.split(',')) {
    const token = part.trim();
    if (!TOKEN_RE.test(token) || offered.has(token)) return undefined;
    offered.add(token);
  }
  return offered;
}

/**
 * Picks framing and the subprotocol to echo. A client asking for `xmlsocket.message`
 * gets message framing whatever the route says; a subprotocol the client did not
 * offer is never selected, because browsers fail such a handshake.
 */
export function chooseFraming(
  offered: Set<string>,
  routeFraming: Framing,
): { framing: Framing; protocol: string | undefined } {
  if (offered.has(MESSAGE_PROTOCOL)) return { framing: 'message', protocol: MESSAGE_PROTOCOL };
  if (routeFraming === 'stream' && offered.has(BINARY_PROTOCOL))
    return { framing: 'stream', protocol: BINARY_PROTOCOL };
  return { framing: routeFraming, protocol: undefined };
}

/** Strips the IPv4-mapped prefix so one client has one address for `maxPerIp`. */
function canonicalIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/**
 * The client's address. Behind a reverse proxy (`trustProxy`), the last
 * `X-Forwarded-For` entry: the one the proxy itself appended, which a client cannot forge.
 * `peer` is the connection's address when a PROXY protocol header named it.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean, peer?: string): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : header)?.split(',').pop()?.trim();
    if (last) return canonicalIp(last);
  }
  return canonicalIp(peer ?? req.socket.remoteAddress ?? 'unknown');
}

/**
 * Answers a handshake with an HTTP error and closes the socket. The body is the
 * refusal reason code, so clients and operators can tell refusals apart.
 */
export function refuseHandshake(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = `${body}\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}
