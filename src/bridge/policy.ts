/**
 * Flash's socket policy file. Before an XMLSocket connects, Flash Player and AIR ask
 * for a policy with `<policy-file-request/>` and a zero byte: first on port 843, then
 * on the game's port. The answer is the policy, a zero byte, and the end of the
 * connection, as Flash's own policy servers gave it.
 *
 * With `--policy auto` the bridge writes a policy that permits exactly the port(s) where
 * it takes raw clients, for the domains `--origin` names (or any domain when none is
 * named); with `--policy-file` it serves the operator's own.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { BridgeError } from './errors.js';
import { readFirstBytes } from './first-bytes.js';
import { compare, POLICY_REQUEST } from './sniff.js';
import type { SocketGate } from './socket-gate.js';

/** The policy the bridge writes for `domains` (host names; `*` for any) and `ports`. */
export function generatedPolicy(domains: readonly string[], ports: readonly number[]): string {
  const allow = (domains.length === 0 ? ['*'] : domains).map(
    (domain) => `  <allow-access-from domain="${domain}" to-ports="${ports.join(',')}"/>`,
  );
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE cross-domain-policy SYSTEM "/xml/dtds/cross-domain-policy.dtd">',
    '<cross-domain-policy>',
    '  <site-control permitted-cross-domain-policies="master-only"/>',
    ...allow,
    '</cross-domain-policy>',
  ].join('\n');
}

/** The host names of page origins, for `allow-access-from domain` (`https://game.example` → `game.example`). */
export function policyDomains(origins: Iterable<string>): string[] {
  return [...new Set([...origins].map((origin) => new URL(origin).hostname))];
}

/**
 * Reads the operator's policy file.
 *
 * @throws {BridgeError} `ERR_BRIDGE_POLICY_FILE` when it cannot be read or is not a policy.
 */
export function readPolicyFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new BridgeError('ERR_BRIDGE_POLICY_FILE', `cannot read policy file ${file}: ${reason}`);
  }
  if (!text.includes('<cross-domain-policy') || text.includes('\0')) {
    throw new BridgeError(
      'ERR_BRIDGE_POLICY_FILE',
      `policy file ${file} is not a cross-domain policy (no <cross-domain-policy>, or a zero byte in it)`,
    );
  }
  return text.trimEnd();
}

/** The whole answer to one policy request: the policy and its zero byte. */
export function policyAnswer(policy: string): Buffer {
  return Buffer.from(`${policy}\0`, 'utf8');
}

/** Answers one policy request on `socket` (already read): the policy, its zero byte, the end. */
export function answerPolicy(socket: Socket, answer: Buffer): void {
  socket.on('error', () => socket.destroy());
  socket.end(answer);
  // Whatever the client sends after its request is not read.
  socket.resume();
}

export interface PolicyServerOptions {
  gate: SocketGate;
  /** How long a client may take to send its request. */
  timeoutMs: number;
  /** The policy and its zero byte (known once the bridge listens). */
  answer(): Buffer;
  refused(peer: string, detail: string): void;
}

/**
 * A listener that answers policy requests only, as Flash's own policy servers did on
 * port 843: one request per connection, at most its 23 bytes, within the timeout.
 */
export function createPolicyServer(o: PolicyServerOptions): Server {
  return createServer((socket) => {
    if (!o.gate.admit(socket)) return;
    const peer = socket.remoteAddress ?? 'unknown';
    readFirstBytes(socket, {
      decide: (bytes) => {
        const seen = compare(bytes, POLICY_REQUEST);
        if (seen === 'no') return { verdict: false, used: 0 };
        return seen === 'match' ? { verdict: true, used: POLICY_REQUEST.length } : undefined;
      },
      timeoutMs: o.timeoutMs,
      onTimeout: () => undefined,
      decided: (isRequest) => {
        if (isRequest) return answerPolicy(socket, o.answer());
        socket.destroy();
        o.refused(peer, 'not a <policy-file-request/>');
      },
      failed: (why, bytes) => {
        if (why === 'timeout') o.refused(peer, `no whole policy request within ${o.timeoutMs / 1000} s`);
        else if (bytes.length > 0) o.refused(peer, 'closed before a whole policy request');
      },
    });
  });
}
