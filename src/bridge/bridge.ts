/**
 * The bridge: an HTTP(S) server whose WebSocket upgrades become TCP connections to
 * the targets the operator listed, plus `/healthz`, `/metrics` and static files.
 *
 * A handshake goes through three steps, each in one place:
 * 1. `ws` checks that it is a valid WebSocket handshake (a `wsClientError` otherwise);
 * 2. the bridge admits it (handshake.ts, a pure decision, then the connection limits)
 *    in `ws`'s `verifyClient`, which runs after `ws`'s own checks and before it
 *    answers, so a request `ws` would refuse never makes the bridge dial;
 * 3. a {@link PendingHandshake} connects to the target, and only then does the
 *    handshake complete and become a {@link Pair}. A refused or silent target is an
 *    HTTP 502 or 504, and the browser sees `onConnect(false)`, as with Flash.
 */
import {
  STATUS_CODES,
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatHostPort } from './address.js';
import { fitLimits, openFileLimit, type FittedLimits } from './descriptors.js';
import { Diagnosis, isDiagnosisRequest } from './diagnosis.js';
import { BridgeError } from './errors.js';
import {
  admit,
  canonicalIp,
  clientIp,
  framingFor,
  REFUSAL_TYPE,
  refuseHandshake,
  selectProtocol,
} from './handshake.js';
import { Keepalive } from './keepalive.js';
import { ConnectionLimiter, type Slot } from './limits.js';
import { createLogger, throttled, type Logger } from './log.js';
import { FrontDoor } from './front-door.js';
import { Metrics, type Transport } from './metrics.js';
import type { Framing } from './option-values.js';
import { resolveOptions, type BridgeConfig, type BridgeOptions } from './options.js';
import { Pair } from './pair.js';
import type { PairSummary } from './traffic.js';
import { PendingHandshake, type HandshakeOutcome, type PendingHandshakeOptions } from './pending-handshake.js';
import {
  answerPolicy,
  createPolicyServer,
  generatedPolicy,
  policyAnswer,
  policyDomains,
  readPolicyFile,
} from './policy.js';
import { encodeProxyHeader } from './proxy-protocol.js';
import { RawPair } from './raw-pair.js';
import { REFUSALS, type RefusalReason } from './reasons.js';
import { pathOf, RouteTable } from './routes.js';
import { serveSocketProxy, SOCKET_PROXY_PATH } from './ruffle-config.js';
import { SocketGate } from './socket-gate.js';
import { sendText, StaticFiles } from './static.js';
import { HEALTH_PATH, localStatus, METRICS_PATH, serveStatus, type StatusSource } from './status.js';
import { createTlsServer, reloadTls } from './tls.js';

/** The address the bridge listens on. */
export interface BridgeAddress {
  host: string;
  port: number;
}

/** A bridge created by {@link createBridge}. */
export interface Bridge {
  /** Starts listening. Resolves with the bound address; rejects with a {@link BridgeError} (`ERR_BRIDGE_ADDRESS_IN_USE`, `ERR_BRIDGE_LISTEN`). */
  listen(): Promise<BridgeAddress>;
  /**
   * Stops accepting, closes every WebSocket with 1001 and its TCP socket, and resolves
   * when all sockets are gone. After `shutdownTimeout` the remaining sockets are cut.
   * Calling it again returns the same promise.
   */
  close(): Promise<void>;
  /** The bound address once listening, else `undefined`. */
  readonly address: BridgeAddress | undefined;
  /** Number of open WebSocket-TCP pairs. */
  readonly connections: number;
  /** The `/metrics` text (Prometheus text format), for embedders that expose metrics their own way. */
  metrics(): Promise<string>;
  /**
   * Reads `cert` and `key` again (a renewed certificate) and serves them to new
   * connections; open ones keep theirs. The command calls it on SIGHUP. Returns `false`
   * when the bridge has no TLS. Logs `tls_reloaded`, or `tls_reload_failed` and throws.
   *
   * @throws {BridgeError} `ERR_BRIDGE_TLS` when the files cannot be read or do not
   *   match; the bridge keeps the certificate it had.
   */
  reloadTls(): boolean;
}

