/**
 * `HOST:PORT` parsing shared by `--target`, `--route`, `--allow` and `--listen`.
 *
 * Deliberately strict: the same parser decides what an operator may list and what a
 * request path may name, so anything it does not recognise is refused rather than
 * guessed at.
 */

/** A TCP endpoint. `host` is a hostname, an IPv4 address or an IPv6 address without brackets. */
export interface HostPort {
  host: string;
  port: number;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME_RE = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'i');
const IPV6_RE = /^[0-9a-f:.]+$/i;
const PORT_RE = /^(0|[1-9][0-9]{0,4})$/; // no leading zeros: one spelling per port

/** Whether `host` (IPv6 without brackets) is a name or address we accept. */
export function isValidHost(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  if (host.includes(':')) return IPV6_RE.test(host) && host.split(':').length >= 3;
  return HOSTNAME_RE.test(host);
}

/** Parses a decimal port; `min` is 0 for listen addresses (ephemeral), else 1. */
export function parsePort(text: string, min = 1): number | undefined {
  if (!PORT_RE.test(text)) return undefined;
  const port = Number(text);
  return port >= min && port <= 65535 ? port : undefined;
}

/** Lower-cases the host so `Game.Example` and `game.example` name the same target. */
export function normalizeHost(host: string): string {
  return host.toLowerCase();
}

/**
 * Parses `HOST:PORT` or `[IPv6]:PORT`. Returns `undefined` for anything else.
 *
 * @example
 * parseHostPort('127.0.0.1:5000') // { host: '127.0.0.1', port: 5000 }
 * parseHostPort('[::1]:5000')     // { host: '::1', port: 5000 }
 */
export function parseHostPort(text: string, minPort = 1): HostPort | undefined {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0 || text[end + 1] !== ':') return undefined;
    host = text.slice(1, end);
    if (!host.includes(':')) return undefined;
    portText = text.slice(end + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return undefined;
    host = text.slice(0, colon);
    if (host.includes(':')) return undefined; // bare IPv6 needs brackets here
    portText = text.slice(colon + 1);
  }
  const port = parsePort(portText, minPort);
  if (port === undefined || !isValidHost(host)) return undefined;
  return { host: normalizeHost(host), port };
}

/** The canonical `host:port` key (IPv6 in brackets), used for the allow list and logs. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A listen address: `host` undefined means all interfaces. */
export interface ListenAddress {
  host: string | undefined;
  port: number;
}

/**
 * Parses `--listen`: `PORT`, `HOST:PORT` or `[IPv6]:PORT`, or a number. Port 0 asks the
 * OS for a free port.
 */
export function parseListen(value: string | number): ListenAddress | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= 65535 ? { host: undefined, port: value } : undefined;
  }
  const portOnly = parsePort(value, 0);
  if (portOnly !== undefined) return { host: undefined, port: portOnly };
  const hp = parseHostPort(value, 0);
  return hp && { host: hp.host, port: hp.port };
}

/**
 * The eight 16-bit words of an IPv6 address as `net.isIPv6` accepts it (`::` and an
 * IPv4 tail included).
 */
export function ipv6Words(address: string): number[] {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const words =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return words.map((word) => parseInt(word, 16));
}
