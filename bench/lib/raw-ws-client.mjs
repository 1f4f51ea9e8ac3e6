// A load client for the bridge benchmarks that costs as little CPU as a WebSocket
// client can: the handshake through node:http, then each 50 B message is one
// pre-masked frame written as it is (the same mask every time, which servers accept),
// and incoming frames are parsed only far enough to count 0x00 bytes in payloads.
// With the `ws` client, on 2 cores, the client's own CPU capped the messages/s of the
// faster bridge; with this one the bridges are what is measured.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

const MASK = Buffer.from([0x12, 0x34, 0x56, 0x78]);

/** One masked binary frame carrying `payload` (< 126 bytes). */
export function maskedFrame(payload) {
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x82;
  frame[1] = 0x80 | payload.length;
  MASK.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ MASK[i & 3];
  return frame;
}

/** Opens a WebSocket at `url` and returns its raw socket. */
export function rawConnect(url) {
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
    req.once('upgrade', (res, socket, head) => {
      socket.setNoDelay(true);
      // A relay may close first when a measurement ends; the loop just stops then.
      socket.on('error', () => {});
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.once('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.once('error', reject);
    req.end();
  });
}

/**
 * Calls `onZeros(n)` with the number of 0x00 bytes in the payloads of each chunk of
 * server frames (unmasked, as servers send them), however frames are split.
 */
export function countZeros(socket, onZeros) {
  let header = Buffer.alloc(0); // an incomplete frame header
  let payloadLeft = 0;
  socket.on('data', (chunk) => {
    let zeros = 0;
    let i = 0;
    while (i < chunk.length) {
      if (payloadLeft > 0) {
        const end = Math.min(chunk.length, i + payloadLeft);
        for (let z = chunk.indexOf(0, i); z !== -1 && z < end; z = chunk.indexOf(0, z + 1)) zeros++;
        payloadLeft -= end - i;
        i = end;
        continue;
      }
      // A header: 2 bytes, then 2 or 8 more for longer payloads.
      if (header.length === 0 && i + 2 <= chunk.length && (chunk[i + 1] & 0x7f) < 126) {
        payloadLeft = chunk[i + 1] & 0x7f; // the common case, a whole short header in this chunk
        i += 2;
        continue;
      }
      const need = (h) => (h.length < 2 ? 2 : (h[1] & 0x7f) === 126 ? 4 : (h[1] & 0x7f) === 127 ? 10 : 2);
      while (i < chunk.length && (header.length < 2 || header.length < need(header)))
        header = Buffer.concat([header, chunk.subarray(i, ++i)]);
      if (header.length < 2 || header.length < need(header)) break;
      const len7 = header[1] & 0x7f;
      payloadLeft = len7 === 126 ? header.readUInt16BE(2) : len7 === 127 ? Number(header.readBigUInt64BE(2)) : len7;
      header = Buffer.alloc(0);
    }
    if (zeros) onZeros(zeros);
  });
}
