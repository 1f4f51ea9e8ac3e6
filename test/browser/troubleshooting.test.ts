// docs/troubleshooting.md, row by row, in Chromium, Firefox and WebKit: each test makes
// the mistake a row describes and checks that the page sees the symptom the row
// quotes. For refusals that is three places at once: the AS3 ioError's reason and
// text, and, for AS2 code that only has onConnect, one console line. The servers
// behind each case are in test/servers/troubleshooting.ts.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { configure, XMLSocket, type IOErrorEvent, type XMLSocketOptions } from '../../src/index.js';
import { PAGE_CASES, type PageCase, type Row } from '../docs/troubleshooting-cases.js';
import { nextCall, settle } from './fixtures.js';

interface Scenario {
  id: number;
  url?: string;
  host?: string;
  port?: number;
}

let rows: Row[];
const started: Scenario[] = [];
const sockets: XMLSocket[] = [];
const realWarn = console.warn;
/** What the library wrote on the console during the test. */
let lines: string[] = [];

before(async () => {
  rows = await executeServerCommand('ts-rows');
});

beforeEach(() => {
  lines = [];
  console.warn = (...args: unknown[]) => lines.push(args.map(String).join(' '));
});

afterEach(async () => {
  console.warn = realWarn;
  for (const socket of sockets.splice(0)) socket.close();
  for (const s of started.splice(0)) await executeServerCommand('ts-stop', { id: s.id });
  configure({ url: undefined });
});

async function start(name: PageCase | 'publicHostNameRouted'): Promise<Scenario> {
  const scenario = await executeServerCommand<Scenario, { name: string }>('ts-start', { name });
  started.push(scenario);
  return scenario;
}

interface Report {
  logs: string[];
  received: string[];
}

const report = (s: Scenario) => executeServerCommand<Report, { id: number }>('ts-report', { id: s.id });

/** The scenario's report once `done` holds (or the last one, after a generous bound). */
async function reportWhen(s: Scenario, done: (r: Report) => boolean): Promise<Report> {
  let r = await report(s);
  for (let i = 0; i < 250 && !done(r); i++) {
    await settle(20);
    r = await report(s);
  }
  return r;
}

/** The row a case names, whose Symptom cell holds every string the case expects. */
function rowOf(name: PageCase): Row {
  const { row, expect: strings } = PAGE_CASES[name];
  const found = rows.find((r) => r.row === row);
  expect(found, `docs/troubleshooting.md has no row "${row}"`).to.not.equal(undefined);
  for (const s of strings) expect(found!.symptom, `row "${row}"`).to.include(s);
  return found!;
}

function socket(options: XMLSocketOptions = {}): XMLSocket {
  const s = new XMLSocket(null, undefined, options);
  sockets.push(s);
  return s;
}

async function opened(s: XMLSocket, host = 'game.example', port = 9339): Promise<void> {
  const connected = nextCall<[boolean]>(s, 'onConnect');
  expect(s.connect(host, port)).to.equal(true);
  expect(await connected).to.deep.equal([true]);
}

/**
 * Makes the failure of `name` happen twice: to AS3-style code (an ioError listener) and
 * to AS2-style code (onConnect only). Checks what both saw against the row: every
 * expected string is in the reason, in the text after Flash's words, and in the one
 * console line the AS2 attempt wrote, or else in the bridge's log.
 */
async function fails(
  name: PageCase,
  {
    host = 'game.example',
    port = 9339,
    hold = 0,
    timeout,
  }: { host?: string; port?: number; hold?: number; timeout?: number } = {},
) {
  rowOf(name);
  const scenario = await start(name);
  // A game server reached without the bridge is the game's own host and port.
  host = scenario.host ?? host;
  port = scenario.port ?? port;
  const options: XMLSocketOptions = { ...(scenario.url ? { url: scenario.url } : {}), timeout };
  // A limit is reached by connections that are open already.
  for (let i = 0; i < hold; i++) await opened(socket(options), host, port);

  const as3 = socket(options);
  const ioError = new Promise<IOErrorEvent>((resolve) => as3.addEventListener('ioError', resolve));
  const as3Connected = nextCall<[boolean]>(as3, 'onConnect');
  expect(as3.connect(host, port)).to.equal(true);
  expect(await as3Connected).to.deep.equal([false]);
  const event = await ioError;
  expect(event.text).to.equal(`Error #2031: Socket Error. ${event.reason}`);
  const before = lines.filter((l) => l.startsWith('XMLSocket: Error')).length;
  expect(before, 'nothing on the console when ioError has a listener').to.equal(0);

  const as2 = socket(options);
  const as2Connected = nextCall<[boolean]>(as2, 'onConnect');
  expect(as2.connect(host, port)).to.equal(true);
  expect(await as2Connected).to.deep.equal([false]);
  const consoleLines = lines.filter((l) => l.startsWith('XMLSocket: Error'));
  expect(consoleLines).to.deep.equal([`XMLSocket: ${event.text}`]);

  const { logs } = await report(scenario);
  for (const s of PAGE_CASES[name].expect) {
    if (event.reason.includes(s)) continue;
    expect(logs.join('\n'), `"${s}" is neither in the reason (${event.reason}) nor in the bridge's log`).to.include(s);
  }
  return { event, logs };
}

