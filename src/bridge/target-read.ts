/**
 * Reading from target sockets into one buffer that every connection shares.
 *
 * By default Node allocates a backing store for each read (64 KiB, then trimmed to what
 * was read), wraps it in a Buffer and pushes that through the socket's Readable stream,
 * which schedules a tick per read. With `onread`, Node reads into a buffer we supply and
 * calls us directly: no allocation and no stream machinery per read (measured in
 * docs/performance.md). Reads are handled one at a time and synchronously, so one
 * buffer serves every target socket in the process. The price is a rule the receiver
 * keeps: a chunk is valid only during the call, and whatever outlives it (a frame ws
 * may queue, the start of an unfinished message) must be copied.
 *
 * `pause()` and `resume()` work as usual, and so do `end`, `error` and `close`.
 */
import { Socket } from 'node:net';

/** What libuv asks for per read. */
const READ_BUFFER_BYTES = 64 * 1024;

const SHARED = Symbol('shared');
const RECEIVE = Symbol('receive');
const EARLY = Symbol('early');

/** Called with each chunk read; `chunk` is overwritten by the next read, of any socket. */
export type TargetReceiver = (this: Socket, chunk: Buffer) => void;

type TargetSocket = Socket & { [SHARED]?: true; [RECEIVE]?: TargetReceiver; [EARLY]?: Buffer };

let sharedBuffer: Buffer | undefined;

function onRead(socket: TargetSocket, nread: number, buffer: Buffer): boolean {
  const receive = socket[RECEIVE];
  if (receive) {
    receive.call(socket, buffer.subarray(0, nread));
    return true;
  }
  // Nobody receives yet (the WebSocket handshake is still finishing): keep a copy and
  // stop reading until a receiver is attached, so nothing is lost and little is held.
  const copy = Buffer.from(buffer.subarray(0, nread));
  const early = socket[EARLY];
  socket[EARLY] = early ? Buffer.concat([early, copy]) : copy;
  return false;
}

/** A new, unconnected target socket that reads through the shared buffer. */
export function newTargetSocket(writableHighWaterMark: number): Socket {
  sharedBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
  // Node documents `onread` as an option of `new net.Socket()` (@types/node lists it
  // under the connect options only, hence the cast), and its callback as running
  // without `this`, hence the closure.
  const socket: TargetSocket = new Socket({
    writableHighWaterMark,
    onread: {
      buffer: sharedBuffer,
      callback: (nread: number, buffer: Uint8Array) => onRead(socket, nread, buffer as Buffer),
    },
  } as ConstructorParameters<typeof Socket>[0]);
  socket[SHARED] = true;
  return socket;
}

/**
 * Hands every chunk read from `socket` to `receive`, starting with anything that
 * arrived before it was attached. Reading stays paused if `receive` paused it. A
 * socket not made by {@link newTargetSocket} gets `receive` as a `data` listener.
 */
export function receiveTarget(socket: Socket, receive: TargetReceiver): void {
  const target = socket as TargetSocket;
  if (!target[SHARED]) {
    socket.on('data', receive);
    return;
  }
  target[RECEIVE] = receive;
  const early = target[EARLY];
  if (!early) return;
  target[EARLY] = undefined;
  receive.call(socket, early);
  if (!socket.isPaused()) socket.resume();
}
