// A WebSocket load client that costs as little CPU as one can, so that on 2 cores its
// own work does not cap what a relay is measured at: the handshake through node:http,
// every 50 B message one pre-masked frame written as it is (the same mask every time,
// which servers accept), and incoming frames parsed only far enough to count the 0x00
// bytes (the ends of messages) in their payloads.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';

const MASK = Buffer.from([0x12, 0x34, 0x56, 0x78]);

/** One masked binary frame carrying `payload` (under 126 bytes). */
export function maskedFrame(payload: Buffer): Buffer {
  if (payload.length >= 126) throw new Error('maskedFrame: payloads of up to 125 bytes');
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x82;
  frame[1] = 0x80 | payload.length;
  MASK.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ MASK[i & 3]!;
  return frame;
}

/** Opens a WebSocket at `url` and returns its raw socket, handshake done. */
export function rawConnect(url: string): Promise<Socket> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: hostname,
      port,
      path: pathname,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    req.once('upgrade', (_res, socket: Socket, head: Buffer) => {
      socket.setNoDelay(true);
      // A relay may close first when a measurement ends; the loop just stops then.
      socket.on('error', () => {});
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.once('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.once('error', reject);
    req.end();
  });
}

/** Header length of a server frame (unmasked) from its first two bytes. */
const headerLength = (second: number) => ((second & 0x7f) === 126 ? 4 : (second & 0x7f) === 127 ? 10 : 2);

/**
 * Calls `onZeros(n)` with the number of 0x00 bytes in the payloads of each chunk of
 * server frames, however the frames are split across chunks.
 */
export function countZeros(socket: Socket, onZeros: (zeros: number) => void): void {
  let header = Buffer.alloc(0); // a header cut by the end of a chunk
  let payloadLeft = 0;
  socket.on('data', (chunk: Buffer) => {
    let zeros = 0;
    let i = 0;
    while (i < chunk.length) {
      if (payloadLeft > 0) {
        const end = Math.min(chunk.length, i + payloadLeft);
        for (let z = chunk.indexOf(0, i); z !== -1 && z < end; z = chunk.indexOf(0, z + 1)) zeros++;
        payloadLeft -= end - i;
        i = end;
      } else if (header.length === 0 && i + 2 <= chunk.length && (chunk[i + 1]! & 0x7f) < 126) {
        payloadLeft = chunk[i + 1]! & 0x7f; // the common case: a short header, whole in this chunk
        i += 2;
      } else {
        while (i < chunk.length && (header.length < 2 || header.length < headerLength(header[1]!)))
          header = Buffer.concat([header, chunk.subarray(i, ++i)]);
        if (header.length < 2 || header.length < headerLength(header[1]!)) break;
        const length7 = header[1]! & 0x7f;
        payloadLeft =
          length7 === 126 ? header.readUInt16BE(2) : length7 === 127 ? Number(header.readBigUInt64BE(2)) : length7;
        header = Buffer.alloc(0);
      }
    }
    if (zeros > 0) onZeros(zeros);
  });
}
