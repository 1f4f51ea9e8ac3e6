// The XMLSocket class in Chromium, Firefox and WebKit against real servers on loopback: scripted TCP
// XMLSocket servers behind the project's bridge (stream framing), and WebSocket
// servers that send exact frames (frame boundaries, message framing).
import { expect } from '@esm-bundle/chai';
import { configure, isParseError, XMLSocket, type IOErrorEvent, type XMLEvent } from '../../src/index.js';
import {
  bridgeToBlackhole,
  bridgeToRefused,
  dropAll,
  endAll,
  fromB64,
  httpsSecurityPage,
  nativeServer,
  nextCall,
  push,
  refusedPort,
  report,
  settle,
  silentServer,
  stop,
  tcpServer,
  until,
  utf8,
  waitFor,
  type Fixture,
} from './fixtures.js';

const started: Fixture[] = [];
const sockets: XMLSocket[] = [];

/** A socket routed to `fixture` whatever (host, port) it is given. */
function socketFor(fixture: Fixture, options = {}): XMLSocket {
  const socket = new XMLSocket(null, undefined, { url: () => fixture.url, ...options });
  sockets.push(socket);
  return socket;
}

async function server(script: Parameters<typeof tcpServer>[0] = {}) {
  const fixture = await tcpServer(script);
  started.push(fixture);
  return fixture;
}

async function frames(script: Parameters<typeof nativeServer>[0]) {
  const fixture = await nativeServer(script);
  started.push(fixture);
  return fixture;
}

/** Connects and waits for onConnect(true). */
async function open(socket: XMLSocket): Promise<void> {
  const connected = nextCall<[boolean]>(socket, 'onConnect');
  expect(socket.connect('game.example', 9339)).to.equal(true);
  expect(await connected).to.deep.equal([true]);
}

/** Records every data event, onData call, onXML call and close. */
function record(socket: XMLSocket) {
  const log: string[] = [];
  const messages: string[] = [];
  const docs: Document[] = [];
  socket.addEventListener('data', (e) => log.push(`data:${e.data}`));
  socket.onXML = (doc) => {
    docs.push(doc);
    log.push(`onXML:${doc.documentElement?.nodeName ?? '(empty)'}`);
  };
  const defaultOnData = XMLSocket.prototype.onData!;
  socket.onData = function (src) {
    messages.push(src);
    log.push(`onData:${src}`);
    defaultOnData.call(this, src);
  };
  let closes = 0;
  socket.onClose = () => {
    closes += 1;
    log.push('onClose');
  };
  return { log, messages, docs, closes: () => closes };
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) XMLSocket.prototype.close.call(socket);
  for (const fixture of started.splice(0)) await stop(fixture);
  configure({ url: undefined, socketProxy: undefined, framing: undefined, timeout: undefined, WebSocket: undefined });
  XMLSocket.prototype.ignoreWhite = false;
});

