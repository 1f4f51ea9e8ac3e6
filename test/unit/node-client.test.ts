// The library in Node 20 (no WebSocket, no DOMParser): `ws` injected as WebSocket and
// the xmldom entry as parser, against a TCP XMLSocket server behind the real bridge.
import assert from 'node:assert/strict';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { createBridge, type Bridge } from '../../src/bridge.js';
import { configure, isParseError, XMLSocket, type WebSocketConstructor } from '../../src/xmldom.js';

let server: net.Server;
let bridge: Bridge;
let url: string;
const received: Buffer[] = [];
const peers: Socket[] = [];

before(async () => {
  server = net.createServer((socket) => {
    peers.push(socket);
    socket.on('data', (chunk) => received.push(chunk));
    socket.write('<hello>\n  <who name="node"/>\n</hello>\0<a><b></a>\0');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  bridge = createBridge({
    listen: '127.0.0.1:0',
    target: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    log: () => {},
  });
  url = `ws://127.0.0.1:${(await bridge.listen()).port}/`;
  configure({ WebSocket: WebSocket as unknown as WebSocketConstructor, url });
});

after(async () => {
  configure({ WebSocket: undefined, url: undefined });
  await bridge.close();
  for (const peer of peers) peer.destroy();
  await new Promise((resolve) => server.close(resolve));
});

test('connects, parses with xmldom, sends DOM nodes and strings, and hears the server close', async () => {
  const socket = new XMLSocket();
  socket.ignoreWhite = true;
  const docs: Document[] = [];
  const events: string[] = [];
  socket.addEventListener('connect', () => events.push('connect'));
  socket.addEventListener('xml', (e) => events.push(`xml:${e.document === docs.at(-1)}`));
  socket.onXML = (doc) => docs.push(doc);
  const connected = new Promise<boolean>((resolve) => (socket.onConnect = resolve));
  assert.equal(socket.connect('game.example', 9339), true);
  assert.equal(await connected, true);
  assert.equal(socket.connected, true);

  while (docs.length < 2) await new Promise((r) => setTimeout(r, 10));
  const hello = docs[0]!;
  assert.equal(hello.documentElement.nodeName, 'hello');
  assert.equal(hello.documentElement.childNodes.length, 1, 'ignoreWhite removed the white text');
  assert.equal((hello.documentElement.firstChild as Element).getAttribute('name'), 'node');
  assert.equal(isParseError(hello), false);
  assert.equal(isParseError(docs[1]), true, 'bad XML gives an error document, not an exception');
  assert.deepEqual(events, ['connect', 'xml:true', 'xml:true']);

  socket.send(hello.documentElement.firstChild);
  socket.send('plain');
  while (Buffer.concat(received).length < 'plain\0'.length + '<who name="node"/>\0'.length) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(Buffer.concat(received).toString(), '<who name="node"/>\0plain\0');

  const closed = new Promise<void>((resolve) => (socket.onClose = resolve));
  for (const peer of peers) peer.end();
  await closed;
  assert.equal(socket.connected, false);
});

test('without an injected WebSocket, connect() fails fast with a code', () => {
  configure({ WebSocket: undefined });
  try {
    assert.throws(() => new XMLSocket().connect('a', 1), { code: 'ERR_XMLSOCKET_NO_WEBSOCKET' });
  } finally {
    configure({ WebSocket: WebSocket as unknown as WebSocketConstructor });
  }
});
