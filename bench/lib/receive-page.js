// Runs in Chromium: the receive-path benchmarks. Loaded as a module by the bench page.
import { XMLSocket } from '/xmlsocket.js';
import { StreamDecoder } from '/framing.js';

/**
 * The baseline: the least a correct hand-written client must do in stream mode.
 * Split the bytes at 0x00 across frames, decode each message to a string. Bytes of a
 * message cut by a frame boundary wait, and are joined once, when its 0x00 arrives.
 */
function minimalSplitter(onMessage) {
  const decoder = new TextDecoder();
  let parts = [];
  let partsLength = 0;
  return (chunk) => {
    let start = 0;
    let end;
    while ((end = chunk.indexOf(0, start)) !== -1) {
      let bytes = chunk.subarray(start, end);
      if (parts.length) {
        const all = new Uint8Array(partsLength + bytes.length);
        let offset = 0;
        for (const p of parts) {
          all.set(p, offset);
          offset += p.length;
        }
        all.set(bytes, offset);
        bytes = all;
        parts = [];
        partsLength = 0;
      }
      onMessage(decoder.decode(bytes));
      start = end + 1;
    }
    if (start < chunk.length) {
      parts.push(chunk.subarray(start));
      partsLength += chunk.length - start;
    }
  };
}

const now = () => performance.now();

/**
 * Main-thread time spent inside WebSocket message handlers: the receive path's own
 * work, apart from the server, the network service and other processes on the
 * machine. Ours and the minimal client both get this wrapper, so its cost is shared.
 */
let busy = 0;
class TimedWebSocket extends WebSocket {
  set onmessage(handler) {
    super.onmessage = handler && ((event) => {
      const t = performance.now();
      handler.call(this, event);
      busy += performance.now() - t;
    });
  }

  get onmessage() {
    return super.onmessage;
  }
}
const prepared = new Map();

/** Fetches a stream from the bench server and cuts it into frames, each its own ArrayBuffer, as WebSocket delivers them. */
export async function prepareFraming(id, dataUrl, frameSize) {
  const bytes = new Uint8Array(await (await fetch(dataUrl)).arrayBuffer());
  const frames = [];
  for (let i = 0; i < bytes.length; i += frameSize) frames.push(new Uint8Array(bytes.slice(i, i + frameSize).buffer));
  let messages = 0;
  for (const b of bytes) if (b === 0) messages++;
  prepared.set(id, { frames, bytes: bytes.length, messages });
  return { frames: frames.length, bytes: bytes.length, messages };
}

export function dropFraming(id) {
  prepared.delete(id);
}

/** Feeds every frame of a prepared stream to one splitter, again and again for at least minMs. */
export function runFraming(id, impl, minMs) {
  const { frames, bytes, messages } = prepared.get(id);
  let count = 0;
  let chars = 0;
  const sink = (m) => {
    count++;
    chars += m.length;
    return true;
  };
  let passes = 0;
  const t0 = now();
  let elapsed = 0;
  do {
    if (impl === 'ours') {
      const decoder = new StreamDecoder();
      for (let i = 0; i < frames.length; i++) decoder.push(frames[i], sink);
    } else {
      const push = minimalSplitter(sink);
      for (let i = 0; i < frames.length; i++) push(frames[i]);
    }
    passes++;
    elapsed = now() - t0;
  } while (elapsed < minMs);
  if (count !== messages * passes) throw new Error(`${impl}: ${count} messages, expected ${messages * passes}`);
  return { ms: elapsed, bytes: bytes * passes, messages: count, chars };
}

function opened(ws) {
  return new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('WebSocket failed'));
  });
}

/**
 * One delivery run over a real WebSocket from the loopback server: connect, ask for a
 * case, time from the request to the last message. `mode` 'data': onData (ours) vs the
 * minimal client; 'xml': onXML (ours) vs the minimal client plus DOMParser per message.
 */
export async function runDelivery(port, caseName, impl, mode, expectMessages, expectChars) {
  let count = 0;
  let chars = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const onString = (m) => {
    chars += m.length;
    if (++count === expectMessages) done();
  };
  const onDocument = (doc) => {
    chars += doc.documentElement.getAttribute('d').length;
    if (++count === expectMessages) done();
  };
  let t0;
  if (impl === 'ours') {
    const socket = new XMLSocket(null, undefined, { WebSocket: TimedWebSocket });
    await new Promise((resolve, reject) => {
      socket.onConnect = (ok) => (ok ? resolve() : reject(new Error('XMLSocket failed to connect')));
      socket.connect('127.0.0.1', port);
    });
    if (mode === 'data') socket.onData = onString;
    else socket.onXML = onDocument;
    busy = 0;
    t0 = now();
    socket.send(`go:${caseName}`);
    await finished;
    const ms = now() - t0;
    socket.close();
    return { ms, busy, messages: count, chars };
  }
  const ws = new TimedWebSocket(`ws://127.0.0.1:${port}/`);
  ws.binaryType = 'arraybuffer';
  await opened(ws);
  const parser = new DOMParser();
  const onMessage = mode === 'data' ? onString : (m) => onDocument(parser.parseFromString(m, 'text/xml'));
  let push = minimalSplitter(onMessage);
  if (impl === 'decoder') {
    // Diagnostic: the library's StreamDecoder alone on a raw WebSocket, without XMLSocket around it.
    const decoder = new StreamDecoder();
    const deliver = (m) => (onMessage(m), true);
    push = (chunk) => decoder.push(chunk, deliver);
  }
  ws.onmessage = (event) => push(new Uint8Array(event.data));
  busy = 0;
  t0 = now();
  ws.send(new TextEncoder().encode(`go:${caseName}\0`));
  await finished;
  const ms = now() - t0;
  ws.close();
  if (expectChars !== undefined && mode === 'data' && chars !== expectChars) throw new Error(`minimal: ${chars} chars, expected ${expectChars}`);
  return { ms, busy, messages: count, chars };
}
