// The two loopback servers of the receive benchmark: a static HTTP server for the page
// and the library, and a WebSocket server that sends both clients of a pair the same
// frames, back to back.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { HOST } from '../test/servers/processes.js';

/** Serves `files` (path without the leading slash, to code) on 127.0.0.1. */
export async function servePage(files: Map<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const body = files.get(new URL(req.url ?? '/', 'http://x').pathname.slice(1) || 'index.html');
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': req.url?.endsWith('.html') || req.url === '/' ? 'text/html' : 'text/javascript',
      'cache-control': 'no-store',
      // Cross-origin isolation gives performance.now() a finer resolution (5 µs in Chromium instead of 100 µs).
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    url: `http://${HOST}:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A WebSocket server for pairs of clients. A client says `join:PAIR` once it is open;
 * `go:PAIR:CASE:FIRST` sends every frame of CASE to both clients of PAIR, one right
 * after the other, which of the two first alternating from frame to frame (FIRST, 0 or
 * 1, says who goes first at frame 0). A `go` that arrives before the second `join`
 * waits for it.
 */
export async function deliveryServer(
  cases: Record<string, Buffer[]>,
): Promise<{ port: number; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const pairs = new Map<string, { sockets: WebSocket[]; waiting: (() => void)[] }>();
  const send = (sockets: WebSocket[], frames: Buffer[], first: number) => {
    const [a, b] = sockets as [WebSocket, WebSocket];
    for (const [k, frame] of frames.entries())
      for (const ws of (k + first) % 2 ? [b, a] : [a, b]) ws.send(frame, { binary: true });
  };
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      const [command, id = '', name = '', first] = data.toString('utf8').replace(/\0$/, '').split(':');
      if (!pairs.has(id)) pairs.set(id, { sockets: [], waiting: [] });
      const pair = pairs.get(id)!;
      if (command === 'join') {
        pair.sockets.push(ws);
        ws.once('close', () => pairs.delete(id));
        if (pair.sockets.length === 2) for (const go of pair.waiting.splice(0)) go();
      } else if (command === 'go') {
        const frames = cases[name];
        if (!frames) throw new Error(`delivery server: no case "${name}"`);
        const go = () => send(pair.sockets, frames, Number(first));
        if (pair.sockets.length === 2) go();
        else pair.waiting.push(go);
      }
    });
  });
  return {
    port: (wss.address() as AddressInfo).port,
    close: () => new Promise((resolve) => wss.close(() => resolve())),
  };
}