describe('connect()', () => {
  it('returns true, then calls onConnect(true) and fires connect, asynchronously', async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    const order: string[] = [];
    socket.onConnect = (success) => order.push(`onConnect:${success}:${socket.connected}`);
    socket.addEventListener('connect', () => order.push(`connect:${socket.connected}`));
    expect(socket.connect('game.example', 9339)).to.equal(true);
    expect(socket.connected).to.equal(false);
    expect(order).to.deep.equal([]);
    await until(() => order.length === 2, 'connect callbacks');
    expect(order).to.deep.equal(['onConnect:true:true', 'connect:true']);
    expect((await waitFor(fixture, { connections: 1 })).connections).to.equal(1);
  });

  it('returns false and calls nothing for a port that is not an integer in 1..65535', async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    const calls: unknown[] = [];
    socket.onConnect = (s) => calls.push(s);
    socket.addEventListener('ioError', (e) => calls.push(e));
    for (const port of [0, -1, 65536, 1.5, NaN, 'x', '', null as unknown as number, undefined as unknown as number]) {
      expect(socket.connect('game.example', port), `port ${port}`).to.equal(false);
    }
    await settle();
    expect(calls).to.deep.equal([]);
    expect((await report(fixture)).connections).to.equal(0);
  });

  it('takes a port given as a string, as AS2 converted it to a number', async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    const ports: number[] = [];
    socket.configure({ url: (_host, port) => (ports.push(port), fixture.url) });
    const connected = nextCall<[boolean]>(socket, 'onConnect');
    expect(socket.connect('game.example', '9339')).to.equal(true);
    expect(await connected).to.deep.equal([true]);
    expect(ports).to.deep.equal([9339]);
  });

  it('returns false when there is no route, or the WebSocket constructor rejects the URL', async () => {
    const calls: unknown[] = [];
    const noRoute = new XMLSocket(null, undefined, { url: () => null });
    const badUrl = new XMLSocket(null, undefined, { url: () => 'ws://[bad/' });
    const badHost = new XMLSocket();
    for (const socket of [noRoute, badUrl, badHost]) socket.onConnect = (s) => calls.push(s);
    expect(noRoute.connect('a', 1)).to.equal(false);
    expect(badUrl.connect('a', 1)).to.equal(false);
    expect(badHost.connect('evil.example/../x?', 1)).to.equal(false);
    await settle();
    expect(calls).to.deep.equal([]);
  });

  it('dispatches securityError (2048), after the AS3 constructor, for ws: from an https page (WebKit constructs it and fails later; Chromium and Firefox throw)', async () => {
    // Mixed content: an https page asking for ws: to a remote host.
    const fixture = await httpsSecurityPage();
    started.push(fixture);
    const frame = document.createElement('iframe');
    const seen = new Promise<{ returned: boolean; sync: string[]; events: Record<string, unknown>[] }>((resolve) => {
      window.addEventListener(
        'message',
        (e) => e.source === frame.contentWindow && resolve(e.data as Parameters<typeof resolve>[0]),
      );
    });
    frame.src = fixture.url;
    document.body.append(frame);
    const result = await seen;
    frame.remove();
    expect(result.events).to.have.length(2);
    expect(result.events[0]).to.include({ type: 'securityError', errorID: 2048 });
    expect(result.events[0]!.text).to.match(/^Error #2048/);
    // The library's own words, the same in every engine (each browser words its own differently).
    expect(result.events[0]!.reason).to.equal('ws: from an https page');
    expect(result.events[1]).to.include({ type: 'securityError', errorID: 2048 });
    expect(result.returned).to.equal(false);
    expect(result.sync).to.deep.equal([]);
  });

  it('reports a refused TCP target through the bridge as onConnect(false) and ioError, with no close', async () => {
    const fixture = await bridgeToRefused();
    started.push(fixture);
    const socket = socketFor(fixture);
    const calls: unknown[] = [];
    socket.onClose = () => calls.push('onClose');
    socket.addEventListener('close', () => calls.push('close'));
    const ioError = new Promise<IOErrorEvent>((resolve) => socket.addEventListener('ioError', resolve));
    const connected = nextCall<[boolean]>(socket, 'onConnect');
    socket.send('<queued/>');
    expect(socket.connect('game.example', 9339)).to.equal(true);
    expect(await connected).to.deep.equal([false]);
    const event = await ioError;
    // Flash's words, then the reason, which the bridge's answer to the library's question gives.
    expect(event.text).to.equal(`Error #2031: Socket Error. ${event.reason}`);
    expect(event.errorID).to.equal(2031);
    expect(event.reason).to.match(/^xmlsocket-bridge refused the connection \(502 connect_refused\): /);
    await settle();
    expect(calls).to.deep.equal([]);
    expect(socket.connected).to.equal(false);
  });

  it('lets ws: to loopback from an https page through (not mixed content); WebKit refuses it itself, and then at once, not at the timeout', async () => {
    const target = await server();
    const page = await httpsSecurityPage();
    started.push(page);
    const frame = document.createElement('iframe');
    const seen = new Promise<{ returned: boolean; securityErrors: number; connected: boolean; reason: string | null }>(
      (resolve) => {
        window.addEventListener(
          'message',
          (e) => e.source === frame.contentWindow && resolve(e.data as Parameters<typeof resolve>[0]),
        );
      },
    );
    frame.src = `${page.url}loopback?${encodeURIComponent(target.url)}`;
    document.body.append(frame);
    const result = await seen;
    frame.remove();
    expect(result.returned).to.equal(true);
    expect(result.securityErrors).to.equal(0);
    // Chromium and Firefox connect (loopback is potentially trustworthy); WebKit fires a
    // lone error, which the library turns into a prompt failure with the usual reason.
    if (result.connected) expect(result.reason).to.equal(null);
    else expect(result.reason).to.equal('WebSocket closed with code 1006 before opening');
  });

  it('fails a port browsers block (25) at once, not at the timeout (WebKit fires error alone, still CONNECTING, and never close)', async () => {
    const socket = new XMLSocket(null, undefined, { url: () => 'ws://127.0.0.1:25/' });
    sockets.push(socket);
    socket.timeout = 2e9; // only the browser's own answer can end this attempt
    const calls: unknown[] = [];
    socket.onClose = () => calls.push('onClose');
    socket.addEventListener('close', () => calls.push('close'));
    const ioError = new Promise<IOErrorEvent>((resolve) => socket.addEventListener('ioError', resolve));
    const connected = nextCall<[boolean]>(socket, 'onConnect');
    expect(socket.connect('game.example', 25)).to.equal(true);
    expect(await connected).to.deep.equal([false]);
    expect((await ioError).reason).to.equal('WebSocket closed with code 1006 before opening');
    await settle();
    expect(calls).to.deep.equal([]);
    expect(socket.connected).to.equal(false);
  });

  it('fails a refused TCP port with no WebSocket server at once, with the same reason in every engine', async () => {
    const { port } = await refusedPort();
    const socket = new XMLSocket(null, undefined, { url: () => `ws://127.0.0.1:${port}/` });
    sockets.push(socket);
    socket.timeout = 2e9;
    const ioError = new Promise<IOErrorEvent>((resolve) => socket.addEventListener('ioError', resolve));
    const connected = nextCall<[boolean]>(socket, 'onConnect');
    expect(socket.connect('game.example', port)).to.equal(true);
    expect(await connected).to.deep.equal([false]);
    expect((await ioError).reason).to.equal('WebSocket closed with code 1006 before opening');
  });

  it('reports a TCP target that never answers (bridge 504) as onConnect(false)', async () => {
    const fixture = await bridgeToBlackhole();
    started.push(fixture);
    const socket = socketFor(fixture);
    const connected = nextCall<[boolean]>(socket, 'onConnect');
    socket.connect('game.example', 9339);
    expect(await connected).to.deep.equal([false]);
  });

  it('gives up after timeout ms and reports why; timeouts under 250 read back as 250', async () => {
    const fixture = await silentServer();
    started.push(fixture);
    const socket = socketFor(fixture);
    expect(socket.timeout).to.equal(20000);
    socket.timeout = 10;
    expect(socket.timeout).to.equal(250);
    expect(() => (socket.timeout = 'soon' as unknown as number)).to.throw(TypeError);
    socket.timeout = Infinity; // no wait can be longer than a timer allows
    expect(socket.timeout).to.equal(2e9);
    socket.timeout = 10;
    const ioError = new Promise<IOErrorEvent>((resolve) => socket.addEventListener('ioError', resolve));
    const connected = nextCall<[boolean]>(socket, 'onConnect');
    socket.connect('game.example', 9339);
    expect(await connected).to.deep.equal([false]);
    expect((await ioError).reason).to.equal('timed out after 250 ms');
  });

  it('takes the global timeout from configure()', () => {
    configure({ timeout: 1234 });
    expect(new XMLSocket().timeout).to.equal(1234);
  });

  it('drops an open connection silently when connecting again', async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    const rec = record(socket);
    await open(socket);
    await open(socket);
    const r = await waitFor(fixture, { connections: 2, open: 1 });
    expect(r.open).to.equal(1);
    expect(rec.closes()).to.equal(0);
    expect(socket.connected).to.equal(true);
  });

  it('starts connecting from the AS3 constructor; listeners added right after still fire', async () => {
    const fixture = await server();
    configure({ url: fixture.url.replace(/\/$/, '/?{host}:{port}') });
    const socket = new XMLSocket('game.example', 9339);
    sockets.push(socket);
    await new Promise((resolve) => socket.addEventListener('connect', resolve));
    expect(socket.connected).to.equal(true);
  });
});

