/**
 * The bridge: an HTTP(S) server whose WebSocket upgrades become TCP connections to
 * the targets the operator listed, plus `/healthz`, `/metrics` and static files.
 */
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatHostPort } from './address.js';
import { connectTarget, type ConnectFailure, type PendingConnect } from './connect.js';
import { BridgeError, type RefusalReason } from './errors.js';
import { chooseFraming, clientIp, isValidHandshake, offeredProtocols, refuseHandshake } from './handshake.js';
import { ConnectionLimiter } from './limits.js';
import { Keepalive } from './keepalive.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { resolveOptions, type BridgeConfig, type BridgeOptions } from './options.js';
import { Pair } from './pair.js';
import { ProxyAcceptor } from './proxy-accept.js';
import { RouteTable } from './routes.js';
import { sendText, StaticFiles } from './static.js';

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
  /** The `/metrics` text, for embedders that expose metrics their own way. */
  metrics(): string;
}

const HEALTH_PATH = '/healthz';
const METRICS_PATH = '/metrics';
/** Bytes a client may send before the handshake completes. */
const EARLY_DATA_LIMIT = 64 * 1024;

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
 * How a bridge inside a `--workers` cluster answers `/healthz` and `/metrics` for the
 * whole fleet rather than for its own process. Internal to the command.
 */
export interface FleetView {
  /** The `/healthz` body for the fleet. */
  health(): Promise<Record<string, unknown>>;
  /** The `/metrics` text with totals over every worker. */
  metrics(): Promise<string>;
}

/**
 * {@link createBridge} for a cluster worker: `fleet` is given this process's counters
 * and answers the fleet-wide endpoints. Not exported from the package.
 */
export function createFleetWorkerBridge(options: BridgeOptions, fleet: (local: Metrics) => FleetView): Bridge {
  return new BridgeServer(resolveOptions(options), fleet);
}

/** A handshake waiting for its TCP connection. */
interface PendingHandshake {
  connect: PendingConnect;
  socket: Duplex;
}

class BridgeServer implements Bridge {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly routes: RouteTable;
  private readonly limiter: ConnectionLimiter;
  private readonly log: Logger;
  private readonly metricsStore = new Metrics();
  private readonly staticFiles: StaticFiles | undefined;
  private readonly pairs = new Set<Pair>();
  private readonly pending = new Set<PendingHandshake>();
  private readonly chosenProtocol = new WeakMap<IncomingMessage, string | false>();
  private readonly tls: boolean;
  private bound: BridgeAddress | undefined;
  private listening: Promise<BridgeAddress> | undefined;
  private closing: Promise<void> | undefined;
  private nextId = 1;
  private pairsGone: (() => void) | undefined;
  private readonly fleet: FleetView | undefined;
  /** With `proxyProtocol`: the socket that listens, reading PROXY headers before HTTP. */
  private readonly proxyListener: NetServer | undefined;
  private readonly proxyAcceptor: ProxyAcceptor | undefined;
  /** Client addresses named by PROXY headers, by connection. */
  private readonly proxiedAddress = new WeakMap<Socket, string>();
  private readonly keepalive: Keepalive;

