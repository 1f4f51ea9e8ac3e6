// Misconfiguration is said once, on the console or in the error, instead of silence or a
// fallback the page did not ask for: the script tags' attributes, an invalid data-url,
// and ignoreWhite given to configure(). (No URL at all, and a securityError nobody
// listens for, are rows of docs/troubleshooting.md: troubleshooting.test.ts.)
import { expect } from '@esm-bundle/chai';
import { configure, XMLSocket } from '../../src/index.js';

interface Page {
  /** Console lines, as `warn: …` and `error: …`. */
  logged: string[];
  /** WebSockets the page tried to open. */
  opened: string[];
  returned?: boolean;
}

/**
 * Loads `body` (script tags) in a fresh same-origin frame whose console and WebSocket
 * are recorded from the start, and returns what the page did by the time it loaded.
 */
async function page(body: string): Promise<Page> {
  const frame = document.createElement('iframe');
  frame.srcdoc = `<!doctype html><script>
  var seen = { logged: [], opened: [] };
  console.warn = function (line) { seen.logged.push('warn: ' + line); };
  console.error = function (error) { seen.logged.push('error: ' + (error && error.message || error)); };
  window.WebSocket = function (url) { seen.opened.push(url); throw new SyntaxError('recorded'); };
</script>
${body}`;
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve));
  document.body.append(frame);
  await loaded;
  const seen = (frame.contentWindow as unknown as { seen: Page }).seen;
  const result = { ...seen, logged: [...seen.logged], opened: [...seen.opened] };
  frame.remove();
  return result;
}

describe('the script tags name what they do not know', () => {
  it('unknown data-* attributes on xmlsocket.min.js are named, one line each; known ones are not', async () => {
    const { logged } = await page(
      '<script src="/dist/xmlsocket.min.js" data-uri="wss://x/{host}/{port}" data-framing="stream" data-documents="dom" id="lib"></script>',
    );
    expect(logged).to.deep.equal([
      'warn: XMLSocket: unknown attribute data-uri',
      'warn: XMLSocket: unknown attribute data-documents',
    ]);
  });

  it('data-url on the AS2 tag says where it belongs; unknown ones are named; data-documents is known', async () => {
    const { logged } = await page(
      '<script src="/dist/xmlsocket.min.js"></script>' +
        '<script src="/dist/xmlsocket-as2.min.js" data-url="wss://x/{host}/{port}" data-documents="dom" data-colour="red"></script>',
    );
    expect(logged).to.deep.equal([
      'warn: XMLSocket: data-url belongs on the xmlsocket.min.js tag, not on xmlsocket-as2.min.js',
      'warn: XMLSocket: unknown attribute data-colour on xmlsocket-as2.min.js',
    ]);
  });

  it('an invalid data-url is said once, and connect() then returns false instead of trying a default URL', async () => {
    const { logged, opened, returned } = await page(
      '<script src="/dist/xmlsocket.min.js" data-url="http://bridge.example/{host}/{port}"></script>' +
        '<script>seen.returned = new XMLSocket().connect("game.example", 9339);' +
        'new XMLSocket().connect("game.example", 9339);</script>',
    );
    expect(returned).to.equal(false);
    expect(opened).to.deep.equal([]);
    expect(logged).to.have.length(1);
    expect(logged[0]).to.match(/^error: XMLSocket: option "url" must be a ws:, wss: or relative URL/);
  });

  it('an invalid data-framing refuses to connect the same way', async () => {
    const { logged, returned } = await page(
      '<script src="/dist/xmlsocket.min.js" data-url="ws://bridge.example/{host}/{port}" data-framing="lines"></script>' +
        '<script>seen.returned = new XMLSocket().connect("game.example", 9339);</script>',
    );
    expect(returned).to.equal(false);
    expect(logged).to.deep.equal(['error: XMLSocket: option "framing" must be "stream" or "message", got "lines"']);
  });

  it('a valid tag is silent and connects where data-url says', async () => {
    const { logged, opened } = await page(
      '<script src="/dist/xmlsocket.min.js" data-url="ws://bridge.example/{host}/{port}" data-framing="stream"></script>' +
        '<script>new XMLSocket().connect("game.example", 9339);</script>',
    );
    expect(logged).to.deep.equal([]);
    expect(opened).to.deep.equal(['ws://bridge.example/game.example/9339']);
  });
});

describe('configure() and ActionScript habits', () => {
  it('ignoreWhite given as an option says it belongs on XMLSocket.prototype', () => {
    for (const set of [
      () => configure({ ignoreWhite: true } as never),
      () => new XMLSocket(null, undefined, { ignoreWhite: true } as never),
    ]) {
      expect(set).to.throw(TypeError, /unknown option "ignoreWhite": set XMLSocket\.prototype\.ignoreWhite/);
      try {
        set();
      } catch (error) {
        expect((error as { code: string }).code).to.equal('ERR_XMLSOCKET_CONFIG');
      }
    }
  });
});
