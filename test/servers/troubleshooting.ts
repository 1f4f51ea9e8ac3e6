// The servers behind each page-side row of docs/troubleshooting.md, started on request
// of test/browser/troubleshooting.test.ts: a bridge set up to refuse in one way, a raw
// TCP game server reached without the bridge, a WebSocket server that frames messages
// itself, an https page that asks for ws:. Also hands the test the page's rows.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { TestRunnerPlugin } from '@web/test-runner';
import { WebSocketServer } from 'ws';
import { createBridge, type BridgeOptions, type LogLine } from '../../src/bridge.js';
import { blackholePort, closedPort } from '../bridge/helpers.js';
import { rowsOf, type PageCase } from '../docs/troubleshooting-cases.js';
import { selfSignedCertificate } from './self-signed.js';

const HOST = '127.0.0.1';
const ROOT = new URL('../../', import.meta.url);

/** What the page needs to produce the symptom. */
interface Started {
  /** The WebSocket URL (or template) the page connects with, if it sets one. */
  url?: string;
  /** Where the page connects when it sets no URL (the game's own host and port). */
  host?: string;
  port?: number;
}

interface Running extends Started {
  logs: LogLine[];
  /** Bytes each TCP connection of the game server received. */
  received: Buffer[][];
  stop(): Promise<void>;
}

const running = new Map<number, Running>();
let nextId = 1;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

/** A TCP game server; `answer` says what it does with each connection. */
async function gameServer(answer: (socket: Socket, chunk: Buffer) => void = () => {}) {
  const received: Buffer[][] = [];
  const sockets: Socket[] = [];
  const server = net.createServer((socket) => {
    const chunks: Buffer[] = [];
    received.push(chunks);
    sockets.push(socket);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      answer(socket, chunk);
    });
  });
  const port = await listen(server);
  return {
    port,
    address: `${HOST}:${port}`,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const echo = (socket: Socket, chunk: Buffer) => socket.write(chunk);
const refuseMalformed = (socket: Socket) => socket.end('<error code="malformed">not XML</error>\0');

/** A bridge with these options in front of a game server (an echo server by default). */
async function bridged(options: BridgeOptions, path = '/', game?: Awaited<ReturnType<typeof gameServer>>) {
  const server = game ?? (await gameServer(echo));
  const logs: LogLine[] = [];
  const bridge = createBridge({
    listen: `${HOST}:0`,
    ...(options.routes || options.allow || options.target ? {} : { target: server.address }),
    ...options,
    log: (line) => logs.push(line),
  });
  const { port } = await bridge.listen();
  return {
    url: `ws://${HOST}:${port}${path}`,
    logs,
    received: server.received,
    stop: async () => {
      await bridge.close();
      await server.close();
    },
  };
}

const nothing = { logs: [], received: [] };

async function gameAlone(answer: (socket: Socket, chunk: Buffer) => void): Promise<Running> {
  const server = await gameServer(answer);
  return { ...nothing, host: HOST, port: server.port, received: server.received, stop: server.close };
}

/** An https page that asks for ws: and listens for nothing; it posts what the console got. */
async function mixedContentPage(): Promise<Running> {
  const page = `<!doctype html><script>
  var logged = [];
  console.warn = function (line) { logged.push(String(line)); };
</script>
<script src="/dist/xmlsocket.min.js" data-url="ws://{host}:{port}/"></script>
<script>
  var socket = new XMLSocket();
  var called = [];
  socket.onConnect = function (success) { called.push(success); };
  var returned = socket.connect('game.example', 9339);
  setTimeout(function () { parent.postMessage({ returned: returned, called: called, logged: logged }, '*'); }, 200);
</script>`;
  const server = https.createServer(selfSignedCertificate(), (req, res) => {
    if (req.url === '/dist/xmlsocket.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(new URL('dist/xmlsocket.min.js', ROOT)));
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(page);
    }
  });
  const port = await listen(server);
  return {
    ...nothing,
    url: `https://${HOST}:${port}/`,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A server that speaks WebSocket itself: one message per text frame, no 0x00. */
async function webSocketServer(): Promise<Running> {
  const wss = new WebSocketServer({ host: HOST, port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (ws) => ws.send('<hello/>'));
  return {
    ...nothing,
    url: `ws://${HOST}:${(wss.address() as AddressInfo).port}/`,
    stop: () => {
      for (const ws of wss.clients) ws.terminate();
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const scenarios: Record<PageCase | 'publicHostNameRouted', () => Promise<Running>> = {
  origin: () => bridged({ origins: ['https://game.example'] }),
  unknownPath: async () => {
    // Routes only, none for the path the page uses, and no --target.
    const game = await gameServer(echo);
    return bridged({ routes: { '/chat': game.address } }, '/lobby', game);
  },
  badPath: () => bridged({}, '/bridge//{host}/{port}'),
  notAllowed: () => bridged({ allow: [`${HOST}:1`] }, '/{host}/{port}'),
  targetRefused: async () => bridged({ target: `${HOST}:${await closedPort()}` }),
  publicHostName: () => bridged({ allow: ['game.invalid:9339'] }, '/{host}/{port}'),
  publicHostNameRouted: async () => {
    const game = await gameServer(echo);
    return bridged({ routes: { '/game.invalid/9339': game.address } }, '/{host}/{port}', game);
  },
  targetSilent: async () => {
    const hole = await blackholePort();
    const b = await bridged({ target: `${HOST}:${hole.port}`, connectTimeout: 0.5 });
    return { ...b, stop: () => b.stop().finally(() => hole.close()) };
  },
  maxPerIp: () => bridged({ maxPerIp: 1 }),
  maxConnections: () => bridged({ maxConnections: 1 }),
  // The game server reads the browser's HTTP request as a malformed message, says so
  // and hangs up. (One that keeps the connection open leaves WebKit waiting for the rest
  // of an HTTP answer until the timeout; the row says so.)
  noUrl: () => gameAlone(refuseMalformed),
  rawTcp: () => gameAlone(refuseMalformed),
  silent: async () => {
    const game = await gameAlone(() => {});
    return { ...game, url: `ws://${HOST}:${game.port}/` };
  },
  mixedContent: mixedContentPage,
  streamAgainstWebSocket: webSocketServer,
  messageAgainstBridge: () => bridged({}),
  idle: () => bridged({ idleTimeout: 0.3 }),
};

export function troubleshootingPlugin(): TestRunnerPlugin {
  return {
    name: 'troubleshooting-scenarios',
    async executeCommand({ command, payload }) {
      const p = (payload ?? {}) as { name?: keyof typeof scenarios; id?: number };
      switch (command) {
        case 'ts-rows':
          return rowsOf(readFileSync(new URL('docs/troubleshooting.md', ROOT), 'utf8'));
        case 'ts-start': {
          const scenario = await scenarios[p.name!]();
          const id = nextId++;
          running.set(id, scenario);
          const { url, host, port } = scenario;
          return { id, url, host, port };
        }
        case 'ts-report': {
          const scenario = running.get(p.id!)!;
          return {
            logs: scenario.logs.map((line) => JSON.stringify(line)),
            received: scenario.received.map((chunks) => Buffer.concat(chunks).toString('latin1')),
          };
        }
        case 'ts-stop':
          await running.get(p.id!)?.stop();
          running.delete(p.id!);
          return true;
        default:
          return undefined;
      }
    },
    async serverStop() {
      await Promise.all([...running.values()].map((s) => s.stop().catch(() => {})));
      running.clear();
    },
  };
}