describe('routing', () => {
  it('uses the default ws://{host}:{port}/ URL, with the page host for a null host', async () => {
    const fixture = await server();
    const port = Number(new URL(fixture.url).port);
    const byAddress = new XMLSocket();
    const byPageHost = new XMLSocket();
    sockets.push(byAddress, byPageHost);
    const a = nextCall<[boolean]>(byAddress, 'onConnect');
    const b = nextCall<[boolean]>(byPageHost, 'onConnect');
    byAddress.connect('127.0.0.1', port);
    byPageHost.connect(null, port); // location.hostname: the test page is on localhost
    expect(await a).to.deep.equal([true]);
    expect(location.hostname).to.be.oneOf(['localhost', '127.0.0.1']);
    expect(await b).to.deep.equal([true]);
  });

  it('prefers an exact socketProxy entry, then the url template', async () => {
    const fixture = await server();
    const refused = await bridgeToRefused();
    started.push(refused);
    configure({ url: refused.url, socketProxy: [{ host: 'chat.example', port: 9339, proxyUrl: fixture.url }] });
    const proxied = new XMLSocket();
    const templated = new XMLSocket();
    sockets.push(proxied, templated);
    const a = nextCall<[boolean]>(proxied, 'onConnect');
    const b = nextCall<[boolean]>(templated, 'onConnect');
    proxied.connect('chat.example', 9339);
    templated.connect('chat.example', 9340);
    expect(await a).to.deep.equal([true]);
    expect(await b).to.deep.equal([false]);
  });

  it('fills {host} and {port} in a template and passes them to a url function', async () => {
    const fixture = await server();
    const seen: unknown[] = [];
    const socket = new XMLSocket(null, undefined, {
      url: (host, port) => {
        seen.push(host, port);
        return `${fixture.url}?to=${host}:${port}`;
      },
    });
    sockets.push(socket);
    await open(socket);
    expect(seen).to.deep.equal(['game.example', 9339]);
  });

  it('accepts a template relative to the page, which the browser resolves to ws:', async () => {
    const fixture = await server();
    // Scheme-relative, so that it can name the fixture's port; a path like
    // '/bridge/{host}/{port}' resolves the same way, on the page's own address.
    const relative = fixture.url.replace(/^ws:/, '') + '?to={host}:{port}';
    expect(configure({ url: relative }).url).to.equal(relative);
    const socket = new XMLSocket();
    sockets.push(socket);
    await open(socket);
    expect((await waitFor(fixture, { connections: 1 })).connections).to.equal(1);
  });

  it('rejects bad configuration when it is given, naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ framing: 'lines' }, /framing/],
      [{ url: 'http://example.com/{host}' }, /url/],
      [{ url: 42 }, /url/],
      [{ socketProxy: [{ host: 'a', proxyUrl: 'ws://x/' }] }, /socketProxy/],
      [{ socketProxy: [{ host: 'a', port: 1, proxyUrl: 'https://x/' }] }, /socketProxy/],
      [{ timeout: -1 }, /timeout/],
      [{ WebSocket: {} }, /WebSocket/],
      [{ colour: 'red' }, /unknown option "colour"/],
    ];
    for (const [options, message] of bad) {
      expect(() => configure(options), JSON.stringify(options)).to.throw(TypeError, message);
      try {
        new XMLSocket(null, undefined, options);
      } catch (error) {
        expect((error as { code: string }).code).to.equal('ERR_XMLSOCKET_CONFIG');
        continue;
      }
      expect.fail(`per-socket ${JSON.stringify(options)} was accepted`);
    }
    expect(configure({}).framing).to.equal('stream');
  });
});

