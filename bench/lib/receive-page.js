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
 * A WebSocket class that records, for every call of its message handler, the
 * main-thread time spent inside it and how many messages it delivered: the receive
 * path's own work, apart from the server, the network service and other processes on
 * the machine. Ours and the minimal client both get it, so its cost is shared.
 */
function timedWebSocket(meter) {
  return class TimedWebSocket extends WebSocket {
    set onmessage(handler) {
      super.onmessage =
        handler &&
        ((event) => {
          const before = meter.messages;
          const t = now();
          handler.call(this, event);
          const ms = now() - t;
          meter.ms += ms;
          meter.times.push(ms);
          meter.counts.push(meter.messages - before);
          meter.starts.push(t);
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
  let elapsed;
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
 * One receiving client on its own WebSocket to the loopback server, in pair `pairId`
 * (the server sends both clients of a pair every frame of a case, one right after the
 * other). `impl` 'ours': a real XMLSocket, onData (`mode` 'data') or onXML ('xml');
 * 'minimal': the minimal client, plus a reused DOMParser per message for 'xml';
 * 'decoder' (a diagnostic): the library's StreamDecoder alone on a raw WebSocket.
 */
async function openClient(impl, port, mode, pairId) {
  const client = { ms: 0, times: [], counts: [], starts: [], messages: 0, chars: 0 };
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
  if (impl === 'ours') {
    const socket = new XMLSocket(null, undefined, { WebSocket: WebSocketClass });
    await new Promise((resolve, reject) => {
      socket.onConnect = (ok) => (ok ? resolve() : reject(new Error('XMLSocket failed to connect')));
      socket.connect('127.0.0.1', port);
    });
    if (mode === 'data') socket.onData = onString;
    else socket.onXML = onDocument;
    client.request = (text) => socket.send(text);
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
    const encoder = new TextEncoder();
    client.request = (text) => ws.send(encoder.encode(`${text}\0`));
    client.close = () => ws.close();
  }
  client.request(`join:${pairId}`);
  /** Resolves when `count` more messages have arrived. */
  client.expect = (count) => {
    expect += count;
    return new Promise((resolve) => (done = resolve));
  };
  // Forgets what was measured so far (the warm-up turns).
  client.reset = () => {
    client.ms = 0;
    client.times.length = 0;
    client.counts.length = 0;
    client.starts.length = 0;
  };
  return client;
}

/**
 * A frame is an outlier when one client took more than OUTLIER times as long as the
 * other over the same bytes, and at least OUTLIER_MS longer (so that frames of a few
 * timer ticks do not count): a garbage collection or the scheduler landed on one of
 * them. Such pairs are left out of both clients' sums, and counted per client.
 */
const OUTLIER = 2;
const OUTLIER_MS = 0.1;
const slower = (a, b) => a > OUTLIER * b && a - b > OUTLIER_MS;
let pairs = 0;

/**
 * One paired delivery run: ours (or `candidate`) and a baseline client (`baseline`,
 * default 'minimal'), each on its own WebSocket, receive the same case at the same
 * time, turn after turn, until each has spent at least `minMs` in its message
 * handlers. The server sends every frame to both, one right after the other, the
 * first alternating from frame to frame and from turn to turn, so the two handle each
 * frame's bytes back to back, in the same state of the machine and the engine.
 * Each client's k-th handler call gets the k-th frame: the pairs are compared frame
 * by frame. Why: runs of one client after the other, even short turns, leave each
 * client with whatever the machine and the engine's garbage collector were doing in
 * its turn, and the minimal client measured against itself that way read anywhere
 * from 0.69x to 1.44x in one session (docs/performance.md, "Receive ratios").
 * Two warm-up turns are not counted; `baselineFirst` picks which client opens first
 * (the caller alternates it).
 *
 * The browser does not always handle the two frames in the order the server sent
 * them, and whichever client handles a frame first is slower at it (seen in WebKit:
 * 0.86-1.01x for the minimal client against itself on the frames it took first,
 * 1.06-1.14x on those it took second, and 199 to 453 frames of one kind against 204
 * to 390 of the other in a run). So the kept frames are summed apart by which of the
 * two ran first (index 0: ours first, 1: the baseline first), for the caller to
 * weigh the two alike; so are the sums over all frames.
 *
 * Returns, per client, the handler time and messages of the frames kept, the frames
 * left out as outliers where that client was the slow one, the same sums over all
 * frames (`allMs`, `allMessages`: outliers included), and what it received in all,
 * warm-up included (for the caller's checks).
 */
export async function runPair(
  port,
  caseName,
  mode,
  caseMessages,
  minMs,
  baseline = 'minimal',
  candidate = 'ours',
  baselineFirst = false,
) {
  const pairId = `pair${++pairs}`;
  const clients = [];
  for (const impl of baselineFirst ? [baseline, candidate] : [candidate, baseline])
    clients.push(await openClient(impl, port, mode, pairId));
  const [ours, base] = baselineFirst ? [clients[1], clients[0]] : clients;
  const turn = async (t) => {
    const received = clients.map((c) => c.expect(caseMessages));
    clients[0].request(`go:${pairId}:${caseName}:${t % 2}`);
    await Promise.all(received);
  };
  try {
    await turn(0);
    await turn(1);
    for (const c of clients) c.reset();
    for (let t = baselineFirst ? 1 : 0; ours.ms < minMs || base.ms < minMs; t++) await turn(t);
  } finally {
    ours.close();
    base.close();
  }
  // Per client, summed apart by who ran first: the frames kept (ms, messages) and all frames.
  const emptySums = () => ({ ms: [0, 0], messages: [0, 0], outliers: 0, allMs: [0, 0], allMessages: [0, 0] });
  const sums = { ours: emptySums(), base: emptySums() };
  const frames = ours.times.length;
  if (base.times.length !== frames)
    throw new Error(`${candidate} handled ${frames} frames, ${baseline} ${base.times.length}`);
  for (let k = 0; k < frames; k++) {
    if (ours.counts[k] !== base.counts[k])
      throw new Error(`frame ${k}: ${candidate} delivered ${ours.counts[k]} messages, ${baseline} ${base.counts[k]}`);
    const [o, b] = [ours.times[k], base.times[k]];
    const first = ours.starts[k] < base.starts[k] ? 0 : 1;
    // An outlier frame is counted for the slow client and left out of both clients' kept sums.
    const slowOne = slower(o, b) ? sums.ours : slower(b, o) ? sums.base : null;
    if (slowOne) slowOne.outliers++;
    for (const [sum, client] of [
      [sums.ours, ours],
      [sums.base, base],
    ]) {
      sum.allMs[first] += client.times[k];
      sum.allMessages[first] += client.counts[k];
      if (!slowOne) {
        sum.ms[first] += client.times[k];
        sum.messages[first] += client.counts[k];
      }
    }
  }
  const result = (client, k) => ({ ...k, frames, received: client.messages, chars: client.chars });
  return { ours: result(ours, sums.ours), base: result(base, sums.base) };
}
