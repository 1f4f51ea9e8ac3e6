// Real servers on loopback for the browser tests, started on request of a test
// through @web/test-runner-commands' executeServerCommand:
// - scripted TCP XMLSocket servers (plain TCP, bytes as scripted) behind a real
//   xmlsocket-bridge, or behind Debian's websockify;
// - native WebSocket servers that send scripted frames (message framing, and stream
//   framing with exact frame boundaries);
// - a refused port, a bridge whose target refuses or never answers, and a TCP
//   port that never completes a WebSocket handshake (connect timeout).
// Bytes cross the command channel as base64.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { TestRunnerPlugin } from '@web/test-runner';
import { WebSocketServer, type WebSocket } from 'ws';
import { createBridge, type Bridge } from '../../src/bridge.js';
import { blackholePort, closedPort } from '../bridge/helpers.js';
import { startWebsockify } from './processes.js';
import { selfSignedCertificate } from './self-signed.js';

const HOST = '127.0.0.1';

interface Fixture {
  url: string;
  /** Bytes (TCP) or frames (WebSocket) each connection sent, in order. */
  received: Buffer[][];
  /** Every connection's socket, open or not. */
  peers: (Socket | WebSocket)[];
  stop(): Promise<void>;
}

const fixtures = new Map<number, Fixture>();
let nextId = 1;

function add(fixture: Fixture): { id: number; url: string } {
  const id = nextId++;
  fixtures.set(id, fixture);
  return { id, url: fixture.url };
}

function get(id: number): Fixture {
  const fixture = fixtures.get(id);
  if (!fixture) throw new Error(`no fixture ${id}`);
  return fixture;
}

const bytes = (base64: string | undefined) => Buffer.from(base64 ?? '', 'base64');

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: { close(cb: () => void): unknown; closeAllConnections?: () => void }): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // HTTP servers otherwise wait for the browser's idle keep-alive connections.
  server.closeAllConnections?.();
  return closed;
}

interface TcpScript {
  /** Sent to every new connection as soon as it is accepted. */
  greeting?: string;
  /** Echo every byte back. */
  echo?: boolean;
  /** End the connection right after the greeting. */
  end?: boolean;
  /** What fronts the TCP server: the project's bridge (default) or websockify. */
  via?: 'bridge' | 'websockify';
  /** The bridge's framing for this server. */
  framing?: 'stream' | 'message';
}

async function tcpServer(script: TcpScript) {
  const received: Buffer[][] = [];
  const peers: Socket[] = [];
  const server = net.createServer((socket) => {
    const chunks: Buffer[] = [];
    received.push(chunks);
    peers.push(socket);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (script.echo) socket.write(chunk);
    });
    if (script.greeting) socket.write(bytes(script.greeting));
    if (script.end) socket.end();
  });
  const tcpPort = await listen(server);
  const front =
    script.via === 'websockify' ? await websockify(tcpPort) : await bridgeTo(`${HOST}:${tcpPort}`, script.framing);
  const fixture: Fixture = {
    url: front.url,
    received,
    peers,
    async stop() {
      await front.stop();
      for (const socket of peers) socket.destroy();
      await closeServer(server);
    },
  };
  return { ...add(fixture), tcpPort };
}

async function bridgeTo(target: string, framing?: 'stream' | 'message', connectTimeout?: number) {
  // Refusals are what some tests are about: keep their log lines out of the test output.
  const bridge: Bridge = createBridge({ listen: `${HOST}:0`, target, framing, connectTimeout, log: () => {} });
  const { port } = await bridge.listen();
  return { url: `ws://${HOST}:${port}/`, stop: () => bridge.close() };
}

/** Debian's websockify in front of a TCP port: the peer nobody here wrote. */
async function websockify(tcpPort: number) {
  const started = await startWebsockify(tcpPort, await closedPort());
  return { url: started.url, stop: () => started.stop() };
}

interface Frame {
  /** Base64 bytes for a binary frame. */
  binary?: string;
  /** A text frame. */
  text?: string;
}