describe('send()', () => {
  it('queues sends made before open and flushes them in order, each as one binary frame plus 0x00', async () => {
    const fixture = await frames({});
    const socket = socketFor(fixture);
    const connected = nextCall<[boolean]>(socket, 'onConnect');
    socket.connect('game.example', 9339);
    socket.send('<a/>');
    socket.send('<b>é</b>');
    expect(await connected).to.deep.equal([true]);
    socket.send('third');
    const r = await waitFor(fixture, { frames: 3 });
    expect(r.frames[0]!.map((f) => f.binary)).to.deep.equal([true, true, true]);
    expect(r.frames[0]!.map((f) => utf8(f.data))).to.deep.equal(['<a/>\0', '<b>é</b>\0', 'third\0']);
  });

  it('serializes DOM nodes with XMLSerializer and everything else with String()', async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    await open(socket);
    const doc = new DOMParser().parseFromString('<login name="ann &amp; bob"><x/></login>', 'text/xml');
    socket.send(doc);
    socket.send(doc.documentElement.firstChild);
    socket.send({ toString: () => '<custom/>' });
    socket.send(42);
    socket.send(null);
    const expected = '<login name="ann &amp; bob"><x/></login>\0<x/>\0<custom/>\0' + '42\0null\0';
    const r = await waitFor(fixture, { bytes: new TextEncoder().encode(expected).length });
    expect(utf8(r.received[0]!)).to.equal(expected);
  });

  it("writes a line break, CR and tab in an attribute as &#10;, &#13;, &#9; in every engine (Firefox's XMLSerializer writes &#xA; and &#xD;)", async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    await open(socket);
    const doc = new DOMParser().parseFromString('<say/>', 'text/xml');
    doc.documentElement.setAttribute('text', 'one\ntwo\rthree\tfour <&>"\'');
    doc.documentElement.append(doc.createTextNode('&#xA; stays text'));
    socket.send(doc.documentElement);
    const expected = '<say text="one&#10;two&#13;three&#9;four &lt;&amp;&gt;&quot;\'">&amp;#xA; stays text</say>\0';
    const r = await waitFor(fixture, { bytes: new TextEncoder().encode(expected).length });
    expect(utf8(r.received[0]!)).to.equal(expected);
  });

  it('sends a Document as its top-level nodes, the same text in every engine (Firefox adds line breaks between them and rewrites the XML declaration)', async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    await open(socket);
    const parse = (source: string) => new DOMParser().parseFromString(source, 'text/xml');
    socket.send(parse('<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>'));
    socket.send(parse('<!DOCTYPE a><!--before--><?game v2?><a>\n<b/>\n</a><!--after-->'));
    const expected = '<a>é</a>\0<!DOCTYPE a><!--before--><?game v2?><a>\n<b/>\n</a><!--after-->\0';
    const r = await waitFor(fixture, { bytes: new TextEncoder().encode(expected).length });
    expect(utf8(r.received[0]!)).to.equal(expected);
  });

  it('does nothing, and throws nothing, without a connection', async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    expect(() => socket.send('<never/>')).not.to.throw();
    await open(socket);
    socket.close();
    expect(() => socket.send('<after-close/>')).not.to.throw();
    await settle();
    const r = await report(fixture);
    expect(r.received).to.deep.equal(['']);
  });

  it('sends text frames without 0x00 in message framing', async () => {
    const fixture = await frames({});
    const socket = socketFor(fixture, { framing: 'message' });
    const connected = nextCall<[boolean]>(socket, 'onConnect');
    socket.connect('game.example', 9339);
    socket.send('<early/>');
    expect(await connected).to.deep.equal([true]);
    socket.send('<late/>');
    const r = await waitFor(fixture, { frames: 2 });
    expect(r.frames[0]).to.deep.equal([
      { binary: false, data: btoa('<early/>') },
      { binary: false, data: btoa('<late/>') },
    ]);
  });
});

