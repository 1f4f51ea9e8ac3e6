// The demo chat server over real TCP sockets on 127.0.0.1.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { startChatServer, type ChatServer } from '../../demo/server/chat-server.js';
import { MessageSplitter } from '../../demo/server/framing.js';

const WAIT_MS = 5000; // upper bound for anything to arrive; never a timing assertion

/** A raw XMLSocket client: writes bytes, collects NUL-terminated messages. */
class Peer {
  readonly messages: string[] = [];
  closed = false;
  private waiters: Array<() => void> = [];
  private seen = 0;

  private constructor(readonly socket: Socket) {
    const splitter = new MessageSplitter(1 << 24);
    socket.on('data', (chunk: Buffer) => {
      splitter.push(chunk, (m) => this.messages.push(m));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static open(server: ChatServer): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => resolve(new Peer(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(xml: string | Buffer): void {
    this.socket.write(typeof xml === 'string' ? Buffer.from(`${xml}\0`) : xml);
  }

  /** Waits until `check` holds, re-checking on every arrival. */
  async until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next message not yet taken by `next` whose root element is `name`. */
  async next(name: string): Promise<Element> {
    let found: Element | undefined;
    await this.until(() => {
      for (; this.seen < this.messages.length; this.seen++) {
        const root = parse(this.messages[this.seen]!);
        if (root.tagName === name) {
          this.seen++;
          found = root;
          return true;
        }
      }
      return false;
    }, `<${name}>`);
    return found!;
  }

  async login(nick: string): Promise<Element> {
    this.send(`<login nick="${nick}"/>`);
    return this.next('welcome');
  }

  close(): void {
    this.socket.destroy();
  }
}

function parse(xml: string): Element {
  return new DOMParser().parseFromString(xml, 'text/xml').documentElement as unknown as Element;
}

function nicksOf(users: Element): string[] {
  return Array.from(users.getElementsByTagName('user')).map((u) => u.getAttribute('nick')!);
}

describe('demo chat server', () => {
  let server: ChatServer;
  const peers: Peer[] = [];
  const open = async () => {
    const peer = await Peer.open(server);
    peers.push(peer);
    return peer;
  };

  before(async () => {
    server = await startChatServer({ port: 0, maxMessageBytes: 4096 });
  });
  after(async () => {
    for (const p of peers) p.close();
    await server.close();
  });

  test('answers <policy-file-request/> with the cross-domain policy and closes', async () => {
    const peer = await open();
    peer.send('<policy-file-request/>');
    await peer.until(() => peer.closed, 'the server to close');
    assert.equal(peer.messages.length, 1);
    const policy = parse(peer.messages[0]!);
    assert.equal(policy.tagName, 'cross-domain-policy');
    const allow = policy.getElementsByTagName('allow-access-from')[0]!;
    assert.equal(allow.getAttribute('domain'), '*');
    assert.equal(allow.getAttribute('to-ports'), '*');
  });

  test('login: welcome, topic and user list; others get <join>, everyone sees both', async () => {
    const ann = await open();
    const welcome = await ann.login('ann');
    assert.equal(welcome.getAttribute('nick'), 'ann');
    assert.equal(welcome.getAttribute('room'), 'Lobby');
    await ann.next('topic');
    assert.deepEqual(nicksOf(await ann.next('users')), ['ann']);

    const bob = await open();
    await bob.login('bob');
    assert.deepEqual(nicksOf(await bob.next('users')).sort(), ['ann', 'bob']);
    assert.equal((await ann.next('join')).getAttribute('nick'), 'bob');
    assert.deepEqual(server.users().sort(), ['ann', 'bob']);

    bob.close();
    assert.equal((await ann.next('leave')).getAttribute('nick'), 'bob');
    await ann.until(() => !server.users().includes('bob'), 'bob to be gone');
    ann.close();
  });

  test('a taken nickname (in any case) is refused and the connection stays usable', async () => {
    const first = await open();
    await first.login('Carol');
    const second = await open();
    second.send('<login nick="carol"/>');
    const error = await second.next('error');
    assert.equal(error.getAttribute('code'), 'nick-taken');
    const welcome = await second.login('carol2');
    assert.equal(welcome.getAttribute('nick'), 'carol2');
    first.close();
    second.close();
  });

  test('an invalid nickname is refused, and the error text echoing it is escaped', async () => {
    const peer = await open();
    peer.send('<login nick="a&lt;b&amp;&quot;c"/>');
    const error = await peer.next('error');
    assert.equal(error.getAttribute('code'), 'nick-invalid');
    assert.match(error.textContent, /"a<b&"c"/);
    assert.match(peer.messages.at(-1)!, /a&lt;b&amp;&quot;c/);
    peer.send('<login nick=""/>');
    assert.equal((await peer.next('error')).getAttribute('code'), 'nick-invalid');
    peer.close();
  });

  test('messages reach everyone, sender included, with <&>"\' and non-ASCII text intact', async () => {
    const dan = await open();
    await dan.login('dan');
    const eve = await open();
    await eve.login('Ève');
    const text = `1 < 2 && "q" 'a' > 0 — Grüße, 你好, 🎮`;
    dan.send(`<msg>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</msg>`);
    for (const peer of [dan, eve]) {
      const msg = await peer.next('msg');
      assert.equal(msg.textContent, text);
      assert.equal(msg.getAttribute('from'), 'dan');
      assert.ok(!Number.isNaN(Date.parse(msg.getAttribute('t')!)));
    }
    // On the wire, every special character is escaped.
    const wire = eve.messages.find((m) => m.startsWith('<msg'))!;
    assert.match(wire, />1 &lt; 2 &amp;&amp; &quot;q&quot; &apos;a&apos; &gt; 0 — Grüße, 你好, 🎮<\/msg>$/);
    eve.send('<msg>from Ève</msg>');
    assert.equal((await dan.next('msg')).getAttribute('from'), 'Ève');
    dan.close();
    eve.close();
  });

  test('UTF-8 characters split across TCP segments decode correctly', async () => {
    const peer = await open();
    await peer.login('slow');
    const bytes = Buffer.from('<msg>ü€🎮 ok</msg>\0');
    for (const byte of bytes) {
      peer.socket.write(Buffer.of(byte));
      // Let each byte go out as its own segment (pacing only; nothing is timed).
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal((await peer.next('msg')).textContent, 'ü€🎮 ok');
    peer.close();
  });

  test('malformed and refused requests get an <error> and the connection stays open', async () => {
    const peer = await open();
    const cases: Array<[string, string]> = [
      ['<msg>unclosed', 'malformed'],
      ['not xml at all', 'malformed'],
      ['<msg>a & b</msg>', 'malformed'],
      ['', 'malformed'],
      ['<a/><b/>', 'malformed'],
      ['<!DOCTYPE x [<!ENTITY e "boom">]><msg>&e;</msg>', 'malformed'],
      ['<msg>before login</msg>', 'not-logged-in'],
      ['<topic>before login</topic>', 'not-logged-in'],
      ['<dance/>', 'unknown'],
    ];
    for (const [request, code] of cases) {
      peer.send(request);
      assert.equal((await peer.next('error')).getAttribute('code'), code, request);
    }
    await peer.login('frank');
    for (const [request, code] of [
      ['<msg>   </msg>', 'empty'],
      [`<msg>${'x'.repeat(501)}</msg>`, 'too-long'],
      ['<login nick="frank2"/>', 'already-logged-in'],
    ] as const) {
      peer.send(request);
      assert.equal((await peer.next('error')).getAttribute('code'), code, request);
    }
    peer.send('<ping/>');
    await peer.next('pong');
    assert.equal(peer.closed, false);
    peer.close();
  });

  test('the topic is broadcast and given to users who log in later', async () => {
    const gil = await open();
    await gil.login('gil');
    gil.send('<topic>Tonight: "Raid" at 9 &amp; more</topic>');
    const topic = await gil.next('topic').then(() => gil.next('topic'));
    assert.equal(topic.getAttribute('by'), 'gil');
    assert.equal(topic.textContent, 'Tonight: "Raid" at 9 & more');
    const hal = await open();
    await hal.login('hal');
    const seen = await hal.next('topic');
    assert.equal(seen.textContent, 'Tonight: "Raid" at 9 & more');
    assert.equal(seen.getAttribute('by'), 'gil');
    gil.close();
    hal.close();
  });

  test('a client that never sends a zero byte is cut off past the limit', async () => {
    const peer = await open();
    peer.socket.write(Buffer.alloc(5000, 'a'));
    await peer.until(() => peer.closed, 'the server to close');
    assert.equal(parse(peer.messages.at(-1)!).getAttribute('code'), 'too-large');
  });

  test('a login server answers <login> with the world server to go to, and closes', async () => {
    const login = await startChatServer({ port: 0, world: { host: 'localhost', port: server.port } });
    try {
      const peer = await Peer.open(login);
      peer.send('<login nick="jo"/>');
      const world = await peer.next('world');
      assert.deepEqual([world.getAttribute('host'), world.getAttribute('port')], ['localhost', String(server.port)]);
      await peer.until(() => peer.closed, 'the login server to close');
      assert.equal(peer.messages.length, 1);
      assert.deepEqual(login.users(), []); // nobody stays on a login server
      // An invalid nickname is refused there as anywhere, and the connection stays open.
      const other = await Peer.open(login);
      other.send('<login nick="no spaces"/>');
      assert.equal((await other.next('error')).getAttribute('code'), 'nick-invalid');
      assert.equal(other.closed, false);
      other.close();
    } finally {
      await login.close();
    }
  });

  test('close() drops connected clients', async () => {
    const own = await startChatServer({ port: 0 });
    const peer = await Peer.open(own);
    await peer.login('ivy');
    await own.close();
    await peer.until(() => peer.closed, 'the connection to close');
    // The port is free again: a new server can take it (the demo restarts this way).
    const again = await startChatServer({ port: own.port });
    assert.equal(again.port, own.port);
    await again.close();
  });
});
