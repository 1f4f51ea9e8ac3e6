/**
 * A strict parser for the PROXY protocol header (versions 1 and 2) that load
 * balancers in TCP mode (HAProxy `send-proxy`/`send-proxy-v2`, AWS NLB, nginx
 * `proxy_protocol on`) put before the client's first byte, naming the client's
 * address. Spec: haproxy.org/download/2.6/doc/proxy-protocol.txt.
 *
 * Written here rather than taken from npm because the maintained packages parse a
 * complete buffer only; the bridge needs to know, chunk by chunk, whether it has a
 * header yet, must wait, or must refuse, and to refuse early and strictly (the header
 * decides the address `--max-per-ip` counts).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** An address and port named by the header. */
export interface ProxyEndpoint {
  address: string;
  port: number;
}

/** A parsed header. `source` is absent when the header names no client (v1 `UNKNOWN`, v2 `LOCAL` or an unspecified/UNIX family): use the connection's own address then. */
export interface ProxyHeader {
  version: 1 | 2;
  source: ProxyEndpoint | undefined;
  destination: ProxyEndpoint | undefined;
}

/** The outcome of looking at the bytes received so far. */
export type ProxyParse =
  | { state: 'incomplete' }
  | { state: 'done'; header: ProxyHeader; /** Header bytes: what follows is the client's data. */ length: number }
  | { state: 'invalid'; reason: string };

/** Longest v1 line, CRLF included (spec: 107). */
export const V1_MAX_LENGTH = 107;
/**
 * Longest v2 header we accept: the 16-byte preamble plus addresses and TLVs. The
 * spec allows 64 KiB of TLVs; load balancers send well under this.
 */
export const V2_MAX_LENGTH = 16 + 2048;

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const PORT_RE = /^(0|[1-9][0-9]{0,4})$/;

const incomplete: ProxyParse = { state: 'incomplete' };
const invalid = (reason: string): ProxyParse => ({ state: 'invalid', reason });

/** Whether `data` so far agrees with the first bytes of `signature`. */
function startsLike(data: Buffer, signature: Buffer): boolean {
  const n = Math.min(data.length, signature.length);
  return data.subarray(0, n).equals(signature.subarray(0, n));
}

/**
 * Looks at the first bytes of a connection: a whole header, not enough bytes yet, or
 * bytes that cannot start a valid header (refuse the connection).
 */
export function parseProxyHeader(data: Buffer): ProxyParse {
  if (data.length === 0) return incomplete;
  if (startsLike(data, V2_SIGNATURE)) return data.length < V2_SIGNATURE.length ? incomplete : parseV2(data);
  if (startsLike(data, V1_PREFIX)) return data.length < V1_PREFIX.length ? incomplete : parseV1(data);
  return invalid('no PROXY protocol header');
}

function parseV1(data: Buffer): ProxyParse {
  const end = data.subarray(0, V1_MAX_LENGTH).indexOf('\r\n');
  if (end < 0) {
    if (data.length >= V1_MAX_LENGTH) return invalid('PROXY v1 line longer than 107 bytes');
    // A bare LF or any byte outside printable ASCII can never become a valid line.
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if ((c < 0x20 || c > 0x7e) && !(c === 0x0d && i === data.length - 1))
        return invalid('PROXY v1 line has a byte outside printable ASCII');
    }
    return incomplete;
  }
  const line = data.toString('latin1', 0, end);
  if (!/^[\x20-\x7e]*$/.test(line)) return invalid('PROXY v1 line has a byte outside printable ASCII');
  const parts = line.split(' ');
  const length = end + 2;
  if (parts[1] === 'UNKNOWN')
    return { state: 'done', header: { version: 1, source: undefined, destination: undefined }, length };
  if (parts.length !== 6) return invalid('PROXY v1 line must be "PROXY TCP4|TCP6 SRC DST SPORT DPORT"');
  const [, family, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const isIp = family === 'TCP4' ? isIPv4 : family === 'TCP6' ? isIPv6 : undefined;
  if (!isIp)
    return invalid(`PROXY v1 family must be TCP4, TCP6 or UNKNOWN, got ${JSON.stringify(family.slice(0, 16))}`);
  // A zone id (fe80::1%eth0) names an interface of the balancer's host, not a client.
  if (!isIp(src) || !isIp(dst) || src.includes('%') || dst.includes('%')) {
    return invalid(`PROXY v1 addresses are not ${family} addresses`);
  }
  if (!PORT_RE.test(sport) || !PORT_RE.test(dport) || Number(sport) > 65535 || Number(dport) > 65535)
    return invalid('PROXY v1 ports must be 0-65535');
  return {
    state: 'done',
    header: {
      version: 1,
      source: { address: src, port: Number(sport) },
      destination: { address: dst, port: Number(dport) },
    },
    length,
  };
}

function parseV2(data: Buffer): ProxyParse {
  if (data.length < 16) {
    if (data.length > 12 && data[12]! >> 4 !== 2) return invalid('PROXY v2 version must be 2');
    return incomplete;
  }
  const versionCommand = data[12]!;
  if (versionCommand >> 4 !== 2) return invalid('PROXY v2 version must be 2');
  const command = versionCommand & 0x0f;
  if (command > 1) return invalid('PROXY v2 command must be LOCAL or PROXY');
  const family = data[13]! >> 4;
  const transport = data[13]! & 0x0f;
  const length = 16 + data.readUInt16BE(14);
  if (length > V2_MAX_LENGTH)
    return invalid(`PROXY v2 header of ${length} bytes is over the ${V2_MAX_LENGTH}-byte limit`);
  if (family > 3 || transport > 2) return invalid('PROXY v2 address family or transport is unknown');
  const addressBytes = [0, 12, 36, 216][family]!;
  if (length - 16 < addressBytes) return invalid('PROXY v2 header too short for its addresses');
  if (data.length < length) return incomplete;
  const unnamed: ProxyParse = {
    state: 'done',
    header: { version: 2, source: undefined, destination: undefined },
    length,
  };
  // LOCAL: the balancer's own connection (health checks); addresses are to be ignored.
  if (command === 0) return unnamed;
  if (transport === 2) return invalid('PROXY v2 names a datagram connection; the bridge takes streams');
  if (family === 0 || family === 3) return unnamed; // unspecified or UNIX: nothing usable as an IP address
  const body = data.subarray(16);
  if (family === 1) {
    const ip = (at: number) => `${body[at]}.${body[at + 1]}.${body[at + 2]}.${body[at + 3]}`;
    return {
      state: 'done',
      header: {
        version: 2,
        source: { address: ip(0), port: body.readUInt16BE(8) },
        destination: { address: ip(4), port: body.readUInt16BE(10) },
      },
      length,
    };
  }
  const ip6 = (at: number) => formatIPv6(body.subarray(at, at + 16));
  return {
    state: 'done',
    header: {
      version: 2,
      source: { address: ip6(0), port: body.readUInt16BE(32) },
      destination: { address: ip6(16), port: body.readUInt16BE(34) },
    },
    length,
  };
}

/** RFC 5952 text of 16 bytes: lower case, longest zero run as `::`, IPv4-mapped as `::ffff:a.b.c.d`. */
function formatIPv6(bytes: Buffer): string {
  const words = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff)
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