interface NativeScript {
  /** Frames sent to every new connection. */
  frames?: Frame[];
  /** Echo every frame back as it came (binary or text). */
  echo?: boolean;
  /** Close each connection after the frames, with this code. */
  closeCode?: number;
}

/** A WebSocket server that speaks frames directly, with no TCP server behind it. */
async function nativeServer(script: NativeScript) {
  const received: Buffer[][] = [];
  const peers: WebSocket[] = [];
  const wss = new WebSocketServer({
    host: HOST,
    port: 0,
    perMessageDeflate: false,
    // Agree to a subprotocol only when asked, as servers do.
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws) => {
    const frames: Buffer[] = [];
    received.push(frames);
    peers.push(ws);
    ws.on('message', (data, isBinary) => {
      const frame = Buffer.concat([Buffer.from(isBinary ? 'B' : 'T'), data as Buffer]);
      frames.push(frame);
      if (script.echo) ws.send(data, { binary: isBinary });
    });
    for (const frame of script.frames ?? []) {
      if (frame.text !== undefined) ws.send(frame.text);
      else ws.send(bytes(frame.binary), { binary: true });
    }
    if (script.closeCode) ws.close(script.closeCode);
  });
  const { port } = wss.address() as AddressInfo;
  return add({
    url: `ws://${HOST}:${port}/`,
    received,
    peers,
    async stop() {
      for (const ws of peers) ws.terminate();
      await closeServer(wss);
    },
  });
}

/** A TCP port that accepts and never answers the WebSocket handshake. */
async function silentServer() {
  const peers: Socket[] = [];
  const server = net.createServer((socket) => {
    peers.push(socket);
    socket.on('error', () => {});
  });
  const port = await listen(server);
  return add({
    url: `ws://${HOST}:${port}/`,
    received: [],
    peers,
    async stop() {
      for (const socket of peers) socket.destroy();
      await closeServer(server);
    },
  });
}

async function bridgeToNowhere(kind: 'refused' | 'blackhole') {
  if (kind === 'refused') {
    const front = await bridgeTo(`${HOST}:${await closedPort()}`);
    return add({ url: front.url, received: [], peers: [], stop: front.stop });
  }
  const hole = await blackholePort();
  const front = await bridgeTo(`${HOST}:${hole.port}`, 'stream', 0.5);
  return add({
    url: front.url,
    received: [],
    peers: [],
    async stop() {
      await front.stop();
      hole.close();
    },
  });
}

/**
 * An https page that loads the script-tag build and asks for a ws: URL to a remote
 * host: mixed content, which the browser refuses in the WebSocket constructor. The
 * page tells its parent what happened. (Chromium runs with --ignore-certificate-errors.)
 */
async function httpsSecurityPage() {
  const page = `<!doctype html><script src="/dist/xmlsocket.min.js" data-url="ws://{host}:{port}/"></script>
<script>
  var seen = { returned: null, sync: [], events: [] };
  var socket = new XMLSocket('game.example', 9339); // AS3 style: connects in the constructor
  socket.onConnect = function (success) { seen.sync.push('onConnect:' + success); };
  socket.addEventListener('ioError', function () { seen.events.push('ioError'); });
  socket.addEventListener('securityError', function (e) {
    seen.events.push({ type: e.type, errorID: e.errorID, text: e.text, reason: e.reason });
    if (seen.returned !== null) return;
    seen.returned = socket.connect('game.example', 9339); // refused again: false, and one more event
    setTimeout(function () { parent.postMessage(seen, '*'); }, 200);
  });
</script>`;
  // /loopback?<ws: URL>: connects to a loopback ws: URL, which is not mixed content.
  const loopbackPage = `<!doctype html><script src="/dist/xmlsocket.min.js"></script>
<script>
  var seen = { returned: null, securityErrors: 0, connected: null, reason: null };
  var socket = new XMLSocket(null, undefined, { url: function () { return decodeURIComponent(location.search.slice(1)); } });
  socket.timeout = 2e9; // only the browser's own answer can end the attempt
  socket.addEventListener('securityError', function () { seen.securityErrors += 1; });
  socket.addEventListener('ioError', function (e) { seen.reason = e.reason; });
  socket.onConnect = function (success) {
    seen.connected = success;
    setTimeout(function () { socket.close(); parent.postMessage(seen, '*'); }, 100);
  };
  seen.returned = socket.connect('game.example', 9339);
</script>`;
  const server = https.createServer(selfSignedCertificate(), (req, res) => {
    if (req.url?.startsWith('/loopback?')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(loopbackPage);
    } else if (req.url === '/dist/xmlsocket.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(new URL('../../dist/xmlsocket.min.js', import.meta.url)));
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(page);
    }
  });
  const port = await listen(server);
  return add({ url: `https://${HOST}:${port}/`, received: [], peers: [], stop: () => closeServer(server) });
}