  constructor(
    private readonly config: BridgeConfig,
    fleet?: (local: Metrics) => FleetView,
  ) {
    this.fleet = fleet?.(this.metricsStore);
    this.log = createLogger(config.log, config.quiet, config.verbose);
    this.routes = new RouteTable(config);
    this.limiter = new ConnectionLimiter(config.maxConnections, config.maxPerIp);
    this.keepalive = new Keepalive(config.pingIntervalMs);
    this.staticFiles = config.static === undefined ? undefined : new StaticFiles(config.static);
    this.tls = config.cert !== undefined;
    // headersTimeout also bounds upgrade requests (slowloris); Node checks it every
    // connectionsCheckingInterval, so that is kept well below it.
    const http = {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: Math.max(config.headersTimeoutMs, 300_000),
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.headersTimeoutMs / 2)),
      maxHeaderSize: config.maxHeaderSize,
    };
    this.server = this.tls ? createTlsServer(config, http) : createHttpServer(http);
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    if (config.proxyProtocol) {
      this.proxyAcceptor = new ProxyAcceptor({
        accepted: (socket, header) => {
          if (header.source) this.proxiedAddress.set(socket, header.source.address);
          // Documented way to hand a connection to an HTTP server; it resumes reading.
          this.server.emit('connection', socket);
          socket.resume();
        },
        refused: (peer, reason, silent) => {
          this.metricsStore.refused('proxy_protocol');
          // A balancer's plain TCP health check connects and leaves without a byte: not news.
          this.log.log(silent ? 'debug' : 'warn', 'refused', { reason: 'proxy_protocol', ip: peer, detail: reason });
        },
      });
      this.proxyListener = createNetServer((socket) => this.proxyAcceptor!.accept(socket));
    }
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: config.maxMessage,
      handleProtocols: (_offered, req) => this.chosenProtocol.get(req) ?? false,
    });
  }

  get address(): BridgeAddress | undefined {
    return this.bound;
  }

  get connections(): number {
    return this.pairs.size;
  }

  metrics(): string {
    return this.metricsStore.render();
  }

  listen(): Promise<BridgeAddress> {
    if (this.closing || this.listening) {
      return Promise.reject(
        new BridgeError('ERR_BRIDGE_STATE', this.closing ? 'bridge is closed' : 'listen() was already called'),
      );
    }
    const { host, port } = this.config.listen;
    this.listening = new Promise<BridgeAddress>((resolve, reject) => {
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
      const listener = this.proxyListener ?? this.server;
      listener.once('error', onError);
      listener.listen({ host, port }, () => {
        listener.removeListener('error', onError);
        const info = listener.address() as AddressInfo;
        this.bound = { host: info.address, port: info.port };
        // With a PROXY listener in front, the HTTP server never listens itself, and Node
        // starts its headersTimeout/requestTimeout checks only on 'listening': without
        // this, a slowloris client behind HAProxy TCP would never be cut.
        if (listener !== this.server) this.server.emit('listening');
        this.keepalive.start();
        this.log.log('info', 'listening', {
          address: formatHostPort({ host: info.address, port: info.port }),
          tls: this.tls,
          proxyProtocol: this.config.proxyProtocol,
          origins: [...this.config.origins],
        });
        if (this.config.origins.size === 0) {
          this.log.log('warn', 'warning', { message: 'no --origin given: pages from every origin may connect' });
        }
        resolve(this.bound);
      });
    });
    return this.listening;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.log.log('info', 'shutdown', { connections: this.pairs.size, pending: this.pending.size });
    this.keepalive.stop();
    const listener = this.proxyListener ?? this.server;
    const serverClosed = listener.listening
      ? new Promise<void>((resolve) => listener.close(() => resolve()))
      : Promise.resolve();
    if (this.proxyListener) {
      this.proxyAcceptor!.closeAll();
      // The HTTP server never listened itself, but close() also stops its connection
      // checks; the "not running" error it reports is expected.
      this.server.close(() => {});
    }
    this.server.closeIdleConnections();
    for (const p of this.pending) p.connect.cancel();
    const pairsClosed = new Promise<void>((resolve) => {
      if (this.pairs.size === 0) resolve();
      else this.pairsGone = resolve;
    });
    for (const pair of this.pairs) pair.shutdown();

    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadline = setTimeout(() => resolve('timeout'), this.config.shutdownTimeoutMs);
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
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    if ((path === HEALTH_PATH || path === METRICS_PATH || this.staticFiles) && !readOnly) {
      sendText(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    } else if (path === HEALTH_PATH) {
      if (this.fleet) {
        this.fleet.health().then(
          (health) => sendHealth(req, res, 200, health),
          // The primary did not answer: this worker cannot speak for the fleet.
          (err: unknown) =>
            sendHealth(req, res, 503, { status: 'unavailable', detail: String((err as Error).message ?? err) }),
        );
      } else {
        sendHealth(req, res, 200, this.metricsStore.health());
      }
    } else if (path === METRICS_PATH) {
      if (this.fleet) {
        this.fleet.metrics().then(
          (body) => sendMetrics(req, res, body),
          () => sendText(res, 503, 'fleet metrics unavailable\n'),
        );
      } else {
        sendMetrics(req, res, this.metricsStore.render());
      }
    } else if (this.staticFiles) {
      this.staticFiles.serve(req, res, path).catch(() => res.destroy());
    } else {
      sendText(res, 404, 'not found\n');
    }
  }

  private refuse(
    socket: Duplex,
    req: IncomingMessage,
    ip: string,
    status: number,
    reason: RefusalReason,
    detail?: string,
  ): void {
    this.metricsStore.refused(reason);
    // Refusals a client can provoke at will are info; the ones an operator acts on are warnings.
    const level = status >= 500 || status === 429 ? 'warn' : 'info';
    this.log.log(level, 'refused', {
      status,
      reason,
      ip,
      // Attacker-chosen strings: cap them so refusals cannot flood the log with bulk.
      path: truncate(req.url),
      origin: truncate(req.headers.origin),
      ...(detail === undefined ? {} : { detail }),
    });
    refuseHandshake(socket, status, reason);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // A client resetting mid-handshake must not crash the process.
    socket.on('error', () => socket.destroy());
    const ip = clientIp(req, this.config.trustProxy, this.proxiedAddress.get(req.socket));
    if (this.closing) return this.refuse(socket, req, ip, 503, 'shutting_down');
    const offered = offeredProtocols(req);
    if (!isValidHandshake(req) || !offered) return this.refuse(socket, req, ip, 400, 'bad_request');
    const route = this.routes.resolve(req.url ?? '');
    if (!route.ok) return this.refuse(socket, req, ip, route.status, route.reason);
    const origin = req.headers.origin;
    if (this.config.origins.size > 0 && (origin === undefined || !this.config.origins.has(origin))) {
      return this.refuse(socket, req, ip, 403, 'origin');
    }
    const admitted = this.limiter.acquire(ip);
    if (!admitted.ok) return this.refuse(socket, req, ip, admitted.status, admitted.reason);

    const { framing, protocol } = chooseFraming(offered, route.target.framing ?? this.config.framing);
    const target = formatHostPort(route.target);
    const handshake: PendingHandshake = {
      connect: connectTarget(route.target, this.config.connectTimeoutMs, this.config.highWaterMark),
      socket,
    };
    this.pending.add(handshake);
    this.metricsStore.pending += 1;
    // Read while connecting, or a client that leaves would go unnoticed until the
    // connect timeout. RFC 6455 clients send nothing before the 101; a few bytes
    // from a lenient one are kept and handed to ws, more is refused.
    let early = head;
    const onGone = () => handshake.connect.cancel();
    const onEarlyData = (data: Buffer) => {
      early = Buffer.concat([early, data]);
      if (early.length > EARLY_DATA_LIMIT) onGone();
    };
    socket.on('data', onEarlyData);
    socket.once('end', onGone);
    socket.once('close', onGone);

    const settle = () => {
      this.pending.delete(handshake);
      this.metricsStore.pending -= 1;
      socket.removeListener('data', onEarlyData);
      socket.removeListener('end', onGone);
      socket.removeListener('close', onGone);
      socket.pause();
    };
    handshake.connect.done.then(
      (tcp) => {
        settle();
        if (this.closing) {
          tcp.destroy();
          this.limiter.release(ip);
          return this.refuse(socket, req, ip, 503, 'shutting_down');
        }
        this.chosenProtocol.set(req, protocol ?? false);
        let upgraded = false;
        if (socket.readable && socket.writable) {
          this.wss.handleUpgrade(req, socket, early, (ws) => {
            upgraded = true;
            this.startPair(ws, tcp, { ip, path: route.path, target, framing, protocol });
          });
          // settle() paused the socket explicitly, which ws's data listener does not undo.
          if (upgraded) socket.resume();
        }
        if (!upgraded) {
          // The client left while we were connecting; ws has dropped its socket.
          tcp.destroy();
          socket.destroy();
          this.limiter.release(ip);
          this.metricsStore.refused('client_gone');
        }
      },
      (failure: ConnectFailure) => {
        settle();
        this.limiter.release(ip);
        if (failure.reason === 'cancelled') {
          if (this.closing) return this.refuse(socket, req, ip, 503, 'shutting_down');
          this.metricsStore.refused('client_gone');
          socket.destroy();
          return;
        }
        const status = failure.reason === 'connect_timeout' ? 504 : 502;
        this.refuse(socket, req, ip, status, failure.reason, `${target}: ${failure.error}`);
      },
    );
  }

  private startPair(
    ws: WebSocket,
    tcp: Socket,
    info: { ip: string; path: string; target: string; framing: string; protocol: string | undefined },
  ): void {
    const id = this.nextId++;
    this.metricsStore.open += 1;
    this.metricsStore.total += 1;
    this.log.log('debug', 'open', { id, ...info });
    const pair: Pair = new Pair({
      ws,
      tcp,
      framing: info.framing === 'message' ? 'message' : 'stream',
      maxMessage: this.config.maxMessage,
      highWaterMark: this.config.highWaterMark,
      idleTimeoutMs: this.config.idleTimeoutMs,
      metrics: this.metricsStore,
      onEnd: (summary) => {
        this.pairs.delete(pair);
        this.keepalive.delete(pair);
        this.limiter.release(info.ip);
        this.metricsStore.open -= 1;
        this.metricsStore.closed(summary.reason);
        const level = summary.reason === 'message_too_big' || summary.reason === 'target_error' ? 'warn' : 'info';
        this.log.log(level, 'connection', {
          id,
          ...info,
          ...summary,
          start: summary.start.toISOString(),
          end: summary.end.toISOString(),
        });
        if (this.pairs.size === 0 && this.pairsGone) {
          this.pairsGone();
          this.pairsGone = undefined;
        }
      },
    });
    this.pairs.add(pair);
    this.keepalive.add(pair);
    // close() may have started between the TCP connect and now.
    if (this.closing) pair.shutdown();
  }
}

function sendHealth(req: IncomingMessage, res: ServerResponse, status: number, health: Record<string, unknown>): void {
  const body = `${JSON.stringify(health)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendMetrics(req: IncomingMessage, res: ServerResponse, body: string): void {
  res.writeHead(200, {
    'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function truncate(text: string | undefined, max = 256): string | undefined {
  return text === undefined || text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Creates the HTTPS server, turning unreadable or mismatched PEM files into `ERR_BRIDGE_TLS`. */
function createTlsServer(config: BridgeConfig, http: ServerOptions): Server {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(config.cert!);
    key = readFileSync(config.key!);
  } catch (err) {
    throw new BridgeError('ERR_BRIDGE_TLS', `cannot read TLS files: ${(err as Error).message}`, { cause: err });
  }
  try {
    return createHttpsServer({ ...http, cert, key });
  } catch (err) {
    throw new BridgeError('ERR_BRIDGE_TLS', `invalid TLS certificate or key: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
