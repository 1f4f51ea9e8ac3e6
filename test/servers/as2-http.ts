// HTTP endpoint for the AS2 XML loading tests (load, send, sendAndLoad). A real
// server on loopback, on its own port, so requests are cross-origin as a game's
// level server usually was; it answers CORS so the browser lets the page read it,
// except under /no-cors/. Browser tests get its address with
// executeServerCommand({ command: 'as2-http' }). Its /echo-socket path is a
// WebSocket that sends back every byte it receives, as a TCP echo server behind
// websockify would: the XMLSocket round-trip tests use it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestRunnerPlugin } from '@web/test-runner';
import { WebSocketServer } from 'ws';
import { closedPort } from '../bridge/helpers.js';

/** What the browser learns from the `as2-http` command. */
export interface As2HttpInfo {
  /** `http://127.0.0.1:port` of the server. */
  base: string;
  /** A base URL where nothing listens: connections are refused. */
  refusedBase: string;
  /** `ws://127.0.0.1:port/echo-socket`: echoes every byte (stream framing). */
  echoSocketUrl: string;
}

/** A POST the server received, as reported by GET /last-post. */
export interface RecordedPost {
  path: string;
  contentType: string | null;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const LEVEL =
  '<?xml version="1.0"?><level id="1">\n  <tile x="0" y="1" kind="wall" />\n  <tile x="1" y="1" kind="door">Ünïcødé &amp; more</tile>\n</level>';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function handler(posts: RecordedPost[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cors = !url.pathname.startsWith('/no-cors/');
    if (cors) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Access-Control-Allow-Headers', '*');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
      res.setHeader('Access-Control-Expose-Headers', 'Content-Length');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const path = url.pathname.replace(/^\/no-cors/, '');
    const send = (status: number, type: string, body: string | Buffer) => {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length }).end(bytes);
    };
    if (req.method === 'POST') {
      const body = await readBody(req);
      posts.push({ path, contentType: req.headers['content-type'] ?? null, headers: req.headers, body });
      // /echo answers with the document it received wrapped in <echo>, so a test
      // can tell the answer from the request.
      if (path === '/echo') send(200, 'text/xml', `<echo>${body}</echo>`);
      else if (path === '/page')
        send(
          200,
          'text/html',
          `<title>posted</title><pre id="body"></pre><script>document.getElementById('body').textContent = ${JSON.stringify(body)}</script>`,
        );
      else send(404, 'text/plain', 'no such endpoint');
      return;
    }
    if (path === '/level.xml') send(200, 'text/xml; charset=utf-8', LEVEL);
    else if (path === '/bom.xml')
      send(200, 'text/xml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a>é</a>', 'utf8')]));
    else if (path === '/malformed.xml') send(200, 'text/xml', '<a><b></a>');
    else if (path === '/last-post') send(200, 'application/json', JSON.stringify(posts[posts.length - 1] ?? null));
    else if (path === '/posts') send(200, 'application/json', JSON.stringify(posts));
    else send(404, 'text/plain', 'not found');
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** The test-runner plugin: starts the server on first request, stops it with the runner. */
export function as2HttpPlugin(): TestRunnerPlugin {
  let server: Server | undefined;
  let info: Promise<As2HttpInfo> | undefined;
  const posts: RecordedPost[] = [];
  return {
    name: 'as2-http',
    async executeCommand({ command }) {
      if (command !== 'as2-http') return undefined;
      info ??= (async () => {
        server = createServer((req, res) => {
          handler(posts)(req, res).catch(() => res.writeHead(500).end());
        });
        const echo = new WebSocketServer({ server, path: '/echo-socket' });
        echo.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
        const port = await listen(server);
        return {
          base: `http://127.0.0.1:${port}`,
          refusedBase: `http://127.0.0.1:${await closedPort()}`,
          echoSocketUrl: `ws://127.0.0.1:${port}/echo-socket`,
        };
      })();
      return info;
    },
    async serverStop() {
      server?.closeAllConnections();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    },
  };
}