describe('receiving', () => {
  it('delivers each message as a data event, then onData, whose default parses for onXML and then xml', async () => {
    const fixture = await server({ greeting: '<hello who="you"/>\0' });
    const socket = socketFor(fixture);
    const rec = record(socket);
    const xml = new Promise<XMLEvent>((resolve) => socket.addEventListener('xml', resolve));
    await open(socket);
    const event = await xml;
    rec.log.push('xml');
    expect(rec.log).to.deep.equal(['data:<hello who="you"/>', 'onData:<hello who="you"/>', 'onXML:hello', 'xml']);
    expect(event.data).to.equal('<hello who="you"/>');
    expect(event.document).to.equal(rec.docs[0]);
    expect(event.document.documentElement.getAttribute('who')).to.equal('you');
  });

  it('finds every message whatever the frame boundaries: many per frame, split frames, split UTF-8', async () => {
    const bytes = new TextEncoder().encode('<a>é€😀</a>\0<b/>\0\0<c>ü</c>\0');
    const cuts = [1, 5, 6, 9, 10, 11, 13, 14, 17, 20, 21];
    const parts: { binary: Uint8Array }[] = [];
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      parts.push({ binary: bytes.subarray(from, cut) });
      from = cut;
    }
    const fixture = await frames({ frames: [...parts, { binary: bytes }] });
    const socket = socketFor(fixture);
    const rec = record(socket);
    await open(socket);
    const expected = ['<a>é€😀</a>', '<b/>', '', '<c>ü</c>'];
    await until(() => rec.messages.length === 8, 'eight messages');
    expect(rec.messages).to.deep.equal([...expected, ...expected]);
  });

  it('delivers empty messages as "" and gives onXML an empty document for them', async () => {
    const fixture = await server({ greeting: '\0<a/>\0\0' });
    const socket = socketFor(fixture);
    const rec = record(socket);
    await open(socket);
    await until(() => rec.messages.length === 3, 'three messages');
    expect(rec.messages).to.deep.equal(['', '<a/>', '']);
    expect(rec.docs).to.have.length(3);
    expect(rec.docs[0]!.documentElement).to.equal(null);
    expect(isParseError(rec.docs[0])).to.equal(false);
    expect(rec.docs[2]!.childNodes.length).to.equal(0);
  });

  it('turns invalid UTF-8 into U+FFFD and keeps going', async () => {
    const fixture = await server({
      greeting: [0x3c, 0x61, 0x3e, 0xff, 0xc3, 0x3c, 0x2f, 0x61, 0x3e, 0, 0x6f, 0x6b, 0],
    });
    const socket = socketFor(fixture);
    const rec = record(socket);
    await open(socket);
    await until(() => rec.messages.length === 2, 'two messages');
    expect(rec.messages).to.deep.equal(['<a>\uFFFD\uFFFD</a>', 'ok']);
  });

  it('keeps a leading U+FEFF in a message, and in a message that follows another in the same frame', async () => {
    const fixture = await server({
      greeting: [0xef, 0xbb, 0xbf, 0x3c, 0x61, 0x2f, 0x3e, 0, 0xef, 0xbb, 0xbf, 0x62, 0],
    });
    const socket = socketFor(fixture);
    const seen: string[] = [];
    socket.onData = (src) => seen.push(src);
    await open(socket);
    await until(() => seen.length === 2, 'two messages');
    expect(seen).to.deep.equal(['\uFEFF<a/>', '\uFEFFb']);
  });

  it('hands onXML the error document for XML that is not well-formed, and carries on', async () => {
    const fixture = await server({ greeting: '<a><b></a>\0<fine/>\0' });
    const socket = socketFor(fixture);
    const rec = record(socket);
    await open(socket);
    await until(() => rec.docs.length === 2, 'two documents');
    expect(isParseError(rec.docs[0])).to.equal(true);
    expect(isParseError(rec.docs[1])).to.equal(false);
    expect(isParseError(new DOMParser().parseFromString('<parsererror/>', 'text/xml'))).to.equal(false);
  });

  it("tells every kind of malformed message from a good one in every engine (Firefox's error document is its own parsererror root in Gecko's namespace; Chromium and WebKit put an XHTML parsererror in the partial tree)", async () => {
    const bad = [
      '<a><b></a>',
      'hello',
      '<a>x</a><b/>',
      '<a x="1" x="2"/>',
      '<a>&nope;</a>',
      '<a',
      '<1/>',
      '<a><![CDATA[x</a>',
    ];
    const good = [
      '<?xml version="1.0"?><a/>',
      '<!DOCTYPE a><a/>',
      '<a xmlns="http://www.w3.org/1999/xhtml"><br></br></a>',
      '<parsererror>game data</parsererror>',
      '<a>&amp;&lt;&#233;</a>',
    ];
    const fixture = await server({ greeting: [...bad, ...good].join('\0') + '\0' });
    const socket = socketFor(fixture);
    const rec = record(socket);
    await open(socket);
    await until(() => rec.docs.length === bad.length + good.length, 'every document');
    expect(rec.docs.map(isParseError)).to.deep.equal([...bad.map(() => true), ...good.map(() => false)]);
    // Whatever its shape, an error document holds the browser's explanation.
    for (const doc of rec.docs.slice(0, bad.length)) expect(doc.documentElement.textContent).to.not.equal('');
  });

  it("treats text frames in stream framing as the stream's bytes", async () => {
    const fixture = await frames({ frames: [{ text: '<a>ü' }, { text: '</a>\0<b/>' }, { binary: [0] }] });
    const socket = socketFor(fixture);
    const rec = record(socket);
    await open(socket);
    await until(() => rec.messages.length === 2, 'two messages');
    expect(rec.messages).to.deep.equal(['<a>ü</a>', '<b/>']);
  });

  it('takes each WebSocket message as one message in message framing, dropping one trailing 0x00', async () => {
    const fixture = await frames({
      frames: [
        { text: '<a/>' },
        { text: '<b/>\0' },
        { binary: new TextEncoder().encode('<c>é</c>') },
        { text: 'x\0y' },
        { text: '' },
      ],
    });
    const socket = socketFor(fixture, { framing: 'message' });
    const rec = record(socket);
    await open(socket);
    await until(() => rec.messages.length === 5, 'five messages');
    expect(rec.messages).to.deep.equal(['<a/>', '<b/>', '<c>é</c>', 'x\0y', '']);
  });

  it('parses only when onXML or an xml listener exists', async () => {
    const fixture = await server({ greeting: '<a/>\0<b/>\0' });
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with its own `this` below
    const parse = DOMParser.prototype.parseFromString;
    let parses = 0;
    DOMParser.prototype.parseFromString = function (...args) {
      parses += 1;
      return parse.apply(this, args);
    };
    try {
      const socket = socketFor(fixture);
      const seen: string[] = [];
      socket.addEventListener('data', (e) => seen.push(e.data));
      await open(socket);
      await until(() => seen.length === 2, 'two messages');
      expect(parses).to.equal(0);
      const withXML = socketFor(fixture);
      const docs: Document[] = [];
      withXML.addEventListener('xml', (e) => docs.push(e.document));
      await open(withXML);
      await until(() => docs.length === 2, 'two documents');
      expect(parses).to.equal(2);
    } finally {
      DOMParser.prototype.parseFromString = parse;
    }
  });

  it('keeps delivering when listeners are added for event types named like Object.prototype members', async () => {
    const fixture = await server({ greeting: '<a/>\0' });
    const socket = socketFor(fixture);
    const seen: string[] = [];
    for (const type of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) {
      socket.addEventListener(type, () => seen.push(type));
    }
    socket.addEventListener('data', (e) => seen.push(`data:${e.data}`));
    socket.addEventListener('xml', (e) => seen.push(`xml:${e.document.documentElement.nodeName}`));
    await open(socket);
    await until(() => seen.length === 2, 'data and xml');
    expect(seen).to.deep.equal(['data:<a/>', 'xml:a']);
  });

  it('gives raw strings and no onXML or xml to a script that replaces onData', async () => {
    const fixture = await server({ greeting: '<a/>\0' });
    const socket = socketFor(fixture);
    const calls: string[] = [];
    socket.onData = (src) => calls.push(`onData:${src}`);
    socket.onXML = () => calls.push('onXML');
    socket.addEventListener('xml', () => calls.push('xml'));
    await open(socket);
    await until(() => calls.length > 0, 'onData');
    await settle();
    expect(calls).to.deep.equal(['onData:<a/>']);
  });

  it('removes whitespace-only text nodes when ignoreWhite is set, on the prototype or the socket', async () => {
    const message = '<a>\n  <b> x </b>\t<c>\r\n</c> </a>\0';
    const fixture = await server({ greeting: message });
    const names = (doc: Document) => [...doc.documentElement.childNodes].map((n) => n.nodeName);

    const plain = socketFor(fixture);
    const keep = record(plain);
    await open(plain);
    await until(() => keep.docs.length === 1, 'document');
    expect(names(keep.docs[0]!)).to.deep.equal(['#text', 'b', '#text', 'c', '#text']);

    XMLSocket.prototype.ignoreWhite = true;
    const global = socketFor(fixture);
    const stripped = record(global);
    await open(global);
    await until(() => stripped.docs.length === 1, 'document');
    expect(names(stripped.docs[0]!)).to.deep.equal(['b', 'c']);
    expect(stripped.docs[0]!.documentElement.firstChild!.textContent).to.equal(' x ');
    expect(stripped.docs[0]!.getElementsByTagName('c')[0]!.childNodes.length).to.equal(0);

    XMLSocket.prototype.ignoreWhite = false;
    const own = socketFor(fixture);
    own.ignoreWhite = true;
    const ownRec = record(own);
    await open(own);
    await until(() => ownRec.docs.length === 1, 'document');
    expect(names(ownRec.docs[0]!)).to.deep.equal(['b', 'c']);
  });
});

