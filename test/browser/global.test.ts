// The script-tag build (dist/xmlsocket.min.js): globals, and configuration from the
// attributes of its own <script> tag.
import { expect } from '@esm-bundle/chai';
import { stop, tcpServer, until } from './fixtures.js';

type Api = {
  XMLSocket: new () => {
    connect(h: string, p: number): boolean;
    send(v: unknown): void;
    close(): void;
    onConnect?: (s: boolean) => void;
    onData?: (s: string) => void;
  };
};

describe('dist/xmlsocket.min.js', () => {
  it('defines window.XMLSocketPolyfill and window.XMLSocket, and honours data-url', async () => {
    const fixture = await tcpServer({ echo: true });
    try {
      const win = window as unknown as { XMLSocket?: unknown; XMLSocketPolyfill?: Api & Record<string, unknown> };
      expect(win.XMLSocket).to.equal(undefined);
      const script = document.createElement('script');
      script.src = '/dist/xmlsocket.min.js';
      // Every (host, port) goes to the fixture: the template ignores them on purpose.
      script.dataset.url = `${fixture.url}?for={host}:{port}`;
      await new Promise((resolve, reject) => {
        script.onload = resolve;
        script.onerror = reject;
        document.head.append(script);
      });
      const api = win.XMLSocketPolyfill!;
      expect(Object.keys(api).sort()).to.deep.equal(Object.keys(await import('../../src/index.js')).sort());
      expect(win.XMLSocket).to.equal(api.XMLSocket);
      expect((api.configure as (o: object) => { url: string })({}).url).to.equal(script.dataset.url);

      const socket = new api.XMLSocket();
      const got: string[] = [];
      let connected: boolean | undefined;
      socket.onConnect = (success) => {
        connected = success;
        socket.send('<echo/>');
      };
      socket.onData = (src) => got.push(src);
      expect(socket.connect('game.example', 9339)).to.equal(true);
      await until(() => got.length === 1, 'the echo');
      expect(connected).to.equal(true);
      expect(got).to.deep.equal(['<echo/>']);
      socket.close();
    } finally {
      await stop(fixture);
    }
  });
});
