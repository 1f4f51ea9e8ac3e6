// Runs in a Web Worker (no DOMParser there): the built xmldom entry (dist/xmldom.js), a connection to the
// URL the page sends, and a report of what arrived.
import { isParseError, XMLSocket } from '../../../dist/xmldom.js';

self.onmessage = (event: MessageEvent<{ url: string }>) => {
  const socket = new XMLSocket(null, undefined, { url: event.data.url });
  const report: { connected?: boolean; names: string[]; parseErrors: boolean[]; data: string[] } = {
    names: [],
    parseErrors: [],
    data: [],
  };
  socket.addEventListener('data', (e) => report.data.push(e.data));
  socket.onConnect = (success) => {
    report.connected = success;
    socket.send('<from-worker/>');
  };
  socket.onXML = (doc) => {
    report.names.push(doc.documentElement?.nodeName ?? '');
    report.parseErrors.push(isParseError(doc));
    if (report.names.length === 2) self.postMessage(report);
  };
  socket.connect('game.example', 9339);
};
