/**
 * The bridge's listening socket and what happens to a connection before anything else
 * reads it: it is counted (socket-gate.ts), its PROXY header read (`--proxy-protocol`),
 * and, with `--raw-tcp`, its first bytes sniffed (sniff.ts) to hand it to the HTTP(S)
 * server, to the raw TCP relay, or to the policy-file answer.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { readFirstBytes, type FirstBytesReading, type Verdict } from './first-bytes.js';
import { parseProxyHeader, type ProxyEndpoint } from './proxy-protocol.js';
import type { RefusalReason } from './reasons.js';
import { POLICY_REQUEST, sniff, type ConnectionKind } from './sniff.js';
import type { SocketGate } from './socket-gate.js';

/** Where a connection comes from and what it reached, as the player's side sees it. */
export interface Endpoints {
  source: ProxyEndpoint;
  destination: ProxyEndpoint;
}

export interface FrontDoorOptions {
  gate: SocketGate;
  /** Every connection starts with a PROXY header naming the client. */
  proxyProtocol: boolean;
  /** How long a PROXY header may take. */
  headersTimeoutMs: number;
  /** With `--raw-tcp`: how connections are told apart. Without, every one is HTTP. */
  sniffing:
    | {
        /** A silent connection is a raw client (its server speaks first) after this long. */
        waitMs: number;
        /** The bridge answers policy requests itself (`--policy`, `--policy-file`). */
        answersPolicy: boolean;
        /** TLS hellos go to the HTTPS server (`--cert`); without one they are refused. */
        tls: boolean;
      }
    | undefined;
  /** Takes a connection that speaks HTTP (or TLS, with a certificate). */
  http(socket: Socket): void;
  /**
   * Takes a raw XMLSocket client. `silent`: it said nothing within the sniff wait, so it
   * may yet be a browser's spare connection ({@link FrontDoor.awaitClientWord}).
   */
  raw(socket: Socket, silent: boolean): void;
  /** Takes a connection whose policy-file request has been read. */
  policy(socket: Socket): void;
  /** Hears of a connection refused here; it has been destroyed. `quiet` for what is not news. */
  refused(peer: string, reason: RefusalReason, detail: string, quiet: boolean): void;
}

export class FrontDoor {
  readonly server: Server;
  /** Connections whose first bytes are still being read, each with how to abandon it. */
  private readonly reading = new Map<Socket, () => void>();
  /** Endpoints named by PROXY headers. */
  private readonly proxied = new WeakMap<Socket, Partial<Endpoints>>();