function report(fixture: Fixture) {
  return {
    connections: fixture.peers.length,
    open: fixture.peers.filter((p) =>
      'readyState' in p && typeof p.readyState === 'number'
        ? p.readyState === 1
        : !p.destroyed && p.readyState === 'open',
    ).length,
    received: fixture.received.map((chunks) => Buffer.concat(chunks).toString('base64')),
    frames: fixture.received.map((chunks) =>
      chunks.map((c) => ({ binary: c[0] === 66, data: c.subarray(1).toString('base64') })),
    ),
  };
}

interface WaitFor {
  id: number;
  connections?: number;
  /** Total bytes received on the last connection (TCP), or frames (WebSocket). */
  bytes?: number;
  frames?: number;
  open?: number;
}

async function waitFor(condition: WaitFor) {
  const fixture = get(condition.id);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = report(fixture);
    const last = fixture.received.at(-1) ?? [];
    const ok =
      (condition.connections === undefined || r.connections >= condition.connections) &&
      (condition.open === undefined || r.open === condition.open) &&
      (condition.bytes === undefined || Buffer.concat(last).length >= condition.bytes) &&
      (condition.frames === undefined || last.length >= condition.frames);
    if (ok) return r;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${JSON.stringify(condition)}; have ${JSON.stringify(r)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Payload = Record<string, unknown> & { id?: number };

const commands: Record<string, (payload: Payload) => unknown> = {
  'xs-tcp': (p) => tcpServer(p as TcpScript),
  'xs-native': (p) => nativeServer(p as NativeScript),
  'xs-silent': () => silentServer(),
  'xs-bridge-refused': () => bridgeToNowhere('refused'),
  'xs-bridge-blackhole': () => bridgeToNowhere('blackhole'),
  'xs-refused-port': async () => ({ port: await closedPort() }),
  'xs-https-security-page': () => httpsSecurityPage(),
  /** Sends bytes to every connection of a TCP fixture; `end` closes them after. */
  'xs-push': (p) => {
    const fixture = get(p.id!);
    for (const peer of fixture.peers as Socket[]) {
      if (p.data) peer.write(bytes(p.data as string));
      if (p.end) peer.end();
    }
    return fixture.peers.length;
  },
  /** Destroys every connection abruptly (no FIN handshake on the TCP side). */
  'xs-drop': (p) => {
    for (const peer of get(p.id!).peers) {
      if ('terminate' in peer) peer.terminate();
      else peer.destroy();
    }
    return true;
  },
  'xs-report': (p) => report(get(p.id!)),
  'xs-wait': (p) => waitFor(p as unknown as WaitFor),
  'xs-stop': async (p) => {
    await get(p.id!).stop();
    fixtures.delete(p.id!);
    return true;
  },
};

export function xmlSocketServersPlugin(): TestRunnerPlugin {
  return {
    name: 'xmlsocket-servers',
    async executeCommand({ command, payload }) {
      const run = commands[command];
      if (!run) return undefined;
      return (await run((payload ?? {}) as Payload)) ?? null;
    },
    async serverStop() {
      await Promise.all([...fixtures.values()].map((f) => f.stop().catch(() => {})));
      fixtures.clear();
    },
  };
}
