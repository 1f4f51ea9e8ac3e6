// The library inside a Web Worker, where there is a WebSocket but no DOMParser: the
// xmldom entry parses. The worker script is bundled on request by the test server
// (test/servers/worker-bundle.ts), as a user's bundler would.
import { expect } from '@esm-bundle/chai';
import { stop, tcpServer, utf8, waitFor } from './fixtures.js';

describe('in a Web Worker with the xmldom entry', () => {
  it('connects, parses messages with xmldom and sends', async () => {
    const fixture = await tcpServer({ greeting: '<hello/>\0<bad></oops>\0' });
    try {
      const worker = new Worker('/__bundles__/xmldom-client.js', { type: 'module' });
      type Report = { connected: boolean; names: string[]; parseErrors: boolean[]; data: string[] };
      const report = await new Promise<Report>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<Report>) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
        worker.postMessage({ url: fixture.url });
      });
      worker.terminate();
      expect(report.connected).to.equal(true);
      expect(report.data).to.deep.equal(['<hello/>', '<bad></oops>']);
      expect(report.names[0]).to.equal('hello');
      expect(report.parseErrors).to.deep.equal([false, true]);
      const r = await waitFor(fixture, { bytes: '<from-worker/>\0'.length });
      expect(utf8(r.received[0]!)).to.equal('<from-worker/>\0');
    } finally {
      await stop(fixture);
    }
  });
});
