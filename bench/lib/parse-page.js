// Runs in every engine: what it costs to give each message its own real DOM document,
// and the ways tried to make that cheaper. Loaded by bench/engines.mjs's page.

const now = () => performance.now();

/** `count` 50 B messages, as the receive benchmarks send them. */
function messages(count) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(`<m d="${String(i).padStart(39, 'x')}"/>`);
  return out;
}

/** Each way takes the messages of one frame and calls `sink(doc)` once per message. */
const WAYS = {
  /** What the library does: one parser for the page, parseFromString per message. */
  'reused DOMParser, parseFromString per message': () => {
    const parser = new DOMParser();
    return (batch, sink) => {
      for (const m of batch) sink(parser.parseFromString(m, 'text/xml'));
    };
  },
  /** A new parser per message (what naive code does). */
  'new DOMParser per message': () => (batch, sink) => {
    for (const m of batch) sink(new DOMParser().parseFromString(m, 'text/xml'));
  },
  /** One parse per frame, then each message's element moved into a fresh document. */
  'one parse per frame, adoptNode into createDocument per message': () => {
    const parser = new DOMParser();
    const impl = document.implementation;
    return (batch, sink) => {
      const root = parser.parseFromString(`<b>${batch.join('')}</b>`, 'text/xml').documentElement;
      for (let node = root.firstChild; node;) {
        const next = node.nextSibling;
        const doc = impl.createDocument(null, null, null);
        doc.appendChild(doc.adoptNode(node));
        sink(doc);
        node = next;
      }
    };
  },
  /** One parse per frame, then importNode (a copy) into a fresh document per message. */
  'one parse per frame, importNode into createDocument per message': () => {
    const parser = new DOMParser();
    const impl = document.implementation;
    return (batch, sink) => {
      const root = parser.parseFromString(`<b>${batch.join('')}</b>`, 'text/xml').documentElement;
      for (let node = root.firstChild; node; node = node.nextSibling) {
        const doc = impl.createDocument(null, null, null);
        doc.appendChild(doc.importNode(node, true));
        sink(doc);
      }
    };
  },
  /** Lower bound, not a solution: one parse per frame, no document per message. */
  'one parse per frame, no per-message document (lower bound)': () => {
    const parser = new DOMParser();
    return (batch, sink) => {
      const root = parser.parseFromString(`<b>${batch.join('')}</b>`, 'text/xml').documentElement;
      for (let node = root.firstChild; node; node = node.nextSibling) sink(node);
    };
  },
};

export const ways = () => Object.keys(WAYS);

/**
 * Microseconds per message for one way, messages in frames of `perFrame` (a 64 KiB
 * frame holds about 1,300 50 B messages), repeated for at least `minMs`.
 */
export function perMessage(way, count, perFrame, minMs) {
  const all = messages(count);
  const batches = [];
  for (let i = 0; i < all.length; i += perFrame) batches.push(all.slice(i, i + perFrame));
  const run = WAYS[way]();
  let seen = 0;
  let check = 0;
  const sink = (doc) => {
    seen++;
    check += (doc.documentElement ?? doc).getAttribute('d').length;
  };
  let passes = 0;
  const t0 = now();
  let elapsed;
  do {
    for (const batch of batches) run(batch, sink);
    passes++;
    elapsed = now() - t0;
  } while (elapsed < minMs);
  if (seen !== count * passes || check !== 39 * seen)
    throw new Error(`${way}: ${seen} documents, expected ${count * passes}`);
  return (elapsed * 1000) / seen;
}
