// A SWF in Ruffle, and the library, through the bridge to the demo's chat server, in
// Chromium, Firefox and WebKit. The SWF is ChatClient.hx compiled by Debian's haxe; Ruffle
// is the self-hosted @ruffle-rs/ruffle package; its socketProxy is what the bridge serves
// at /socket-proxy.json. The chat server runs twice, as a login server and a world
// server, and both clients go from one to the other as such games did. Each difference
// between Ruffle and Flash that docs/ruffle.md lists is shown by one test here, next to
// what the library does. Run after a build (`npm test` builds first).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { startChatServer, type ChatServer } from '../../demo/server/chat-server.js';
import { createBridge, type Bridge, type LogLine } from '../../src/bridge.js';
import { closedPort } from '../bridge/helpers.js';
import { chromiumPage, firefoxPage, waitUntil, webkitPage, type EnginePage } from '../e2e/engines.js';
import { buildSite, type Site } from './site.js';

// WebKitGTK reports the locale as navigator.language; under the C locale that is "C",
// which Ruffle refuses (RangeError: invalid language tag) before it starts. A player's
// browser always has a real language, and so does this one.
if (/^(C|POSIX)([._@]|$)/.test(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || 'C')) {
  process.env.LC_ALL = 'en_US.UTF-8';
  process.env.LANG = 'en_US.UTF-8';
}

type Event = [type: string, detail: string];
// The page's globals (test/ruffle/page.html), for the functions run in it.
declare const swfEvents: Event[];
declare const libEvents: Event[];
declare const pageErrors: string[];
declare const swfSocketProxy: { host: string; port: number; proxyUrl: string }[];
/** The methods ChatClient.hx adds to the Ruffle player element with ExternalInterface. */
interface SwfPlayer extends HTMLElement {
  swfPlay(host: string, port: number, nick: string): void;
  swfConnect(host: string | null, port: number): void;
  swfSend(text: string): void;
  swfSay(text: string): void;
}

const HOST = '127.0.0.1';
const JAPANESE = '日本語のメッセージ <&> from Ruffle';
const REPLY = 'こんにちは <&> from the library';

/** The root element of one message. */
const parse = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml').documentElement!;

/** The servers of one engine's run: a world and a login server, and the bridge with the site. */
interface Servers {
  world: ChatServer;
  login: ChatServer;
  refusedPort: number;
  bridge: Bridge;
  /** The bridge's log lines. */
  logs: LogLine[];
  page: string;
  /** Entries the page adds by hand: a path with message framing (the bridge leaves it out), a bridge that is down. */
  messageEntry: { host: string; port: number; proxyUrl: string };
  downEntry: { host: string; port: number; proxyUrl: string };
}

async function startServers(site: Site): Promise<Servers> {
  const world = await startChatServer({ port: 0, room: 'World' });
  const login = await startChatServer({ port: 0, world: { host: 'localhost', port: world.port } });
  const refusedPort = await closedPort();
  const logs: LogLine[] = [];
  const bridge = createBridge({
    listen: `${HOST}:0`,
    // Every port of the game, login and world, as the game names them.
    allow: [`localhost:${login.port}`, `localhost:${world.port}`],
    routes: {
      '/refused': `${HOST}:${refusedPort}`,
      '/lobby': { target: `${HOST}:${world.port}`, framing: 'message' },
    },
    static: site.dir,
    log: (line) => logs.push(line),
  });
  const { port } = await bridge.listen();
  const messageEntry = { host: 'message.example', port: 1, proxyUrl: `ws://${HOST}:${port}/lobby` };
  const downEntry = { host: 'down.example', port: 1, proxyUrl: `ws://${HOST}:${await closedPort()}/` };
  const page = `http://${HOST}:${port}/?extra=${encodeURIComponent(JSON.stringify([messageEntry, downEntry]))}`;
  return { world, login, refusedPort, bridge, logs, page, messageEntry, downEntry };
}

