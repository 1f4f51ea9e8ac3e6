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
 * A WebSocket class that adds the main-thread time spent inside its message handlers to
 * `meter.busy`: the receive path's own work, apart from the server, the network service
 * and other processes on the machine. Ours and the minimal client both get it, so its
 * cost is shared.
 */
function timedWebSocket(meter) {
  return class TimedWebSocket extends WebSocket {
    set onmessage(handler) {
      super.onmessage = handler && ((event) => {
        const t = now();
        handler.call(this, event);
        meter.busy += now() - t;
      });
    }

    get onmessage() {
      return super.onmessage;
    }
  };
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
 * One receiving client on its own WebSocket to the loopback server: `receiveCase()` asks
 * for the case and resolves after its last message, adding the time from the request to
 * that message to `ms`. `impl` 'ours': a real XMLSocket, onData (`mode` 'data') or onXML
 * ('xml'); 'minimal': the minimal client, plus a reused DOMParser per message for 'xml';
 * 'decoder' (a diagnostic): the library's StreamDecoder alone on a raw WebSocket.
 */
async function openClient(impl, port, caseName, mode, caseMessages) {
  const client = { ms: 0, busy: 0, messages: 0, chars: 0 };
  let expect = 0;
  let done;
  const onString = (m) => {
    client.chars += m.length;
    if (++client.messages === expect) done();
  };
  const onDocument = (doc) => {
    client.chars += doc.documentElement.getAttribute('d').length;
    if (++client.messages === expect) done();
  };
  const WebSocketClass = timedWebSocket(client);
  let send;
  if (impl === 'ours') {
    const socket = new XMLSocket(null, undefined, { WebSocket: WebSocketClass });
    await new Promise((resolve, reject) => {
      socket.onConnect = (ok) => (ok ? resolve() : reject(new Error('XMLSocket failed to connect')));
      socket.connect('127.0.0.1', port);
    });
    if (mode === 'data') socket.onData = onString;
    else socket.onXML = onDocument;
    send = () => socket.send(`go:${caseName}`);
    client.close = () => socket.close();
  } else {
    const ws = new WebSocketClass(`ws://127.0.0.1:${port}/`);
    ws.binaryType = 'arraybuffer';
    await opened(ws);
    const parser = new DOMParser();
    const onMessage = mode === 'data' ? onString : (m) => onDocument(parser.parseFromString(m, 'text/xml'));
    let push = minimalSplitter(onMessage);
    if (impl === 'decoder') {
      const decoder = new StreamDecoder();
      const deliver = (m) => (onMessage(m), true);
      push = (chunk) => decoder.push(chunk, deliver);
    }
    ws.onmessage = (event) => push(new Uint8Array(event.data));
    const request = new TextEncoder().encode(`go:${caseName}\0`);
    send = () => ws.send(request);
    client.close = () => ws.close();
  }
  client.receiveCase = async () => {
    const received = new Promise((resolve) => (done = resolve));
    expect += caseMessages;
    const t0 = now();
    send();
    await received;
    client.ms += now() - t0;
  };
  // Forgets what was measured so far (a warm-up turn), so a run counts only later turns.
  client.reset = () => {
    Object.assign(client, { ms: 0, busy: 0, messages: 0, chars: 0 });
    expect = 0;
  };
  return client;
}

/**
 * One paired delivery run: ours (or `candidate`) and a baseline client (`baseline`,
 * default 'minimal'), each on its own WebSocket, take turns receiving the whole case,
 * in alternating order (AB BA AB ...), until each has received for at least `minMs`.
 * Why turns of one case and not a run of each: a client's run shorter than the engine's
 * garbage-collection cycle pays for whatever garbage the runs before it left, so which
 * client a full collection lands on decides the run (seen in WebKit at 20,000 DOM
 * documents a run: 13 against 40 us per message for either client, by the run's place
 * in the sequence), and a fresh page can put the two clients in different JIT states for
 * the rest of the session. Short turns share both among the two: the shorter, the more
 * turns a collection can fall on (bench/engines.mjs sizes the cases). Each client's
 * first turn on its new WebSocket is a warm-up, not counted, and `baselineFirst` picks
 * which client opens and starts: the caller alternates it, so neither side always
 * takes the first turn after the other one's warm-up.
 */
export async function runPair(port, caseName, mode, caseMessages, minMs, baseline = 'minimal', candidate = 'ours', baselineFirst = false) {
  const clients = [];
  for (const impl of baselineFirst ? [baseline, candidate] : [candidate, baseline]) clients.push(await openClient(impl, port, caseName, mode, caseMessages));
  const [ours, base] = baselineFirst ? [clients[1], clients[0]] : clients;
  try {
    for (const client of clients) {
      await client.receiveCase();
      client.reset();
    }
    for (let turn = 0; ours.ms < minMs || base.ms < minMs; turn++) {
      for (const client of turn % 2 ? [...clients].reverse() : clients) await client.receiveCase();
    }
  } finally {
    ours.close();
    base.close();
  }
  const result = ({ ms, busy, messages, chars }) => ({ ms, busy, messages, chars });
  return { ours: result(ours), base: result(base) };
}