describe('handlers that throw or close', () => {
  it('reports an exception from a handler and goes on with the next message', async () => {
    const fixture = await server({ greeting: '<one/>\0<two/>\0' });
    const socket = socketFor(fixture);
    const reported: unknown[] = [];
    const previous = window.onerror;
    window.onerror = (_message, _source, _line, _col, error) => {
      reported.push(error);
      return true; // handled: not a test failure
    };
    try {
      const seen: string[] = [];
      socket.onData = (src) => {
        seen.push(src);
        if (src === '<one/>') throw new Error('handler bug');
      };
      await open(socket);
      await until(() => seen.length === 2 && reported.length === 1, 'both messages and the report');
      expect(seen).to.deep.equal(['<one/>', '<two/>']);
      expect((reported[0] as Error).message).to.equal('handler bug');
    } finally {
      window.onerror = previous;
    }
  });

  it('stops delivering the rest of a frame at once when a handler calls close()', async () => {
    const fixture = await frames({ frames: [{ binary: new TextEncoder().encode('<a/>\0<b/>\0<c/>\0') }] });
    const socket = socketFor(fixture);
    const rec = record(socket);
    const seen: string[] = [];
    socket.addEventListener('data', (e) => {
      seen.push(e.data);
      if (e.data === '<b/>') socket.close();
    });
    await open(socket);
    await until(() => seen.length >= 2, 'two messages');
    await settle();
    expect(seen).to.deep.equal(['<a/>', '<b/>']);
    expect(rec.messages).to.deep.equal(['<a/>']);
    expect(rec.closes()).to.equal(0);
    expect(socket.connected).to.equal(false);
  });

  it('switches to the new connection at once when a handler calls connect()', async () => {
    const first = await frames({ frames: [{ binary: new TextEncoder().encode('<a/>\0<b/>\0') }] });
    const second = await frames({ frames: [{ binary: new TextEncoder().encode('<second/>\0') }] });
    let target = first;
    const socket = new XMLSocket(null, undefined, { url: () => target.url });
    sockets.push(socket);
    const seen: string[] = [];
    socket.onData = (src) => {
      seen.push(src);
      if (src === '<a/>') {
        target = second;
        socket.connect('game.example', 9339);
      }
    };
    await open(socket);
    await until(() => seen.length === 2, "the second server's message");
    await settle();
    expect(seen).to.deep.equal(['<a/>', '<second/>']);
  });
});

