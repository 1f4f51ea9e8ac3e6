// Target sockets read into one shared buffer (src/bridge/target-read.ts): bytes that
// arrive before anybody receives them are kept, a receiver that pauses stays paused,
// `end` still comes, and a socket made elsewhere falls back to `data` events.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { newTargetSocket, receiveTarget } from '../../src/bridge/target-read.js';
import { HOST, settle, tcpServer, waitFor } from './helpers.js';

function connected(socket: Socket, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
    socket.connect(port, HOST);
  });
}

test('bytes read before a receiver is attached are handed to it first, then reading goes on', async () => {
  const server = await tcpServer((s) => s.write('hello'));
  const socket = await connected(newTargetSocket(16 * 1024), server.port);
  try {
    await waitFor(() => socket.bytesRead >= 5, 'the early bytes read');
    const peer = await server.socket(1);
    peer.write(' world'); // not read yet: reading stopped once the early bytes were kept
    const got: Buffer[] = [];
    const ended = new Promise((resolve) => socket.once('end', resolve));
    receiveTarget(socket, (chunk) => got.push(Buffer.from(chunk)));
    assert.equal(Buffer.concat(got).toString(), 'hello', 'the early bytes come first, synchronously');
    peer.end('!');
    await ended;
    assert.equal(Buffer.concat(got).toString(), 'hello world!');
  } finally {
    socket.destroy();
    await server.close();
  }
});

test('a receiver that pauses while handed the early bytes keeps the socket paused', async () => {
  const server = await tcpServer((s) => s.write('first'));
  const socket = await connected(newTargetSocket(16 * 1024), server.port);
  try {
    await waitFor(() => socket.bytesRead >= 5, 'the early bytes read');
    const got: string[] = [];
    receiveTarget(socket, (chunk) => {
      got.push(chunk.toString());
      socket.pause();
    });
    (await server.socket(1)).write('second');
    await settle(200); // time for 'second' to arrive, were the socket reading
    assert.deepEqual(got, ['first']);
    assert.ok(socket.isPaused());
    socket.resume();
    await waitFor(() => got.length === 2, 'the bytes after resume()');
    assert.deepEqual(got, ['first', 'second']);
  } finally {
    socket.destroy();
    await server.close();
  }
});

test('chunks share one buffer: each is valid during its call, and every byte arrives in order', async () => {
  const sent = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < sent.length; i++) sent[i] = (i * 131) >>> 3;
  const server = await tcpServer((s) => s.end(sent));
  const socket = newTargetSocket(16 * 1024);
  const copies: Buffer[] = [];
  const views = new Set<ArrayBufferLike>();
  const ended = new Promise((resolve) => socket.once('end', resolve));
  receiveTarget(socket, (chunk) => {
    views.add(chunk.buffer);
    copies.push(Buffer.from(chunk));
  });
  try {
    await connected(socket, server.port);
    await ended;
    assert.ok(copies.length > 1, 'a megabyte takes more than one read');
    assert.equal(views.size, 1, 'every chunk is a view of the same memory');
    assert.ok(Buffer.concat(copies).equals(sent));
  } finally {
    socket.destroy();
    await server.close();
  }
});

test('a socket not made by newTargetSocket gets the receiver as a data listener', async () => {
  const server = await tcpServer((s) => s.end('plain'));
  const socket = connect(server.port, HOST);
  const got: Buffer[] = [];
  const ended = new Promise((resolve) => socket.once('end', resolve));
  receiveTarget(socket, (chunk) => got.push(chunk));
  try {
    await ended;
    assert.equal(Buffer.concat(got).toString(), 'plain');
    assert.equal(socket.listenerCount('data'), 1);
  } finally {
    socket.destroy();
    await server.close();
  }
});
