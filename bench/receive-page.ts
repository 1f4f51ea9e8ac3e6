// Runs in the browser: the receive path of a real XMLSocket against the least a correct
// hand-written WebSocket client does with the same bytes, frame by frame. Bundled by
// build.ts; the library comes from the rollup build, served as /xmlsocket.js.
import { XMLSocket } from '../src/index.js';

export type Impl = 'ours' | 'minimal';
export type Mode = 'data' | 'xml';

/** Handler time and messages, summed apart by which of the two clients handled the frame first (index 0: ours). */
export interface PairSums {
  ms: [number, number];
  messages: [number, number];
  /** Frames left out of both clients' sums where this client was the slow one. */
  outliers: number;
  /** The same sums over all frames, outliers included. */
  allMs: [number, number];
  allMessages: [number, number];
}

export interface ClientResult extends PairSums {
  frames: number;
  /** Messages and characters received in all, warm-up included, for the caller's checks. */
  received: number;
  chars: number;
}

declare global {
  interface Window {
    xmlsocketBench?: { runPair: typeof runPair };
  }
}

/**
 * The baseline: split the bytes at 0x00 across frames, decode each message to a
 * string. Bytes of a message cut by a frame boundary wait, and are joined once, when
 * its 0x00 arrives.
 */
function minimalSplitter(onMessage: (text: string) => void): (chunk: Uint8Array) => void {
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let partsLength = 0;
  return (chunk) => {
    let start = 0;
    let end;
    while ((end = chunk.indexOf(0, start)) !== -1) {
      let bytes = chunk.subarray(start, end);
      if (parts.length > 0) {
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

interface Client {
  /** Per call of the message handler: main-thread ms inside it, messages it delivered, when it started. */
  times: number[];
  counts: number[];
  starts: number[];
  ms: number;
  messages: number;
  chars: number;
  request(text: string): void;
  /** Resolves once `count` more messages have arrived. */
  expect(count: number): Promise<void>;
  /** Forgets what was measured so far (the warm-up turns). */
  reset(): void;
  close(): void;
}

const nativeOnMessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')!;

/**
 * A WebSocket class that times every call of its message handler (main-thread time
 * inside it, and the messages it delivered): the receive path's own work, apart from
 * the server, the browser's network process and the rest of the machine. Both clients
 * use it, so its own cost is shared.
 */
function timedWebSocket(client: Client): typeof WebSocket {
  class TimedWebSocket extends WebSocket {}
  Object.defineProperty(TimedWebSocket.prototype, 'onmessage', {
    get(this: WebSocket) {
      return nativeOnMessage.get!.call(this) as unknown;
    },
    set(this: WebSocket, handler: ((event: MessageEvent) => void) | null) {
      nativeOnMessage.set!.call(
        this,
        handler &&
          ((event: MessageEvent) => {
            const before = client.messages;
            const t = performance.now();
            handler.call(this, event);
            const ms = performance.now() - t;
            client.ms += ms;
            client.times.push(ms);
            client.counts.push(client.messages - before);
            client.starts.push(t);
          }),
      );
    },
  });
  return TimedWebSocket;
}

/** One receiving client on its own WebSocket, in pair `pairId` of the loopback server. */
async function openClient(impl: Impl, port: number, mode: Mode, pairId: string): Promise<Client> {
  let expected = 0;
  let done = () => {};
  const client: Client = {
    times: [],
    counts: [],
    starts: [],
    ms: 0,
    messages: 0,
    chars: 0,
    request: () => {},
    expect(count) {
      expected += count;
      return new Promise((resolve) => (done = resolve));
    },
    reset() {
      client.ms = 0;
      client.times.length = client.counts.length = client.starts.length = 0;
    },
    close: () => {},
  };
  const onString = (text: string) => {
    client.chars += text.length;
    if (++client.messages === expected) done();
  };
  const onDocument = (doc: Document) => {
    client.chars += doc.documentElement.getAttribute('d')!.length;
    if (++client.messages === expected) done();
  };
  const TimedWebSocket = timedWebSocket(client);
  if (impl === 'ours') {
    const socket = new XMLSocket(null, undefined, { WebSocket: TimedWebSocket });
    await new Promise<void>((resolve, reject) => {
      socket.onConnect = (ok) => (ok ? resolve() : reject(new Error('XMLSocket failed to connect')));
      socket.connect('127.0.0.1', port);
    });
    if (mode === 'data') socket.onData = onString;
    else socket.onXML = onDocument;
    client.request = (text) => socket.send(text);
    client.close = () => socket.close();
  } else {
    const ws = new TimedWebSocket(`ws://127.0.0.1:${port}/`);
    ws.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('WebSocket failed'));
    });
    const parser = new DOMParser();
    const push = minimalSplitter(
      mode === 'data' ? onString : (text) => onDocument(parser.parseFromString(text, 'text/xml')),
    );
    ws.onmessage = (event: MessageEvent<ArrayBuffer>) => push(new Uint8Array(event.data));
    const encoder = new TextEncoder();
    client.request = (text) => ws.send(encoder.encode(`${text}\0`));
    client.close = () => ws.close();
  }
  client.request(`join:${pairId}`);
  return client;
}

/**
 * A frame is an outlier when one client took more than OUTLIER times as long as the
 * other over the same bytes, and at least OUTLIER_MS longer (frames of a few timer
 * ticks do not count): a garbage collection or the scheduler landed on one of them.
 */
const OUTLIER = 2;
const OUTLIER_MS = 0.1;
const slower = (a: number, b: number) => a > OUTLIER * b && a - b > OUTLIER_MS;
let pairs = 0;

const emptySums = (): PairSums => ({ ms: [0, 0], messages: [0, 0], outliers: 0, allMs: [0, 0], allMessages: [0, 0] });

/**
 * One paired run: `candidate` (ours, or the minimal client for the control) and the
 * minimal client, each on its own WebSocket, receive the same case turn after turn
 * until each has spent `minMs` in its message handlers. The server sends every frame
 * to both, one right after the other, so the two handle each frame's bytes back to
 * back, in the same state of the machine and the engine, and the k-th handler calls of
 * the two are compared. Turns of one client after the other would leave each with
 * whatever the machine and the garbage collector were doing in its own turn.
 *
 * Whichever client handles a frame first is slower at it, and the browser does not
 * always keep the server's order, so the frames are summed apart by which ran first,
 * for the caller to weigh the two alike. Two warm-up turns are not counted;
 * `baselineFirst` picks which client opens first (the caller alternates it).
 */
export async function runPair(
  port: number,
  caseName: string,
  mode: Mode,
  caseMessages: number,
  minMs: number,
  candidate: Impl,
  baselineFirst: boolean,
): Promise<{ ours: ClientResult; base: ClientResult }> {
  const pairId = `pair${++pairs}`;
  const first = await openClient(baselineFirst ? 'minimal' : candidate, port, mode, pairId);
  const second = await openClient(baselineFirst ? candidate : 'minimal', port, mode, pairId);
  const [ours, base] = baselineFirst ? [second, first] : [first, second];
  const turn = async (t: number) => {
    const received = [first.expect(caseMessages), second.expect(caseMessages)];
    first.request(`go:${pairId}:${caseName}:${t % 2}`);
    await Promise.all(received);
  };
  try {
    await turn(0);
    await turn(1);
    ours.reset();
    base.reset();
    // At least two turns: a turn may be a single frame, and each client must get to handle one first.
    for (let t = baselineFirst ? 1 : 0, counted = 0; ours.ms < minMs || base.ms < minMs || counted < 2; t++, counted++)
      await turn(t);
  } finally {
    ours.close();
    base.close();
  }
  const frames = ours.times.length;
  if (base.times.length !== frames)
    throw new Error(`${candidate} handled ${frames} frames, minimal ${base.times.length}`);
  const sums = { ours: emptySums(), base: emptySums() };
  for (let k = 0; k < frames; k++) {
    if (ours.counts[k] !== base.counts[k])
      throw new Error(`frame ${k}: ${candidate} delivered ${ours.counts[k]} messages, minimal ${base.counts[k]}`);
    const [o, b] = [ours.times[k]!, base.times[k]!];
    const ranFirst = ours.starts[k]! < base.starts[k]! ? 0 : 1;
    // An outlier is counted for the slow client and left out of both clients' kept sums.
    const slowOne = slower(o, b) ? sums.ours : slower(b, o) ? sums.base : null;
    if (slowOne) slowOne.outliers++;
    for (const [sum, client] of [
      [sums.ours, ours],
      [sums.base, base],
    ] as const) {
      sum.allMs[ranFirst] += client.times[k]!;
      sum.allMessages[ranFirst] += client.counts[k]!;
      if (!slowOne) {
        sum.ms[ranFirst] += client.times[k]!;
        sum.messages[ranFirst] += client.counts[k]!;
      }
    }
  }
  const result = (client: Client, sum: PairSums) => ({
    ...sum,
    frames,
    received: client.messages,
    chars: client.chars,
  });
  return { ours: result(ours, sums.ours), base: result(base, sums.base) };
}

window.xmlsocketBench = { runPair };