/**
 * Creates a bridge from options named like the CLI flags. Validates everything and
 * reads the TLS files and static directory now, so mistakes surface before `listen()`.
 *
 * @throws {BridgeError} for invalid options, unreadable TLS files or static directory.
 * @example
 * ```ts
 * import { createBridge } from 'xmlsocket-polyfill/bridge';
 * const bridge = createBridge({ listen: '127.0.0.1:8080', target: '127.0.0.1:5000', origins: ['https://game.example'] });
 * const { port } = await bridge.listen();
 * // … later
 * await bridge.close();
 * ```
 */
export function createBridge(options: BridgeOptions): Bridge {
  return new BridgeServer(resolveOptions(options));
}

/**
 * {@link createBridge} for a `--workers` cluster worker, whose `/healthz` and `/metrics`
 * speak for the fleet: `status` is given this process's counters and returns where the
 * fleet-wide answers come from. Internal to the command.
 */
export function createFleetWorkerBridge(options: BridgeOptions, status: (local: Metrics) => StatusSource): Bridge {
  return new BridgeServer(resolveOptions(options), status);
}

/** An admitted handshake, from `verifyClient` until it becomes a pair or ends. */
interface Admitted {
  handshake: PendingHandshake;
  ip: string;
  path: string;
  target: string;
  routeFraming: Framing;
}

/** What a raw client's log lines say of it. */
type RawInfo = { ip: string; target: string };

/** How `ws`'s `verifyClient` is answered. */
type VerifyDone = (ok: boolean, status?: number, body?: string, headers?: Record<string, string>) => void;

class BridgeServer implements Bridge {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly routes: RouteTable;
  private readonly limits: FittedLimits;
  private readonly gate: SocketGate;
  private readonly limiter: ConnectionLimiter;
  private readonly log: Logger;
  private readonly metricsStore = new Metrics(() => this.pending.size);
  private readonly status: StatusSource;
  private readonly staticFiles: StaticFiles | undefined;
  private readonly keepalive: Keepalive;
  private readonly diagnosis: Diagnosis;
  private readonly pairs = new Set<Pair | RawPair>();
  /** Handshakes still waiting for their TCP connection. */
  private readonly pending = new Set<PendingHandshake>();
  private readonly admitted = new WeakMap<IncomingMessage, Admitted>();
  /** How many bytes came in with each upgrade request's head. */
  private readonly headBytes = new WeakMap<IncomingMessage, number>();
  /** The listening socket: counts, reads PROXY headers, tells raw clients from browsers. */
  private readonly frontDoor: FrontDoor;
  /** With `policyListen`: the policy-only listener (port 843). */
  private readonly policyServer: NetServer | undefined;
  /** The policy and its zero byte, once known (`auto` names the bound port). */
  private policy: Buffer | undefined;
  private bound: BridgeAddress | undefined;
  private listening: Promise<BridgeAddress> | undefined;
  private closing: Promise<void> | undefined;
  private pairsGone: (() => void) | undefined;
  private nextId = 1;

