// The loading half of AS2 XML against a real HTTP server on loopback
// (test/servers/as2-http.ts): load, onLoad, onData, loaded, send, sendAndLoad,
// addRequestHeader, contentType, getBytesLoaded/Total, and failures.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { XML } from '../../src/as2.js';

// Mocha's globals, as web-test-runner provides them (no @types/mocha in this project).
declare function describe(name: string, body: () => void): void;
declare function it(name: string, body: () => void | Promise<void>): void;
declare function before(body: () => void | Promise<void>): void;

interface Info {
  base: string;
  refusedBase: string;
}
interface RecordedPost {
  path: string;
  contentType: string | null;
  headers: Record<string, string | undefined>;
  body: string;
}

let info: Info;
before(async () => {
  info = await executeServerCommand<Info, undefined>('as2-http');
});

/** Loads `url` into a fresh XML and resolves with the onLoad argument. */
function loadInto(doc: XML, url: string): Promise<boolean> {
  return new Promise((resolve) => {
    doc.onLoad = (success) => resolve(success);
    expect(doc.load(url)).to.equal(true);
  });
}

/** Waits until the server has recorded a POST to `path` carrying `marker`. */
async function postTo(path: string, marker: string): Promise<RecordedPost> {
  for (;;) {
    const posts = (await (await fetch(`${info.base}/posts`)).json()) as RecordedPost[];
    const found = posts.find((p) => p.path === path && p.body.includes(marker));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('AS2 XML.load', () => {
  it('loads, parses, sets loaded and the byte counts, then calls onLoad(true)', async () => {
    const doc = new XML();
    expect(doc.getBytesLoaded()).to.equal(undefined);
    expect(doc.getBytesTotal()).to.equal(undefined);
    const done = loadInto(doc, `${info.base}/level.xml`);
    expect(doc.loaded).to.equal(false);
    expect(await done).to.equal(true);
    expect(doc.loaded).to.equal(true);
    expect(doc.status).to.equal(0);
    expect(doc.xmlDecl).to.equal('<?xml version="1.0"?>');
    const level = doc.firstChild!;
    expect(level.nodeName).to.equal('level');
    expect(level.childNodes.map((n) => n.nodeType)).to.deep.equal([3, 1, 3, 1, 3]);
    expect(level.childNodes[3]!.attributes.kind).to.equal('door');
    expect(level.childNodes[3]!.firstChild!.nodeValue).to.equal('Ünïcødé & more');
    const bytes = new TextEncoder().encode(
      '<?xml version="1.0"?><level id="1">\n  <tile x="0" y="1" kind="wall" />\n  <tile x="1" y="1" kind="door">Ünïcødé &amp; more</tile>\n</level>',
    ).byteLength;
    expect(doc.getBytesLoaded()).to.equal(bytes);
    expect(doc.getBytesTotal()).to.equal(bytes);
    expect(doc.idMap['1']).to.equal(level);
  });

  it('honours ignoreWhite while loading', async () => {
    const doc = new XML();
    doc.ignoreWhite = true;
    expect(await loadInto(doc, `${info.base}/level.xml`)).to.equal(true);
    expect(doc.firstChild!.childNodes.map((n) => n.nodeName)).to.deep.equal(['tile', 'tile']);
  });

  it('drops a UTF-8 byte order mark', async () => {
    const doc = new XML();
    expect(await loadInto(doc, `${info.base}/bom.xml`)).to.equal(true);
    expect(String(doc)).to.equal('<a>é</a>');
  });

  it('reports a malformed document as loaded, with its status', async () => {
    const doc = new XML();
    expect(await loadInto(doc, `${info.base}/malformed.xml`)).to.equal(true);
    expect(doc.status).to.equal(-9);
    expect(String(doc)).to.equal('<a><b /></a>');
  });

  it('gives onLoad(false) on 404, with onHTTPStatus(404) first', async () => {
    const doc = new XML('<old/>');
    const calls: unknown[] = [];
    (doc as unknown as { onHTTPStatus: (s: number) => void }).onHTTPStatus = (s) => calls.push(s);
    expect(await loadInto(doc, `${info.base}/missing.xml`)).to.equal(false);
    expect(calls).to.deep.equal([404]);
    expect(doc.loaded).to.equal(false);
    expect(String(doc)).to.equal('<old />');
  });

  it('gives onLoad(false) when the connection is refused', async () => {
    expect(await loadInto(new XML(), `${info.refusedBase}/level.xml`)).to.equal(false);
  });

  it('gives onLoad(false) when CORS forbids reading the answer', async () => {
    expect(await loadInto(new XML(), `${info.base}/no-cors/level.xml`)).to.equal(false);
  });

  it('hands the raw text to a replaced onData, which gets undefined on failure', async () => {
    const doc = new XML();
    const got = await new Promise<unknown>((resolve) => {
      doc.onData = (src) => resolve(src);
      doc.onLoad = () => resolve('onLoad must not be called');
      doc.load(`${info.base}/malformed.xml`);
    });
    expect(got).to.equal('<a><b></a>');
    expect(doc.childNodes.length).to.equal(0);
    const failed = await new Promise<unknown>((resolve) => {
      doc.onData = (src) => resolve(src);
      doc.load(`${info.base}/missing.xml`);
    });
    expect(failed).to.equal(undefined);
  });

  it('a second load cancels the first: only the latest answer arrives', async () => {
    const doc = new XML();
    const results: boolean[] = [];
    const done = new Promise<void>((resolve) => {
      doc.onLoad = (ok) => {
        results.push(ok);
        resolve();
      };
    });
    doc.load(`${info.base}/missing.xml`);
    doc.load(`${info.base}/bom.xml`);
    await done;
    await new Promise((r) => setTimeout(r, 50));
    expect(results).to.deep.equal([true]);
    expect(String(doc)).to.equal('<a>é</a>');
  });
});

describe('AS2 XML.sendAndLoad and send', () => {
  it('POSTs toString() with contentType and request headers, and loads the answer into the target', async () => {
    const request = new XML('<login user="ann" pass="a&amp;b" />');
    request.addRequestHeader('X-Game', 'tetris');
    request.addRequestHeader(['X-One', '1', 'X-Two', '2']);
    const reply = new XML();
    const ok = await new Promise<boolean>((resolve) => {
      reply.onLoad = resolve;
      expect(request.sendAndLoad(`${info.base}/echo`, reply)).to.equal(true);
      expect(reply.loaded).to.equal(false);
    });
    expect(ok).to.equal(true);
    expect(String(reply)).to.equal('<echo><login user="ann" pass="a&amp;b" /></echo>');
    expect(reply.firstChild!.firstChild!.attributes.pass).to.equal('a&b');
    const post = await postTo('/echo', 'user="ann"');
    expect(post.body).to.equal('<login user="ann" pass="a&amp;b" />');
    expect(post.contentType).to.equal('application/x-www-form-urlencoded');
    expect(post.headers['x-game']).to.equal('tetris');
    expect(post.headers['x-one']).to.equal('1');
    expect(post.headers['x-two']).to.equal('2');
  });

  it('sends the contentType a script sets', async () => {
    const request = new XML('<ping n="2" />');
    request.contentType = 'text/xml';
    const reply = new XML();
    await new Promise<boolean>((resolve) => {
      reply.onLoad = resolve;
      request.sendAndLoad(`${info.base}/echo`, reply);
    });
    expect((await postTo('/echo', 'n="2"')).contentType).to.equal('text/xml');
  });

  it('returns false for a target that is not an object, and onLoad(false) on failure', async () => {
    const request = new XML('<x/>');
    expect(request.sendAndLoad(`${info.base}/echo`, 3 as unknown as object)).to.equal(false);
    const reply = new XML();
    const ok = await new Promise<boolean>((resolve) => {
      reply.onLoad = resolve;
      request.sendAndLoad(`${info.refusedBase}/echo`, reply);
    });
    expect(ok).to.equal(false);
  });

  it('send POSTs the document and ignores the answer', async () => {
    const doc = new XML('<score value="42" />');
    expect(doc.send(`${info.base}/page`)).to.equal(true);
    const post = await postTo('/page', 'value="42"');
    expect(post.body).to.equal('<score value="42" />');
  });

  it('send with a target shows the answer in that frame', async () => {
    const frame = document.createElement('iframe');
    frame.name = 'as2-send-target';
    document.body.appendChild(frame);
    try {
      const shown = new Promise<void>((resolve) => frame.addEventListener('load', () => resolve(), { once: true }));
      new XML('<score value="43" />').send(`${info.base}/page`, 'as2-send-target');
      await postTo('/page', 'value="43"');
      await shown;
      // The answer arrives as a blob: URL; wait until the frame has navigated to it.
      for (;;) {
        const body = frame.contentDocument?.getElementById('body');
        if (body) {
          expect(body.textContent).to.equal('<score value="43" />');
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      frame.remove();
    }
  });
});

describe('AS2 XML.addRequestHeader (gnash XML.as)', () => {
  it('keeps string pairs in _customHeaders and ignores anything else', () => {
    const x = new XML();
    expect(Object.prototype.hasOwnProperty.call(x, '_customHeaders')).to.equal(false);
    x.addRequestHeader('header1', 'value1');
    x.addRequestHeader('header2', 'value2');
    x.addRequestHeader(['header3', 'value3', 'header4', 'value4']);
    expect(String(x._customHeaders)).to.equal('header1,value1,header2,value2,header3,value3,header4,value4');
    const y = new XML();
    (y.addRequestHeader as (...a: unknown[]) => void)(3);
    expect(String(y._customHeaders)).to.equal('');
    (y.addRequestHeader as (...a: unknown[]) => void)('string', 6);
    expect(String(y._customHeaders)).to.equal('');
    y.addRequestHeader('string', 'string');
    expect(String(y._customHeaders)).to.equal('string,string');
  });
});
