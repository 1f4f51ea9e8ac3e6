/**
 * Why a browser's handshake was refused, told to the page.
 *
 * Browsers hide the HTTP status of a refused WebSocket handshake from scripts: the page
 * only sees code 1006. So after a failed handshake the library asks the same URL again
 * with a plain GET whose `Accept` is {@link DIAGNOSIS_TYPE}, and the bridge answers what
 * it would answer that page's handshake now, in words that name the fix: the same
 * admission rules, the same limits, and a short TCP connect to the target.
 *
 * It tells nothing an HTTP client cannot already learn: any client that sends a
 * handshake gets the refusal's status and its reason code as the body. The words
 * name only what the request itself carried (its path, its origin) and the bridge's
 * flags, never a target's address or the error that reaching it gave (those stay in
 * the `refused` log line). A successful connection never asks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatHostPort } from './address.js';
import { connectTarget } from './connect.js';
import { admit, type AdmissionRules } from './handshake.js';
import type { ConnectionLimiter } from './limits.js';
import type { Logger } from './log.js';
import { REFUSALS, type RefusalReason } from './reasons.js';
import { parseHostPortPath, pathOf } from './routes.js';

/** The `Accept` of the library's question, and the content type of the answer. */
export const DIAGNOSIS_TYPE = 'text/x-xmlsocket-why';

/**
 * The longest the answer waits for the target. The handshake before it already waited
 * the whole `--connect-timeout`, and the page's own timeout runs meanwhile.
 */
export const PROBE_TIMEOUT_MS = 3000;

/** What the bridge would do with the page's handshake now. */
export type Verdict = RefusalReason | 'admitted';

/** Whether a request is the library's question rather than a page or a file. */
export function isDiagnosisRequest(req: IncomingMessage): boolean {
  return req.method === 'GET' && req.headers.accept === DIAGNOSIS_TYPE;
}

export interface DiagnosisOptions {
  /** The admission rules as they are at the time of the question. */
  rules(): AdmissionRules;
  limiter: ConnectionLimiter;
  connectTimeoutMs: number;
  highWaterMark: number;
  log: Logger;
}

/** Answers the library's questions. */
export class Diagnosis {
  constructor(private readonly o: DiagnosisOptions) {}

  /** Answers one question from the client at `ip`. */
  answer(req: IncomingMessage, res: ServerResponse, ip: string): void {
    let cancel = () => {};
    res.on('close', () => cancel());
    const reply = (verdict: Verdict, detail?: string) => {
      const text = explain(verdict, req);
      // Attacker-chosen strings: capped, as in the refused line.
      const [path, origin] = [req.url, req.headers.origin].map((s) => s?.slice(0, 256));
      this.o.log.log('debug', 'diagnosis', { ip, path, origin, verdict, ...(detail === undefined ? {} : { detail }) });
      if (res.destroyed) return;
      res.writeHead(200, {
        'content-type': DIAGNOSIS_TYPE,
        'content-length': Buffer.byteLength(text),
        // Any page may read it: it is what that page's handshake would be told anyway.
        'access-control-allow-origin': '*',
        'cache-control': 'no-store',
      });
      res.end(text);
    };
    const admission = admit(req, this.o.rules());
    if (!admission.ok) return reply(admission.reason);
    const slot = this.o.limiter.acquire(ip);
    if (!('release' in slot)) return reply(slot.reason);
    // The probe counts against the limits like the handshake it stands for.
    const timeoutMs = Math.min(this.o.connectTimeoutMs, PROBE_TIMEOUT_MS);
    const probe = connectTarget(admission.target, timeoutMs, this.o.highWaterMark, (result) => {
      slot.release();
      if (result.ok) result.socket.destroy();
      if (result.ok) reply('admitted');
      else reply(result.reason, `${formatHostPort(admission.target)}: ${result.error}`);
    });
    cancel = () => {
      probe.cancel();
      slot.release();
    };
  }
}

/**
 * The answer, one line: who says it, the status and reason code a handshake gets, and
 * what to change.
 */
export function explain(verdict: Verdict, req: IncomingMessage): string {
  if (verdict === 'admitted') {
    return (
      'xmlsocket-bridge accepts this connection now (it reached the game server): ' +
      'the refusal was passing (a limit, a restart), or came from a proxy in front of the bridge'
    );
  }
  const path = pathOf(req.url ?? '');
  return `xmlsocket-bridge refused the connection (${REFUSALS[verdict].status} ${verdict}): ${FIXES[verdict](path, req.headers.origin)}`;
}

type Fix = (path: string, origin: string | undefined) => string;

const FIXES: Record<RefusalReason, Fix> = {
  bad_request: () => 'not a WebSocket handshake the bridge accepts (HTTP/1.1, a valid key, an origin-form path)',
  bad_path: (path) =>
    `the path ${path} has characters the bridge refuses (%, .., \\, // or control characters): check the page's URL template`,
  unknown_path: (path) =>
    `no --route matches the path ${path} and there is no --target: make the page's URL template give a path the bridge routes`,
  not_allowed: (path) => {
    const pair = parseHostPortPath(path);
    const target = pair ? formatHostPort(pair) : path.slice(1);
    return (
      `${target} is not on the bridge's --allow list: add --allow ${target}, or ` +
      `--route ${path}=HOST:PORT to send this path to the game server's own address`
    );
  },
  origin: (_, origin) =>
    origin === undefined
      ? 'the request carried no Origin, and the bridge only admits the origins listed with --origin'
      : `this page's origin, ${origin}, is not on the bridge's --origin list: add --origin ${origin}`,
  headers_timeout: () =>
    'the request did not arrive within --headers-timeout: check the network between the page and the bridge',
  header_too_large: () => 'the request head is larger than --max-header-size: look for oversized cookies on this host',
  max_per_ip: () =>
    'this address has --max-per-ip connections open already: close the sockets the game no longer uses, or raise --max-per-ip',
  max_connections: () =>
    'the bridge has --max-connections connections open: raise --max-connections, or run more workers or bridges',
  max_handshakes: () =>
    'too many sockets are still in their handshake (--max-handshakes): look for a flood, or raise the limits and the open-file limit',
  shutting_down: () => 'the bridge is stopping: connect again in a moment',
  connect_refused: () =>
    'the bridge could not connect to the game server (refused, unreachable, or its name does not resolve): ' +
    "check that the server runs, and that the bridge's --target, --route or --allow names it by an address " +
    "the bridge can reach; the bridge's refused log line gives the error",
  connect_timeout: () =>
    'the game server did not accept the TCP connection within --connect-timeout: ' +
    'check that it runs and that no firewall drops the packets from the bridge',
  early_data: () => 'the client sent data before the handshake was answered',
  client_gone: () => 'the client left while the bridge was connecting',
  proxy_protocol: () => 'the connection did not start with the PROXY protocol header --proxy-protocol requires',
  unexpected_tls: () =>
    'the connection began with TLS, and the bridge has no certificate: use ws://, or give --cert and --key',
  bad_policy_request: () => "the bridge's policy port answers <policy-file-request/> only",
};