describe('docs/troubleshooting.md: what a page sees', () => {
  // First: the warning is said once per page, so no other test may use the default URL before.
  it('no URL configured: one console line naming data-url and configure({ url }), then a failure', async () => {
    rowOf('noUrl');
    const game = await start('noUrl');
    const first = socket();
    const second = socket();
    const failures = [nextCall<[boolean]>(first, 'onConnect'), nextCall<[boolean]>(second, 'onConnect')];
    first.connect(game.host, game.port!);
    second.connect(game.host, game.port!);
    expect(await Promise.all(failures)).to.deep.equal([[false], [false]]);
    expect(lines.filter((l) => l.includes('data-url'))).to.deep.equal([PAGE_CASES.noUrl.expect[0]]);
  });

  it('origin not allowed', async () => {
    const { event } = await fails('origin');
    // The page is told its own origin, and the flag that admits it.
    expect(event.reason).to.include(`--origin ${location.origin}`);
  });

  it('unknown path', async () => {
    expect((await fails('unknownPath')).event.reason).to.include('/lobby');
  });

  it('path refused', async () => {
    expect((await fails('badPath')).event.reason).to.include('/bridge//game.example/9339');
  });

  it('host and port not allowed, with the --allow and --route that would let it through', async () => {
    const { event } = await fails('notAllowed');
    expect(event.reason).to.include('--allow game.example:9339');
    expect(event.reason).to.include('--route /game.example/9339=');
  });

  it("game server refused: the page learns the cause, the bridge's log alone the error", async () => {
    const { event } = await fails('targetRefused');
    expect(event.reason).to.not.match(/ECONNREFUSED|127\.0\.0\.1/);
  });

  it("the game's public host name: --allow makes the bridge resolve it; --route keeps the path and names the inside address", async () => {
    const { event } = await fails('publicHostName', { host: 'game.invalid' });
    expect(event.reason).to.not.include('ENOTFOUND');
    const routed = await start('publicHostNameRouted');
    await opened(socket({ url: routed.url }), 'game.invalid', 9339);
  });

  it('game server silent', async () => {
    await fails('targetSilent');
  });

  it('too many from one address', async () => {
    await fails('maxPerIp', { hold: 1 });
  });

  it('bridge full', async () => {
    await fails('maxConnections', { hold: 1 });
  });

  it('a raw TCP server reached without the bridge', async () => {
    const { event } = await fails('rawTcp');
    expect(event.reason).to.equal('WebSocket closed with code 1006 before opening');
  });

  it('nothing answers in time', async () => {
    const { event } = await fails('silent', { timeout: 250 });
    expect(event.reason).to.equal('timed out after 250 ms');
  });

  it('mixed content: securityError, and with no listener one console line; connect() false, no onConnect', async () => {
    rowOf('mixedContent');
    const page = await start('mixedContent');
    const frame = document.createElement('iframe');
    const seen = new Promise<{ returned: boolean; called: boolean[]; logged: string[] }>((resolve) => {
      window.addEventListener(
        'message',
        (e) => e.source === frame.contentWindow && resolve(e.data as Parameters<typeof resolve>[0]),
      );
    });
    frame.src = page.url!;
    document.body.append(frame);
    const result = await seen;
    frame.remove();
    expect(result.returned).to.equal(false);
    expect(result.called).to.deep.equal([]);
    expect(result.logged).to.deep.equal(PAGE_CASES.mixedContent.expect);
  });

  it('wrong framing: stream against a server that speaks WebSocket never delivers; message framing does', async () => {
    rowOf('streamAgainstWebSocket');
    const server = await start('streamAgainstWebSocket');
    const stream = socket({ url: server.url });
    const got: string[] = [];
    stream.onData = (src) => got.push(src);
    await opened(stream);
    await settle(300);
    expect(got).to.deep.equal([]);

    const message = socket({ url: server.url, framing: 'message' });
    const data = nextCall<[string]>(message, 'onData');
    await opened(message);
    expect(await data).to.deep.equal(['<hello/>']);
  });

  it('wrong framing: message against the bridge reaches the game server without its 0x00; xmlsocket.message fixes it', async () => {
    rowOf('messageAgainstBridge');
    const bridge = await start('messageAgainstBridge');
    const wrong = socket({ url: bridge.url, framing: 'message' });
    await opened(wrong);
    wrong.send('<login/>');
    const received = await reportWhen(bridge, (r) => r.received[0] === '<login/>');
    expect(received.received[0]).to.equal('<login/>'); // no terminator: the game server waits for ever

    const right = socket({ url: bridge.url, framing: 'message', protocols: 'xmlsocket.message' });
    const echoed = nextCall<[string]>(right, 'onData');
    await opened(right);
    right.send('<login/>');
    expect(await echoed).to.deep.equal(['<login/>']);
    expect((await report(bridge)).received[1]).to.equal('<login/>\0');
  });

  it('cut when quiet: onClose(), and the bridge says idle_timeout', async () => {
    rowOf('idle');
    const bridge = await start('idle');
    const s = socket({ url: bridge.url });
    await opened(s);
    await nextCall<[]>(s, 'onClose');
    const { logs } = await reportWhen(bridge, (r) => r.logs.some((l) => l.includes('"event":"connection"')));
    expect(logs.find((l) => l.includes('"event":"connection"'))).to.include('"reason":"idle_timeout"');
  });
});