/** A counter from the bridge's /metrics text (0 when it has no sample yet). */
async function metric(bridge: Bridge, sample: string): Promise<number> {
  const line = (await bridge.metrics()).split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

const ENGINES: [string, () => Promise<EnginePage>][] = [
  ['Chromium', chromiumPage],
  ['Firefox', firefoxPage],
  ['WebKit', webkitPage],
];

let site: Site;
before(() => {
  site = buildSite();
});
after(() => site?.remove());

for (const [name, open] of ENGINES) {
  describe(`a SWF in Ruffle and a ported page in ${name}, through the bridge`, () => {
    let servers: Servers;
    let page: EnginePage;

    /** Every event so far: the SWF's and the library's. */
    const events = () => page.evaluate(() => ({ swf: swfEvents.slice(), lib: libEvents.slice() }), null);
    /** The SWF's (or the library's) events from index `from` on, as `type detail` strings. */
    const since = async (who: 'swf' | 'lib', from: number) => (await events())[who].slice(from).map((e) => e.join(' '));
    const count = async (who: 'swf' | 'lib') => (await events())[who].length;
    /** Waits until the SWF (or the library) has reported `type` `n` times since event `from`. */
    const waitFor = async (who: 'swf' | 'lib', from: number, type: string, n = 1) => {
      try {
        await waitUntil(
          page,
          (a) => (a.who === 'swf' ? swfEvents : libEvents).slice(a.from).filter((e) => e[0] === a.type).length >= a.n,
          { who, from, type, n },
          `${who} ${type} x${n} after event ${from}`,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}; it reported ${JSON.stringify(await since(who, from))}`, {
          cause: error,
        });
      }
    };
    /** Calls one of the SWF's ExternalInterface callbacks; returns the index its events start at. */
    const swf = async (method: keyof SwfPlayer & `swf${string}`, ...args: unknown[]) => {
      const from = await count('swf');
      await page.evaluate(
        (a) =>
          (document.getElementById('swf') as unknown as Record<string, (...v: unknown[]) => void>)[a.method]!(
            ...a.args,
          ),
        { method, args },
      );
      return from;
    };
    /** Calls one of the page's library functions; returns the index its events start at. */
    const lib = async (fn: 'libPlay' | 'libConnect' | 'libSay', ...args: unknown[]) => {
      const from = await count('lib');
      await page.evaluate((a) => (window as unknown as Record<string, (...v: unknown[]) => void>)[a.fn]!(...a.args), {
        fn,
        args,
      });
      return from;
    };

    before(async () => {
      servers = await startServers(site);
      page = await open();
      await page.goto(servers.page);
      await waitUntil(page, () => swfEvents.some((e) => e[0] === 'ready') || pageErrors.length > 0, null, 'the SWF');
      assert.deepEqual(await page.evaluate(() => pageErrors, null), []);
    });
    after(async () => {
      await page?.close();
      await servers?.bridge.close();
      await servers?.login.close();
      await servers?.world.close();
    });

    test("Ruffle's socketProxy is the bridge's list: the login and the world server are both listed up front", async () => {
      const base = servers.messageEntry.proxyUrl.replace(/\/lobby$/, '');
      const { login, world, refusedPort } = servers;
      assert.deepEqual(await page.evaluate(() => swfSocketProxy, null), [
        { host: 'localhost', port: login.port, proxyUrl: `${base}/localhost/${login.port}` },
        { host: 'localhost', port: world.port, proxyUrl: `${base}/localhost/${world.port}` },
        { host: HOST, port: refusedPort, proxyUrl: `${base}/refused` },
        // Not from the bridge: the page adds them for tests below (/lobby has message framing).
        servers.messageEntry,
        servers.downEntry,
      ]);
    });

    test('both log in at the login server, follow it to the world server, and receive the user list', async () => {
      const { login, world } = servers;
      const libFrom = await lib('libPlay', 'localhost', login.port, 'ported');
      await waitFor('lib', libFrom, 'onData', 4); // world, then welcome, topic, users
      const connections = await metric(servers.bridge, 'xmlsocket_bridge_connections_total{transport="websocket"}');
      const swfFrom = await swf('swfPlay', 'localhost', login.port, 'ルフル');
      await waitFor('swf', swfFrom, 'data', 4);
      await waitFor('lib', libFrom, 'onData', 5); // and the SWF's <join>
      // Two connections, login and world: no socket policy request first, as Flash made.
      assert.equal(
        await metric(servers.bridge, 'xmlsocket_bridge_connections_total{transport="websocket"}'),
        connections + 2,
      );

      const hop = (await events()).swf.slice(swfFrom);
      // The login server sends the world and closes; the SWF sees the close, then goes on.
      assert.deepEqual(
        hop.map((e) => e[0]),
        ['connect', 'sent', 'data', 'close', 'connect', 'sent', 'data', 'data', 'data'],
      );
      assert.equal(hop[1]![1], '<login nick="ルフル"/>');
      assert.equal(hop[2]![1], `<world host="localhost" port="${world.port}"/>`);
      const users = parse(hop[8]![1]);
      assert.equal(users.tagName, 'users');
      assert.deepEqual(
        Array.from(users.getElementsByTagName('user'), (u) => u.getAttribute('nick')),
        ['ported', 'ルフル'],
      );
      const libSeen = (await events()).lib.slice(libFrom);
      assert.deepEqual(
        libSeen.map((e) => e[0]),
        ['onConnect', 'onData', 'onClose', 'onConnect', 'onData', 'onData', 'onData', 'onData'],
      );
      assert.equal(libSeen[1]![1], `<world host="localhost" port="${world.port}"/>`);
      assert.equal(libSeen.at(-1)![1], '<join nick="ルフル"/>');
      assert.deepEqual(world.users().sort(), ['ported', 'ルフル']);
      assert.deepEqual(login.users(), []);
    });

    test('a chat line each way, Japanese and <&> included', async () => {
      const libFrom = await count('lib');
      const swfFrom = await swf('swfSay', JAPANESE);
      await waitFor('lib', libFrom, 'onData');
      await lib('libSay', REPLY);
      await waitFor('swf', swfFrom, 'data', 2); // its own line comes back too
      const { swf: swfSeen, lib: libSeen } = await events();
      const atLib = parse(libSeen.slice(libFrom).find((e) => e[0] === 'onData')![1]);
      assert.deepEqual([atLib.getAttribute('from'), atLib.textContent], ['ルフル', JAPANESE]);
      const atSwf = swfSeen
        .slice(swfFrom)
        .filter((e) => e[0] === 'data')
        .map((e) => parse(e[1]));
      assert.deepEqual(
        atSwf.map((m) => [m.getAttribute('from'), m.textContent]),
        [
          ['ルフル', JAPANESE],
          ['ported', REPLY],
        ],
      );
    });

    test('a refused target: Ruffle reports connect, then close; the library onConnect(false)', async () => {
      const swfFrom = await swf('swfConnect', HOST, servers.refusedPort);
      await waitFor('swf', swfFrom, 'close');
      const libFrom = await lib('libConnect', HOST, servers.refusedPort, true);
      await waitFor('lib', libFrom, 'ioError');
      assert.deepEqual(await since('swf', swfFrom), ['connect ', 'close ']);
      const libSeen = await since('lib', libFrom);
      // The library asks the bridge why, and reports it; Ruffle's close says nothing.
      assert.deepEqual(libSeen.slice(0, 1), ['onConnect false']);
      assert.match(libSeen[1]!, /^ioError xmlsocket-bridge refused the connection \(502 connect_refused\)/);
      assert.equal(libSeen.length, 2);
    });

    test('Ruffle matches the host exactly as the SWF spells it: 127.0.0.1 and LocalHost are not localhost (ioError, the bridge is not asked)', async () => {
      const { world, bridge } = servers;
      const connections = await metric(bridge, 'xmlsocket_bridge_connections_total{transport="websocket"}');
      const refused = await metric(bridge, 'xmlsocket_bridge_refusals_total{reason="not_allowed"}');
      for (const host of [HOST, 'LocalHost']) {
        const swfFrom = await swf('swfConnect', host, world.port);
        await waitFor('swf', swfFrom, 'ioError');
        assert.deepEqual(await since('swf', swfFrom), ['ioError Error #2031: Socket Error.'], host);
      }
      assert.equal(await metric(bridge, 'xmlsocket_bridge_connections_total{transport="websocket"}'), connections);
      // The library asks the bridge, which allows localhost only: 127.0.0.1 gets 403,
      // onConnect(false); the bridge reads host names without regard to case, so LocalHost connects.
      let libFrom = await lib('libConnect', HOST, world.port, false);
      await waitFor('lib', libFrom, 'ioError');
      const told = await since('lib', libFrom);
      assert.equal(told[0], 'onConnect false');
      assert.match(told[1]!, /\(403 not_allowed\)/);
      libFrom = await lib('libConnect', 'LocalHost', world.port, false);
      await waitFor('lib', libFrom, 'onConnect');
      assert.deepEqual(await since('lib', libFrom), ['onConnect true']);
      // One refusal: the library's 127.0.0.1. Ruffle never asked.
      assert.equal(await metric(bridge, 'xmlsocket_bridge_refusals_total{reason="not_allowed"}'), refused + 1);
    });

    test("AS3 connect(null, port): Ruffle throws TypeError #1006 where Flash used the SWF's host; the library uses the page's", async () => {
      const swfFrom = await swf('swfConnect', null, servers.world.port);
      await waitFor('swf', swfFrom, 'error');
      const libFrom = await lib('libConnect', null, servers.world.port, false);
      await waitFor('lib', libFrom, 'ioError');
      const swfSeen = await since('swf', swfFrom);
      assert.equal(swfSeen.length, 1);
      assert.match(swfSeen[0]!, /^error TypeError: Error #1006/);
      // The page is at 127.0.0.1, which the bridge does not allow (localhost only): the
      // library asked for exactly the page's host, and was refused.
      assert.equal((await since('lib', libFrom))[0], 'onConnect false');
      const refusal = servers.logs.filter((l) => l.event === 'refused').at(-1);
      assert.deepEqual([refusal?.path, refusal?.reason], [`/${HOST}/${servers.world.port}`, 'not_allowed']);
    });

    test('text frames: Ruffle drops them, so a message-framed path delivers nothing; stream delivers', async () => {
      const { messageEntry, world } = servers;
      const policyThenClose = async (host: string, port: number) => {
        const from = await swf('swfConnect', host, port);
        await waitFor('swf', from, 'connect');
        // The chat server answers with its policy, then closes.
        await swf('swfSend', '<policy-file-request/>');
        await waitFor('swf', from, 'close');
        return (await events()).swf.slice(from).map((e) => e[0]);
      };
      assert.deepEqual(await policyThenClose(messageEntry.host, messageEntry.port), ['connect', 'sent', 'close']);
      assert.deepEqual(await policyThenClose('localhost', world.port), ['connect', 'sent', 'data', 'close']);
    });

    test('the world server goes down: both see close; then Ruffle reports connect-then-close, the library onConnect(false)', async () => {
      const { world } = servers;
      const libPlaying = await lib('libPlay', 'localhost', world.port, 'ported2');
      const swfPlaying = await swf('swfPlay', 'localhost', world.port, 'ルフル2');
      await waitFor('swf', swfPlaying, 'data', 3);
      await waitFor('lib', libPlaying, 'onData', 3);
      const [swfUp, libUp] = [await count('swf'), await count('lib')];
      await world.close();
      await waitFor('swf', swfUp, 'close');
      await waitFor('lib', libUp, 'onClose');
      assert.deepEqual(await since('swf', swfUp), ['close ']);

      const swfFrom = await swf('swfConnect', 'localhost', world.port);
      await waitFor('swf', swfFrom, 'close');
      const libFrom = await lib('libConnect', 'localhost', world.port, false);
      await waitFor('lib', libFrom, 'ioError');
      assert.deepEqual(await since('swf', swfFrom), ['connect ', 'close ']);
      const told = await since('lib', libFrom);
      assert.equal(told[0], 'onConnect false');
      assert.match(told[1]!, /\(502 connect_refused\)/);
    });

    test('the bridge itself is down: Ruffle reports connect, then close', async () => {
      const { downEntry } = servers;
      const swfFrom = await swf('swfConnect', downEntry.host, downEntry.port);
      await waitFor('swf', swfFrom, 'close');
      assert.deepEqual(await since('swf', swfFrom), ['connect ', 'close ']);
    });
  });
}