describe('closing', () => {
  it('close() ends the connection without onClose or close, discards unread bytes, and is safe twice', async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    const rec = record(socket);
    let closeEvents = 0;
    socket.addEventListener('close', () => (closeEvents += 1));
    await open(socket);
    await push(fixture, '<partial');
    await settle();
    socket.close();
    socket.close();
    expect(socket.connected).to.equal(false);
    await waitFor(fixture, { open: 0 });
    await settle();
    expect(rec.messages).to.deep.equal([]);
    expect(rec.closes()).to.equal(0);
    expect(closeEvents).to.equal(0);
    new XMLSocket().close();
  });

  it('calls onClose and fires close once when the server closes, and drops an unterminated tail', async () => {
    const fixture = await server({ greeting: '<last/>\0<unterminated' });
    const socket = socketFor(fixture);
    const rec = record(socket);
    const states: boolean[] = [];
    const onClose = socket.onClose!;
    socket.onClose = function () {
      states.push(socket.connected);
      onClose.call(this);
    };
    let closeEvents = 0;
    socket.addEventListener('close', () => (closeEvents += 1));
    await open(socket);
    await until(() => rec.messages.length === 1, 'the message');
    await endAll(fixture);
    await until(() => closeEvents === 1, 'close');
    await settle();
    expect(rec.messages).to.deep.equal(['<last/>']);
    expect(rec.closes()).to.equal(1);
    expect(closeEvents).to.equal(1);
    expect(states).to.deep.equal([false]);
    expect(socket.connected).to.equal(false);
  });

  it('calls onClose once when the connection is lost', async () => {
    const fixture = await server();
    const socket = socketFor(fixture);
    const rec = record(socket);
    await open(socket);
    await dropAll(fixture);
    await until(() => rec.closes() === 1, 'onClose');
    await settle();
    expect(rec.closes()).to.equal(1);
  });
});