  constructor(
    private readonly config: BridgeConfig,
    fleetStatus?: (local: Metrics) => StatusSource,
  ) {
    this.status = fleetStatus?.(this.metricsStore) ?? localStatus(this.metricsStore);
    this.log = createLogger(config.log, config.quiet, config.verbose);
    this.routes = new RouteTable(config);
    this.limits = fitLimits(config.maxConnections, config.maxHandshakes, openFileLimit());
    this.limiter = new ConnectionLimiter(this.limits.maxConnections, config.maxPerIp);
    const gateLog = throttled(this.log);
    this.gate = new SocketGate({
      maxSockets: this.limits.maxConnections + this.limits.maxHandshakes,
      // Behind a proxy every socket comes from the proxy: clients are told apart later, by header.
      maxPerAddress:
        config.trustProxy || config.proxyProtocol ? undefined : config.maxPerIp + this.limits.maxHandshakes,
      refused: (ip, detail) => {
        this.metricsStore.refused('max_handshakes');
        gateLog.log('warn', 'refused', { status: null, reason: 'max_handshakes', ip, detail });
      },
    });
    this.keepalive = new Keepalive(config.pingInterval);
    this.staticFiles = config.static === undefined ? undefined : new StaticFiles(config.static);
    this.diagnosis = new Diagnosis({
      rules: () => ({ closing: this.closing !== undefined, routes: this.routes, origins: this.config.origins }),
      limiter: this.limiter,
      connectTimeoutMs: config.connectTimeout,
      highWaterMark: config.highWaterMark,
      log: this.log,
    });
    // headersTimeout bounds every phase a client can stall before its WebSocket opens:
    // the TLS handshake, the request head (upgrades too), and a request body, which the
    // bridge never needs. Node checks the last two every connectionsCheckingInterval,
    // so that is kept well below it.
    const http: ServerOptions & { handshakeTimeout: number } = {
      headersTimeout: config.headersTimeout,
      requestTimeout: config.headersTimeout,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.headersTimeout / 2)),
      maxHeaderSize: config.maxHeaderSize,
      handshakeTimeout: config.headersTimeout,
    };
    this.server =
      config.cert !== undefined
        ? createTlsServer({ cert: config.cert, key: config.key! }, http)
        : createHttpServer(http);
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
      this.onClientError(err, socket, gateLog),
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.headBytes.set(req, head.length);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.startPair(ws, req));
    });
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: config.maxMessage,
      // Pairs answer pings themselves, and cut a client that floods them (pair.ts).
      autoPong: false,
      verifyClient: ({ req }: { req: IncomingMessage }, done: VerifyDone) => this.verify(req, done),
      handleProtocols: (offered, req) => {
        const admitted = this.admitted.get(req);
        return admitted ? selectProtocol(offered, admitted.routeFraming) : false;
      },
    });
    // With a listener, ws leaves the answer to an invalid handshake to us: it is counted and logged.
    this.wss.on('wsClientError', (err: Error, socket: Duplex, req: IncomingMessage) => {
      this.refused(req, this.ipOf(req), 400, 'bad_request', err.message);
      refuseHandshake(socket, 400, 'bad_request');
    });
    const answersPolicy = config.policy !== undefined || config.policyFile !== undefined;
    // The operator's own policy is read now, so a mistake in it stops the start.
    if (config.policyFile !== undefined) this.policy = policyAnswer(readPolicyFile(config.policyFile));
    this.frontDoor = new FrontDoor({
      gate: this.gate,
      proxyProtocol: config.proxyProtocol,
      headersTimeoutMs: config.headersTimeout,
      sniffing: config.rawTcp ? { waitMs: config.sniffWait, answersPolicy, tls: config.cert !== undefined } : undefined,
      http: (socket) => {
        // Documented way to hand a connection to an HTTP server; it resumes reading.
        this.server.emit('connection', socket);
        socket.resume();
      },
      raw: (socket, silent) => this.startRaw(socket, silent),
      policy: (socket) => answerPolicy(socket, this.policy!),
      refused: (ip, reason, detail, quiet) => {
        this.metricsStore.refused(reason);
        this.log.log(quiet ? 'debug' : 'warn', 'refused', { status: null, reason, ip, detail });
      },
    });
    if (config.policyListen) {
      this.policyServer = createPolicyServer({
        gate: this.gate,
        timeoutMs: config.headersTimeout,
        answer: () => this.policy!,
        refused: (ip, detail) => {
          this.metricsStore.refused('bad_policy_request');
          gateLog.log('info', 'refused', { status: null, reason: 'bad_policy_request', ip, detail });
        },
      });
    }
  }

  get address(): BridgeAddress | undefined {
    return this.bound;
  }

  get connections(): number {
    return this.pairs.size;
  }

  metrics(): Promise<string> {
    return this.metricsStore.render();
  }

  reloadTls(): boolean {
    const { cert, key } = this.config;
    if (cert === undefined || key === undefined) return false;
    try {
      const { validTo } = reloadTls(this.server as HttpsServer, { cert, key });
      this.log.log('info', 'tls_reloaded', { cert, validTo });
      return true;
    } catch (err) {
      this.log.log('error', 'tls_reload_failed', { cert, message: (err as Error).message });
      throw err;
    }
  }

  listen(): Promise<BridgeAddress> {
    if (this.closing || this.listening) {
      const why = this.closing ? 'bridge is closed' : 'listen() was already called';
      return Promise.reject(new BridgeError('ERR_BRIDGE_STATE', why));
    }
    this.listening = this.start();
    return this.listening;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async start(): Promise<BridgeAddress> {
    const bound = await listenOn(this.frontDoor.server, this.config.listen);
    this.bound = { host: bound.address, port: bound.port };
    // The HTTP server never listens itself (the front door does), and Node starts its
    // headersTimeout/requestTimeout checks only on 'listening': without this, a
    // slowloris client would never be cut.
    this.server.emit('listening');
    if (this.config.policy === 'auto') {
      this.policy = policyAnswer(generatedPolicy(policyDomains(this.config.origins), [this.bound.port]));
    }
    let policyAddress: string | undefined;
    if (this.policyServer && this.config.policyListen) {
      try {
        const info = await listenOn(this.policyServer, this.config.policyListen);
        policyAddress = formatHostPort({ host: info.address, port: info.port });
      } catch (err) {
        this.frontDoor.server.close();
        throw err;
      }
    }
    this.keepalive.start();
    this.log.log('info', 'listening', {
      address: formatHostPort(this.bound),
      tls: this.config.cert !== undefined,
      proxyProtocol: this.config.proxyProtocol,
      rawTcp: this.config.rawTcp,
      ...(policyAddress ? { policyAddress } : {}),
      origins: [...this.config.origins],
    });
    if (this.config.origins.size === 0) {
      this.log.log('warn', 'warning', { message: 'no --origin given: pages from every origin may connect' });
    }
    if (this.limits.lowered) this.log.log('warn', 'warning', { message: this.limits.lowered });
    return this.bound;
  }

  private async shutdown(): Promise<void> {
    this.log.log('info', 'shutdown', { connections: this.pairs.size, pending: this.pending.size });
    this.keepalive.stop();
    const serverClosed = Promise.all(
      [this.frontDoor.server, this.policyServer].map((listener) =>
        listener?.listening ? new Promise<void>((resolve) => listener.close(() => resolve())) : Promise.resolve(),
      ),
    );
    this.frontDoor.closeAll();
    // The HTTP server never listened itself, but close() also stops its connection
    // checks; the "not running" error it reports is expected.
    this.server.close(() => {});
    this.server.closeIdleConnections();
    for (const handshake of this.pending) handshake.cancel();
    const pairsClosed = new Promise<void>((resolve) => {
      if (this.pairs.size === 0) resolve();
      else this.pairsGone = resolve;
    });
    for (const pair of this.pairs) pair.shutdown();

    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadline = setTimeout(() => resolve('timeout'), this.config.shutdownTimeout);
    });
    if ((await Promise.race([Promise.all([pairsClosed, serverClosed]), timedOut])) === 'timeout') {
      for (const pair of this.pairs) pair.terminate();
      this.server.closeAllConnections();
      await Promise.all([pairsClosed, serverClosed]);
    }
    clearTimeout(deadline);
    this.log.log('info', 'closed', {});
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // HTTP/0.9 has no headers to answer with; the bridge speaks 1.0 and 1.1 only.
    if (req.httpVersionMajor === 0) return closeWith(res, 505, 'HTTP version not supported\n');
    // Nothing here takes a body, and one trickling in would hold the socket.
    if (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0) {
      return closeWith(res, 413, 'request bodies are not accepted\n');
    }
    // After a refused handshake the library asks why (diagnosis.ts).
    if (isDiagnosisRequest(req)) return this.diagnosis.answer(req, res, this.ipOf(req));
    const path = pathOf(req.url ?? '/');
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    const isStatus = path === HEALTH_PATH || path === METRICS_PATH;
    const isOwn = isStatus || path === SOCKET_PROXY_PATH;
    if ((isOwn || this.staticFiles) && !readOnly) {
      sendText(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    } else if (path === SOCKET_PROXY_PATH) {
      serveSocketProxy(req, res, this.config);
    } else if (isStatus) {
      serveStatus(req, res, path, this.status);
    } else if (this.staticFiles) {
      this.staticFiles.serve(req, res, path).catch(() => res.destroy());
    } else {
      sendText(res, 404, 'not found\n');
    }
  }

  /**
   * A request Node's HTTP parser refused, or one that did not arrive in time: answered
   * as Node would (400, 408, 431), and counted and logged (at most once a second: a
   * flood of garbage is one line, not thousands).
   */
  private onClientError(err: NodeJS.ErrnoException, socket: Duplex, log: Logger): void {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason]: [number, RefusalReason] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'headers_timeout']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'header_too_large']
          : [400, 'bad_request'];
    this.metricsStore.refused(reason);
    const ip = (socket as Socket).remoteAddress ?? 'unknown';
    log.log('info', 'refused', { status, reason, ip, detail: truncate(err.code ?? err.message) });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  }

  private ipOf(req: IncomingMessage): string {
    return clientIp(req, this.config.trustProxy, this.frontDoor.proxiedAddress(req.socket));
  }

  /** Counts and logs a refusal; answering it is the caller's part. */
  private refused(req: IncomingMessage, ip: string, status: number | null, reason: RefusalReason, detail?: string) {
    this.metricsStore.refused(reason);
    // Refusals a client can provoke at will are info; the ones an operator acts on are warnings.
    const level = status !== null && (status >= 500 || status === 429) ? 'warn' : 'info';
    this.log.log(level, 'refused', {
      status,
      reason,
      ip,
      // Attacker-chosen strings: cap them so refusals cannot flood the log with bulk.
      path: truncate(req.url),
      origin: truncate(req.headers.origin),
      ...(detail === undefined ? {} : { detail: truncate(detail) }),
    });
  }

  /** Step 2 of a handshake: admission, then the wait for the target (step 3). */
  private verify(req: IncomingMessage, done: VerifyDone): void {
    const ip = this.ipOf(req);
    const refuse = (reason: RefusalReason, detail?: string) => {
      const { status } = REFUSALS[reason];
      this.refused(req, ip, status, reason, detail);
      if (status === null) req.socket.destroy();
      else done(false, status, `${reason}\n`, { 'Content-Type': REFUSAL_TYPE });
    };
    const admission = admit(req, {
      closing: this.closing !== undefined,
      routes: this.routes,
      origins: this.config.origins,
    });
    if (!admission.ok) return refuse(admission.reason);
    const slot = this.limiter.acquire(ip);
    if (!('release' in slot)) return refuse(slot.reason);

    const client = { socket: req.socket, headBytes: this.headBytes.get(req) ?? 0, slot, target: admission.target };
    const handshake = this.awaitTarget(client, (outcome) => {
      switch (outcome.kind) {
        case 'connected':
          // close() may have begun while the target was answering.
          if (this.closing) handshake.cancel();
          else done(true);
          return;
        case 'connect_refused':
        case 'connect_timeout':
          return refuse(outcome.kind, `${formatHostPort(admission.target)}: ${outcome.detail}`);
        case 'early_data':
          return refuse('early_data');
        case 'cancelled':
          return refuse('shutting_down');
        case 'client_gone':
          return refuse('client_gone');
      }
    });
    this.admitted.set(req, {
      handshake,
      ip,
      path: admission.path,
      target: formatHostPort(admission.target),
      routeFraming: admission.target.framing ?? this.config.framing,
    });
  }

  /** The handshake completed: its TCP connection and slot become a pair. */
  private startPair(ws: WebSocket, req: IncomingMessage): void {
    const admitted = this.admitted.get(req)!;
    this.admitted.delete(req);
    const { tcp, slot } = admitted.handshake.adopt();
    this.sendProxyHeader(tcp, req.socket, admitted.ip);
    // Paused while the target was connecting; ws reads it from now on.
    req.socket.resume();
    const framing = framingFor(ws.protocol, admitted.routeFraming);
    const info = {
      ip: admitted.ip,
      path: admitted.path,
      target: admitted.target,
      framing,
      protocol: ws.protocol || undefined,
    };
    const pair = this.track('websocket', info, slot, (onEnd) => {
      const counters = this.metricsStore.pairs.websocket;
      const { maxMessage, highWaterMark, idleTimeout: idleTimeoutMs } = this.config;
      return new Pair({ ws, tcp, framing, maxMessage, highWaterMark, idleTimeoutMs, counters, onEnd });
    });
    this.keepalive.add(pair);
  }

  /**
   * A raw TCP client: admitted by the same limits, connected to the raw target, then
   * relayed. `silent`: it said nothing yet ({@link awaitFirstWord}).
   */
  private startRaw(socket: Socket, silent: boolean): void {
    const { source } = this.frontDoor.endpoints(socket);
    const ip = canonicalIp(source.address);
    const target = (this.config.rawTarget ?? this.config.target)!;
    const info = { ip, target: formatHostPort(target) };
    const refuse = (reason: RefusalReason, detail?: string) => {
      socket.destroy();
      this.metricsStore.refused(reason);
      const level =
        reason === 'connect_refused' || reason === 'connect_timeout' || reason.startsWith('max_') ? 'warn' : 'info';
      this.log.log(level, 'refused', {
        status: null,
        reason,
        transport: 'tcp',
        ...info,
        ...(detail ? { detail } : {}),
      });
    };
    if (this.closing) return refuse('shutting_down');
    const slot = this.limiter.acquire(ip);
    if (!('release' in slot)) return refuse(slot.reason);
    // The raw target emits 'data' for the relay; a WebSocket pair's reads into the shared buffer.
    const handshake = this.awaitTarget({ socket, headBytes: 0, slot, target, sharedReads: false }, (outcome) => {
      switch (outcome.kind) {
        case 'connected':
          if (this.closing) return handshake.cancel();
          if (silent) return this.awaitFirstWord(socket, handshake.adopt(), info);
          return this.relayRaw(socket, handshake.adopt(), info);
        case 'connect_refused':
        case 'connect_timeout':
          return refuse(outcome.kind, `${info.target}: ${outcome.detail}`);
        case 'cancelled':
          return refuse('shutting_down');
        default:
          return refuse(outcome.kind);
      }
    });
  }

  /**
   * Connects to the target for an admitted client, which holds its slot meanwhile. The
   * handshake counts as pending (`/healthz`, `/metrics`, shutdown) until its first outcome.
   */
  private awaitTarget(
    client: Omit<PendingHandshakeOptions, 'connectTimeoutMs' | 'highWaterMark' | 'onOutcome'>,
    onOutcome: (outcome: HandshakeOutcome) => void,
  ): PendingHandshake {
    const handshake: PendingHandshake = new PendingHandshake({
      ...client,
      connectTimeoutMs: this.config.connectTimeout,
      highWaterMark: this.config.highWaterMark,
      onOutcome: (outcome) => {
        this.pending.delete(handshake);
        onOutcome(outcome);
      },
    });
    this.pending.add(handshake);
    return handshake;
  }

  /**
   * A raw client taken on its silence: a client of a game server that speaks first, or a
   * browser's spare connection, opened ahead of a request it has not sent yet (browsers
   * keep a few). With the target connected, whichever speaks first decides: the target's
   * greeting makes it raw; the client's first bytes are read as any connection's are,
   * and a browser's request lets the target connection go.
   */
  private awaitFirstWord(socket: Socket, adopted: { tcp: Socket; slot: Slot }, info: RawInfo): void {
    const { tcp, slot } = adopted;
    const onGreeting = (chunk: Buffer) => {
      tcp.pause();
      tcp.unshift(chunk);
      targetSpoke();
    };
    const onTargetError = () => tcp.destroy();
    const letGo = () => {
      tcp.removeListener('data', onGreeting);
      tcp.removeListener('close', drop);
      tcp.removeListener('error', onTargetError);
    };
    // Not raw after all, or gone: the target connection and the slot are given back.
    // (The slot gives itself back once, however often it is asked.)
    function drop() {
      letGo();
      tcp.destroy();
      slot.release();
      // The target left before anyone spoke: so does the client, unanswered.
      socket.destroy();
    }
    tcp.on('data', onGreeting);
    tcp.once('close', drop);
    tcp.on('error', onTargetError);
    const targetSpoke = this.frontDoor.awaitClientWord(socket, {
      raw: () => {
        letGo();
        this.relayRaw(socket, adopted, info);
      },
      notRaw: () => {
        letGo();
        tcp.destroy();
        slot.release();
      },
      gone: drop,
    });
  }

  private relayRaw(socket: Socket, { tcp, slot }: { tcp: Socket; slot: Slot }, info: RawInfo): void {
    this.sendProxyHeader(tcp, socket, info.ip);
    this.track('tcp', info, slot, (onEnd) => {
      const { highWaterMark, idleTimeout: idleTimeoutMs, pingInterval: keepaliveMs } = this.config;
      const counters = this.metricsStore.pairs.tcp;
      return new RawPair({ client: socket, target: tcp, highWaterMark, idleTimeoutMs, keepaliveMs, counters, onEnd });
    });
  }

  /**
   * With `sendProxy`: the PROXY header that starts the target connection, naming the
   * player (the PROXY header or `X-Forwarded-For` address the bridge was given, else the
   * socket's) and the address the player reached.
   */
  private sendProxyHeader(tcp: Socket, client: Duplex, ip: string): void {
    if (!this.config.sendProxy) return;
    const { source, destination } = this.frontDoor.endpoints(client as Socket);
    const port = canonicalIp(source.address) === ip ? source.port : 0;
    // A dual-stack listener (the default, all interfaces) names an IPv4 player's
    // destination ::ffff:a.b.c.d: unmapped, the header says TCP4 as an IPv4 listener's would.
    const reached = { address: canonicalIp(destination.address), port: destination.port };
    tcp.write(encodeProxyHeader(this.config.sendProxy, { address: ip, port }, reached));
  }

  /** Counts, logs and keeps a new pair until it ends; `slot` is given back then. */
  private track<P extends Pair | RawPair>(
    transport: Transport,
    info: Record<string, unknown>,
    slot: { release(): void },
    create: (onEnd: (summary: PairSummary) => void) => P,
  ): P {
    const id = this.nextId++;
    const counters = this.metricsStore.pairs[transport];
    counters.open += 1;
    counters.total += 1;
    this.log.log('debug', 'open', { id, transport, ...info });
    const pair = create((summary) => {
      slot.release();
      this.pairs.delete(pair);
      if (pair instanceof Pair) this.keepalive.delete(pair);
      counters.open -= 1;
      counters.closes.set(summary.reason, (counters.closes.get(summary.reason) ?? 0) + 1);
      const level = summary.reason === 'message_too_big' || summary.reason === 'target_error' ? 'warn' : 'info';
      this.log.log(level, 'connection', {
        id,
        transport,
        ...info,
        ...summary,
        start: summary.start.toISOString(),
        end: summary.end.toISOString(),
      });
      if (this.pairs.size === 0 && this.pairsGone) {
        this.pairsGone();
        this.pairsGone = undefined;
      }
    });
    this.pairs.add(pair);
    // close() may have started between the TCP connect and now.
    if (this.closing) pair.shutdown();
    return pair;
  }
}

/** Listens on `address`; rejects with `ERR_BRIDGE_ADDRESS_IN_USE` or `ERR_BRIDGE_LISTEN`. */
function listenOn(server: NetServer, { host, port }: { host: string | undefined; port: number }): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${host ?? '*'}:${port}`;
      reject(
        err.code === 'EADDRINUSE'
          ? new BridgeError('ERR_BRIDGE_ADDRESS_IN_USE', `cannot listen on ${where}: address already in use`, {
              cause: err,
            })
          : new BridgeError('ERR_BRIDGE_LISTEN', `cannot listen on ${where}: ${err.code ?? err.message}`, {
              cause: err,
            }),
      );
    };
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.removeListener('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Answers and closes the connection without reading what the client sends next. */
function closeWith(res: ServerResponse, status: number, body: string): void {
  sendText(res, status, body, { connection: 'close' });
  res.once('finish', () => res.socket?.destroy());
}

function truncate(text: string | undefined, max = 256): string | undefined {
  return text === undefined || text.length <= max ? text : `${text.slice(0, max)}…`;
}
