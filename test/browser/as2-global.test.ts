// The script-tag entry (src/as2-script.ts, built as dist/xmlsocket-as2.min.js):
// it joins window.XMLSocketPolyfill, defines window.XML/XMLNode when absent, and
// switches XMLSocket's onXML to AS2 documents through the core's configure().
import { expect } from '@esm-bundle/chai';

// Mocha's globals, as web-test-runner provides them (no @types/mocha in this project).
declare function describe(name: string, body: () => void): void;
declare function it(name: string, body: () => void | Promise<void>): void;

describe('AS2 script-tag entry', () => {
  it('adds XML and XMLNode to the namespace and window, and configures the core', async () => {
    type Namespace = {
      XML: new (source: string) => { toString(): string };
      XMLNode: unknown;
      as2Document: unknown;
      configure: unknown;
    };
    const given: unknown[] = [];
    // Stands in for what dist/xmlsocket.min.js defines before this script runs.
    Object.assign(window, { XMLSocketPolyfill: { configure: (options: unknown) => given.push(options) } });
    const w = window as unknown as { XMLSocketPolyfill: Namespace; XML?: unknown; XMLNode?: unknown };
    expect(w.XML).to.equal(undefined);
    await import('../../src/as2-script.js');
    const ns = w.XMLSocketPolyfill;
    expect(w.XML).to.equal(ns.XML);
    expect(w.XMLNode).to.equal(ns.XMLNode);
    expect(String(new ns.XML('<a b="1"/>'))).to.equal('<a b="1" />');
    expect(given).to.deep.equal([{ documentFactory: ns.as2Document }]);
    expect(ns.configure).to.be.a('function');
  });
});
