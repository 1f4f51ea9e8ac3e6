// The loading half of AS2's XML (load, send, sendAndLoad) over fetch. Flash never
// threw from these: every failure (404, refused connection, CORS) reached the
// script as onData(undefined), which the default onData turns into onLoad(false).

/** What a load delivers into: an AS2 XML object, or any object with onData. */
export interface LoadTarget {
  loaded?: unknown;
  _bytesLoaded?: number;
  _bytesTotal?: number;
  onData?: (src: string | undefined) => void;
  onHTTPStatus?: (status: number) => void;
}

/** What a POST reads from the XML object that sends. */
export interface RequestSource {
  contentType: string;
  _customHeaders?: unknown;
  toString(): string;
}

// One load at a time per target: a new load() cancels the previous one silently,
// so a late answer to an old request never overwrites a newer document.
const pending = new WeakMap<object, AbortController>();

/** Reports a handler's exception like an uncaught error, without breaking the load machinery. */
function report(error: unknown): void {
  if (typeof reportError === 'function') reportError(error);
  else
    setTimeout(() => {
      throw error;
    });
}

/** The request of send/sendAndLoad: POST of the document with contentType and the custom headers. */
export function postInit(source: RequestSource): RequestInit {
  const headers = new Headers();
  const pairs = source._customHeaders;
  if (Array.isArray(pairs)) {
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      try {
        headers.set(String(pairs[i]), String(pairs[i + 1]));
      } catch {
        // Flash silently skipped headers it refused to send; so do we.
      }
    }
  }
  if (source.contentType) {
    try {
      headers.set('Content-Type', String(source.contentType));
    } catch {
      // An unusable content type sends none, as a refused header would.
    }
  }
  return { method: 'POST', body: String(source), headers };
}

/**
 * Fetches `url` and hands the body to `target.onData` (undefined on any failure),
 * after `target.onHTTPStatus(status)` if the script defined it (Flash 8). Keeps
 * `_bytesLoaded`/`_bytesTotal` current for getBytesLoaded/getBytesTotal.
 */
export function startLoad(target: LoadTarget, url: string, init: RequestInit = {}): void {
  pending.get(target)?.abort();
  const controller = new AbortController();
  pending.set(target, controller);
  target.loaded = false;
  target._bytesLoaded = 0;
  target._bytesTotal = undefined;
  void run(target, url, { ...init, signal: controller.signal }, controller.signal);
}

async function run(target: LoadTarget, url: string, init: RequestInit, signal: AbortSignal): Promise<void> {
  let status = 0;
  let text: string | undefined;
  try {
    const response = await fetch(url, init);
    status = response.status;
    const length = response.headers.get('Content-Length');
    if (length !== null && Number.isFinite(Number(length))) target._bytesTotal = Number(length);
    if (response.ok) {
      const bytes = await readBody(response, (loaded) => {
        target._bytesLoaded = loaded;
      });
      // Flash decoded loaded text as UTF-8 and dropped a byte order mark; so does TextDecoder.
      text = new TextDecoder().decode(bytes);
      target._bytesLoaded = target._bytesTotal = bytes.byteLength;
    }
  } catch {
    // Refused, unreachable, CORS, aborted: all look the same to the script.
  }
  if (signal.aborted) return;
  pending.delete(target);
  if (typeof target.onHTTPStatus === 'function') {
    try {
      target.onHTTPStatus(status);
    } catch (error) {
      report(error);
    }
  }
  if (typeof target.onData === 'function') {
    try {
      target.onData(text);
    } catch (error) {
      report(error);
    }
  }
}

async function readBody(response: Response, progress: (loaded: number) => void): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    progress(loaded);
  }
  const all = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return all;
}

/**
 * XML.send: POSTs the document and, when `target` names a window or frame, shows
 * the server's answer there, as Flash did through the browser. Without a target the
 * answer is ignored. Failures are silent, as in Flash.
 */
export function sendOnly(source: RequestSource, url: string, target?: string): void {
  // Open the window now, while a click handler may still be on the stack, so
  // popup blockers allow it; fill it when the answer arrives.
  const view = target && typeof window !== 'undefined' ? window.open('', target) : null;
  fetch(url, postInit(source))
    .then(async (response) => {
      if (!view) return;
      const type = response.headers.get('Content-Type') ?? 'text/plain';
      const blob = new Blob([await response.arrayBuffer()], { type });
      view.location.href = URL.createObjectURL(blob);
    })
    .catch(() => {});
}