describe('ActionScript 1 and 2 inheritance', () => {
  it('gives every object of Sub.prototype = new XMLSocket() its own connection', async () => {
    const a = await server({ greeting: '<from-a/>\0' });
    const b = await server({ greeting: '<from-b/>\0' });
    configure({
      socketProxy: [
        { host: 'a', port: 1, proxyUrl: a.url },
        { host: 'b', port: 1, proxyUrl: b.url },
      ],
    });
    function Sub(this: { got: string[] }) {
      this.got = [];
    }
    Sub.prototype = new XMLSocket();
    Sub.prototype.onData = function (this: { got: string[] }, src: string) {
      this.got.push(src);
    } as unknown as XMLSocket['onData'];
    const one = new (Sub as unknown as new () => XMLSocket & { got: string[] })();
    const two = new (Sub as unknown as new () => XMLSocket & { got: string[] })();
    sockets.push(one, two);
    expect(one.connect('a', 1)).to.equal(true);
    expect(two.connect('b', 1)).to.equal(true);
    await until(() => one.got.length === 1 && two.got.length === 1, 'both greetings');
    expect(one.got).to.deep.equal(['<from-a/>']);
    expect(two.got).to.deep.equal(['<from-b/>']);
    expect(one.connected && two.connected).to.equal(true);
    one.close();
    expect(two.connected).to.equal(true);
  });

  it('works for __proto__ assignment, Object.create, prototype.connect.call and class extends', async () => {
    const fixture = await server({ greeting: '<hi/>\0' });
    configure({ url: fixture.url });
    const viaProto = { __proto__: XMLSocket.prototype } as unknown as XMLSocket;
    const viaCreate = Object.create(XMLSocket.prototype) as XMLSocket;
    const plain: Record<string, unknown> = {};
    class Game extends XMLSocket {
      greeting = '';
      override onData = (src: string) => {
        this.greeting = src;
      };
    }
    const game = new Game();
    sockets.push(viaProto, viaCreate, game, plain as unknown as XMLSocket);
    const docs: Record<string, string> = {};
    for (const [name, obj] of Object.entries({ viaProto, viaCreate, plain })) {
      (obj as XMLSocket).onXML = (doc) => (docs[name] = doc.documentElement.nodeName);
    }
    expect(viaProto.connect('h', 1)).to.equal(true);
    expect(viaCreate.connect('h', 1)).to.equal(true);
    expect(XMLSocket.prototype.connect.call(plain, 'h', 1)).to.equal(true);
    expect(game.connect('h', 1)).to.equal(true);
    await until(() => Object.keys(docs).length === 3 && game.greeting !== '', 'four greetings');
    expect(docs).to.deep.equal({ viaProto: 'hi', viaCreate: 'hi', plain: 'hi' });
    expect(game.greeting).to.equal('<hi/>');
    expect((await waitFor(fixture, { connections: 4, open: 4 })).open).to.equal(4);
    XMLSocket.prototype.close.call(plain);
  });
});

describe('websockify', () => {
  it("talks to an unchanged TCP server through Debian's websockify", async () => {
    const fixture = await server({ via: 'websockify', echo: true });
    const socket = socketFor(fixture);
    const rec = record(socket);
    await open(socket);
    socket.send('<ping n="1"/>');
    socket.send('<ping n="2">ü</ping>');
    await until(() => rec.messages.length === 2, 'two echoes');
    expect(rec.messages).to.deep.equal(['<ping n="1"/>', '<ping n="2">ü</ping>']);
    const r = await report(fixture);
    expect(fromB64(r.received[0]!).filter((byte) => byte === 0)).to.have.length(2);
  });
});