  constructor(private readonly o: FrontDoorOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Where `socket` comes from: its PROXY header's addresses, else the socket's own. */
  endpoints(socket: Socket): Endpoints {
    const named = this.proxied.get(socket);
    return {
      source: named?.source ?? { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
      destination: named?.destination ?? { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
    };
  }

  /** The client address a PROXY header named for `socket`, if one did. */
  proxiedAddress(socket: Socket): string | undefined {
    return this.proxied.get(socket)?.source?.address;
  }

  /**
   * For a connection taken for a raw client on its silence, whose target is connected and
   * has not spoken either: it may be a browser's spare connection, opened ahead of a
   * request it has not sent yet. Its first bytes decide after all: raw ones (or none
   * within `--headers-timeout`) call `raw`; anything else calls `notRaw`, then goes where
   * a new connection's would. `gone`: it closed first. Returns what to call when the
   * target speaks first, which makes it raw.
   */
  awaitClientWord(socket: Socket, o: { raw(): void; notRaw(): void; gone(): void }): () => void {
    const answersPolicy = this.o.sniffing?.answersPolicy ?? false;
    const reading = this.read(
      socket,
      (bytes) => {
        const kind = sniff(bytes, answersPolicy);
        return kind && verdict(kind);
      },
      this.o.headersTimeoutMs,
      () => verdict('raw'),
      (kind) => {
        if (kind === 'raw') return o.raw();
        o.notRaw();
        this.handOver(socket, kind);
      },
      () => o.gone(),
    );
    return () => reading.settle('raw');
  }

  /** Destroys every connection whose first bytes are still being read. */
  closeAll(): void {
    for (const abandon of [...this.reading.values()]) abandon();
  }

  private accept(socket: Socket): void {
    if (!this.o.gate.admit(socket)) return;
    if (this.o.proxyProtocol) this.readProxyHeader(socket);
    else this.classify(socket);
  }

  private read<V>(
    socket: Socket,
    decide: (bytes: Buffer) => Verdict<V> | undefined,
    timeoutMs: number,
    onTimeout: (bytes: Buffer) => Verdict<V> | undefined,
    decided: (verdict: V) => void,
    failed: (why: 'closed' | 'timeout', bytes: Buffer) => void,
  ): FirstBytesReading<V> {
    const reading = readFirstBytes(socket, {
      decide,
      timeoutMs,
      onTimeout,
      decided: (verdict) => {
        this.reading.delete(socket);
        decided(verdict);
      },
      failed: (why, bytes) => {
        this.reading.delete(socket);
        failed(why, bytes);
      },
    });
    this.reading.set(socket, reading.abandon);
    return reading;
  }

  private readProxyHeader(socket: Socket): void {
    const peer = socket.remoteAddress ?? 'unknown';
    let invalid: string | undefined;
    this.read(
      socket,
      (bytes) => {
        const parsed = parseProxyHeader(bytes);
        if (parsed.state === 'incomplete') return undefined;
        if (parsed.state === 'invalid') {
          invalid = parsed.reason;
          return { verdict: undefined, used: 0 };
        }
        return { verdict: parsed.header, used: parsed.length };
      },
      this.o.headersTimeoutMs,
      () => undefined,
      (header) => {
        if (!header) {
          socket.destroy();
          this.o.refused(peer, 'proxy_protocol', invalid ?? 'invalid PROXY header', false);
          return;
        }
        this.proxied.set(socket, { source: header.source, destination: header.destination });
        this.classify(socket);
      },
      (why, bytes) => {
        const detail =
          why === 'timeout'
            ? `no PROXY header within ${this.o.headersTimeoutMs / 1000} s`
            : bytes.length === 0
              ? 'closed without sending anything'
              : 'closed before a whole PROXY header';
        // A balancer's plain TCP health check connects and leaves without a byte: not news.
        this.o.refused(peer, 'proxy_protocol', detail, why === 'closed' && bytes.length === 0);
      },
    );
  }

  private classify(socket: Socket): void {
    const sniffing = this.o.sniffing;
    if (!sniffing) return this.o.http(socket);
    this.read<ConnectionKind | 'silent'>(
      socket,
      (bytes) => {
        const kind = sniff(bytes, sniffing.answersPolicy);
        return kind && verdict(kind);
      },
      sniffing.waitMs,
      // Silence, or the start of something that never finished: a raw client, perhaps.
      () => verdict('silent'),
      (kind) => this.handOver(socket, kind),
      // Gone before it said anything: nothing to log.
      () => {},
    );
  }

  /** Gives a connection to whoever takes its kind. */
  private handOver(socket: Socket, kind: ConnectionKind | 'silent'): void {
    if (kind === 'http' || (kind === 'tls' && this.o.sniffing?.tls)) this.o.http(socket);
    else if (kind === 'tls') {
      socket.destroy();
      const peer = socket.remoteAddress ?? 'unknown';
      this.o.refused(peer, 'unexpected_tls', 'a TLS hello, and the bridge has no certificate (--cert)', false);
    } else if (kind === 'policy') this.o.policy(socket);
    else this.o.raw(socket, kind === 'silent');
  }
}

/** A sniffed kind, with the bytes it uses: the policy request is answered here; every other kind reads its bytes itself. */
function verdict<K extends ConnectionKind | 'silent'>(kind: K): Verdict<K> {
  return { verdict: kind, used: kind === 'policy' ? POLICY_REQUEST.length : 0 };
}
