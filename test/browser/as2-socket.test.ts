// Round trips through XMLSocket with AS2 XML objects: send(xml) sends Flash's
// toString(), and with documentFactory: as2Document the default onData hands onXML
// (and the xml event) an AS2 XML object. The peer is a WebSocket on loopback that
// echoes every byte (test/servers/as2-http.ts), as a TCP echo server behind
// websockify would; each test file runs in its own page, so global configure()
// here touches no other file.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { XMLSocket, configure } from '../../src/index.js';
import { XML, XMLNode, as2Document } from '../../src/as2.js';
import { stop, tcpServer, utf8, waitFor } from './fixtures.js';

// Mocha's globals, as web-test-runner provides them (no @types/mocha in this project).
declare function describe(name: string, body: () => void): void;
declare function it(name: string, body: () => void | Promise<void>): void;
declare function before(body: () => void | Promise<void>): void;

let echoUrl: string;
before(async () => {
  echoUrl = (await executeServerCommand<{ echoSocketUrl: string }, undefined>('as2-http')).echoSocketUrl;
});

/** A socket to the echo server, open, with onData/onXML recording what arrives. */
async function openSocket(
  options: Record<string, unknown> = {},
): Promise<{ socket: XMLSocket; data: string[]; docs: unknown[] }> {
  const socket = new XMLSocket();
  socket.configure({ url: echoUrl, ...options });
  const data: string[] = [];
  const docs: unknown[] = [];
  socket.addEventListener('data', (e) => data.push((e as unknown as { data: string }).data));
  (socket as unknown as { onXML: (d: unknown) => void }).onXML = (doc) => docs.push(doc);
  const ok = await new Promise<boolean>((resolve) => {
    (socket as unknown as { onConnect: (s: boolean) => void }).onConnect = resolve;
    expect(socket.connect('127.0.0.1', 9000)).to.equal(true);
  });
  expect(ok).to.equal(true);
  return { socket, data, docs };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('AS2 XML through XMLSocket (per-socket documentFactory)', () => {
  it("send(xml) sends Flash's format and onXML receives an AS2 XML object", async () => {
    const { socket, data, docs } = await openSocket({ documentFactory: as2Document });
    try {
      const msg = new XML('<msg from="ann" text="a &amp; b"><to id="7"/>hi "there"</msg>');
      socket.send(msg);
      await until(() => docs.length === 1);
      expect(data).to.deep.equal(['<msg from="ann" text="a &amp; b"><to id="7" />hi &quot;there&quot;</msg>']);
      const doc = docs[0] as XML;
      expect(doc).to.be.instanceOf(XML);
      expect(doc.status).to.equal(0);
      expect(doc.firstChild!.attributes.text).to.equal('a & b');
      expect(doc.firstChild!.firstChild!.attributes.id).to.equal('7');
      expect(doc.firstChild!.lastChild!.nodeValue).to.equal('hi "there"');
      expect(String(doc)).to.equal(String(msg));
    } finally {
      socket.close();
    }
  });

  it('sends a lone XMLNode, and the xml event carries the AS2 document', async () => {
    const { socket, docs } = await openSocket({ documentFactory: as2Document });
    try {
      const events: unknown[] = [];
      socket.addEventListener('xml', (e) => events.push((e as unknown as { document: unknown }).document));
      const node = new XMLNode(1, 'move');
      node.attributes.x = '3';
      socket.send(node);
      await until(() => docs.length === 1 && events.length === 1);
      expect(events[0]).to.equal(docs[0]);
      expect(String(docs[0])).to.equal('<move x="3" />');
    } finally {
      socket.close();
    }
  });

  it("applies the socket's ignoreWhite and delivers malformed messages with their status", async () => {
    const { socket, docs } = await openSocket({ documentFactory: as2Document });
    try {
      socket.ignoreWhite = true;
      socket.send('<list>\n  <item/>\n</list>');
      socket.send('<a><b></a>');
      await until(() => docs.length === 2);
      expect(String(docs[0])).to.equal('<list><item /></list>');
      expect((docs[1] as XML).status).to.equal(-9);
      expect(String(docs[1])).to.equal('<a><b /></a>');
    } finally {
      socket.close();
    }
  });
});

describe('AS2 XML through XMLSocket (global configure)', () => {
  it('configure({ documentFactory: as2Document }) makes every socket hand onXML AS2 XML', async () => {
    configure({ documentFactory: as2Document });
    const { socket, docs } = await openSocket();
    try {
      socket.send(new XML('<hello who="world" />'));
      await until(() => docs.length === 1);
      const doc = docs[0] as XML;
      expect(doc).to.be.instanceOf(XML);
      expect(doc.firstChild!.attributes.who).to.equal('world');
    } finally {
      socket.close();
    }
  });
});

describe('AS2 XML through the bridge to an unchanged TCP server', () => {
  it('round-trips Flash-format XML through a TCP echo server behind xmlsocket-bridge', async () => {
    const fixture = await tcpServer({ echo: true });
    const socket = new XMLSocket(null, undefined, { url: fixture.url, documentFactory: as2Document });
    try {
      const docs: XML[] = [];
      (socket as unknown as { onXML: (d: XML) => void }).onXML = (doc) => docs.push(doc);
      await new Promise<void>((resolve, reject) => {
        (socket as unknown as { onConnect: (s: boolean) => void }).onConnect = (ok) =>
          ok ? resolve() : reject(new Error('no connection'));
        socket.connect('game.example', 9339);
      });
      const score = new XML('<score player="zoë &amp; co" points="12"/>');
      socket.send(score);
      await until(() => docs.length === 1);
      expect(docs[0]!.status).to.equal(0);
      expect(docs[0]!.firstChild!.attributes.player).to.equal('zoë & co');
      expect(String(docs[0])).to.equal('<score player="zoë &amp; co" points="12" />');
      const r = await waitFor(fixture, { bytes: new TextEncoder().encode(`${String(score)}\0`).length });
      expect(utf8(r.received[0]!)).to.equal(`${String(score)}\0`);
    } finally {
      socket.close();
      await stop(fixture);
    }
  });
});
