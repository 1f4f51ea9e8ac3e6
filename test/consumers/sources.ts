// The code of the consumer projects: what a user of the package writes.

/** A browser app that imports the library as an ES module and echoes one message. */
export function browserApp(from: string, typed: boolean): string {
  const result = typed ? '(window as unknown as { result?: string }).result' : 'window.result';
  return `import { XMLSocket, configure } from 'xmlsocket-polyfill';

// The bridge serves this page, so its WebSocket is on the page's own host and port.
configure({ url: \`ws://\${location.host}/{host}/{port}\` });

const socket = new XMLSocket();
socket.addEventListener('connect', () => socket.send('<hello from="${from}"/>'));
socket.addEventListener('xml', (event) => {
  ${result} = event.document.documentElement?.getAttribute('from') ?? 'no element';
  socket.close();
});
socket.addEventListener('ioError', (event) => {
  ${result} = 'ioError: ' + event.reason;
});
socket.connect('game.example', 9339);
`;
}

/**
 * A bundled app that imports the script-tag build for its side effect
 * (\`xmlsocket-polyfill/script\`): the globals must survive tree shaking.
 */
export const scriptImportApp = `import 'xmlsocket-polyfill/script';

// The script-tag build defined the globals, as a <script> tag would have.
window.XMLSocketPolyfill.configure({ url: \`ws://\${location.host}/{host}/{port}\` });
const socket = new window.XMLSocket();
socket.onConnect = (success) => (success ? socket.send('<hello from="script import"/>') : (window.result = 'connect failed'));
socket.onXML = (doc) => {
  window.result = doc.documentElement.getAttribute('from');
  socket.close();
};
socket.connect('game.example', 9339);
`;

export const appHtml = (script: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>consumer</title></head>
<body><script type="module" src="${script}"></script></body></html>
`;

/** Every export used from TypeScript; listeners are typed per event name. */
export const typescriptWeb = `import {
  configure,
  DataEvent,
  IOErrorEvent,
  isParseError,
  XMLSocket,
  type Settings,
  type XMLSocketOptions,
} from 'xmlsocket-polyfill';
import { as2Document, XML, XMLNode, XMLStatus } from 'xmlsocket-polyfill/as2';

const options: XMLSocketOptions = { url: 'wss://game.example/{host}/{port}', timeout: 5000, framing: 'stream' };
const settings: Settings = configure(options);
export const framing: 'stream' | 'message' = settings.framing;

const socket = new XMLSocket('chat.example', 9339, { documentFactory: as2Document });
socket.addEventListener('connect', (event) => {
  const plain: Event = event;
  void plain;
});
socket.addEventListener('data', (event) => {
  const text: string = event.data;
  const same: DataEvent = event;
  void [text, same];
});
socket.addEventListener('xml', (event) => {
  const doc: Document = event.document;
  void isParseError(doc);
});
socket.addEventListener('ioError', (event) => {
  const failure: IOErrorEvent = event;
  const text: string = event.text;
  const id: number = event.errorID;
  const reason: string = event.reason;
  void [failure, text, id, reason];
});
socket.addEventListener('securityError', (event) => {
  const id: number = event.errorID;
  void id;
});
// @ts-expect-error: a data event has no errorID
socket.addEventListener('data', (event) => event.errorID);
// @ts-expect-error: a misspelt event name is caught
socket.addEventListener('conect', () => undefined);
socket.onConnect = (success) => {
  const ok: boolean = success;
  if (ok) socket.send(new XML('<login name="ann"/>'));
};
socket.onXML = (doc) => void doc;
const connected: boolean = socket.connected;
void connected;

const xml = new XML('<a b="1"><c/></a>');
const status: number = xml.status;
const first: XMLNode | null = xml.firstChild;
const b: string | undefined = first?.attributes.b;
export const parsed = status === XMLStatus.OK && b === '1';
`;

/** The xmldom entry in Node, with ws, as the README shows. */
export const typescriptXmldom = `import { XMLSocket, configure } from 'xmlsocket-polyfill/xmldom';
import { WebSocket } from 'ws';

configure({ WebSocket, url: 'ws://127.0.0.1:8080/' });
export const socket = new XMLSocket();
`;

/** The bridge embedded in a Node program. */
export const typescriptBridge = `import { BridgeError, createBridge, DEFAULTS, type Bridge, type BridgeOptions, type LogLine } from 'xmlsocket-polyfill/bridge';

const lines: LogLine[] = [];
const options: BridgeOptions = { listen: '127.0.0.1:0', target: '127.0.0.1:5000', log: (line) => lines.push(line) };
const bridge: Bridge = createBridge(options);
const { host, port } = await bridge.listen();
export const where = \`\${host}:\${port}\`;
export const open: number = bridge.connections;
export const metrics: string = await bridge.metrics();
await bridge.close();
export const maxMessage: number = DEFAULTS.maxMessage;
try {
  createBridge({});
} catch (err) {
  if (err instanceof BridgeError && err.code === 'ERR_BRIDGE_NO_TARGET') console.log(err.message);
}
`;

/** A CommonJS TypeScript file requiring the ES module entries (TypeScript: module node20). */
export const typescriptCommonJs = `import bridge = require('xmlsocket-polyfill/bridge');
import xmldom = require('xmlsocket-polyfill/xmldom');

export const make = (): void => {
  bridge.createBridge({ target: '127.0.0.1:5000' });
  new xmldom.XMLSocket();
};
`;

/** Script-tag globals, typed through \`/// <reference types>\`. */
export const typescriptScriptGlobals = `/// <reference types="xmlsocket-polyfill/script" />
/// <reference types="xmlsocket-polyfill/as2-script" />
XMLSocketPolyfill.configure({ url: '/{host}/{port}' });
const socket: XMLSocket = new XMLSocket();
socket.onXML = (doc) => void doc;
const node: XMLNode = new XML('<a/>').firstChild!;
const same: typeof XML = XMLSocketPolyfill.XML;
export const ok = socket.connect(null, 9339) && node.nodeName === 'a' && same === XML;
`;

/** Node, ES modules: a round trip through the bridge, both from the installed package. */
export function nodeRoundTrip(kind: 'esm' | 'cjs'): string {
  const imports =
    kind === 'esm'
      ? `import { createBridge } from 'xmlsocket-polyfill/bridge';
import { XMLSocket, configure } from 'xmlsocket-polyfill/xmldom';
import { WebSocket } from 'ws';`
      : `const { createBridge } = require('xmlsocket-polyfill/bridge');
const { XMLSocket, configure } = require('xmlsocket-polyfill/xmldom');
const { WebSocket } = require('ws');`;
  const body = `
const target = process.argv[2];
const bridge = createBridge({ listen: '127.0.0.1:0', target, quiet: true, log: () => {} });
bridge.listen().then(({ port }) => {
  configure({ WebSocket, url: 'ws://127.0.0.1:' + port + '/' });
  const socket = new XMLSocket();
  socket.onConnect = (ok) => (ok ? socket.send('<hello from="${kind}"/>') : finish('connect failed'));
  socket.onXML = (doc) => finish(doc.documentElement.getAttribute('from'));
  socket.connect('127.0.0.1', 9339);
  function finish(result) {
    socket.close();
    bridge.close().then(() => console.log(result));
  }
});
`;
  return imports + body;
}

/** A plain page with the script-tag builds copied next to it. */
export const scriptTagPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>script tag</title></head>
<body>
<script src="xmlsocket.min.js" data-url="/{host}/{port}"></script>
<script src="xmlsocket-as2.min.js"></script>
<script>
  var socket = new XMLSocket();
  socket.onConnect = function (success) {
    if (success) socket.send(new XML('<hello from="script-tag"/>'));
    else window.result = 'connect failed';
  };
  socket.onXML = function (doc) {
    window.result = doc.firstChild.attributes.from + (doc instanceof XML ? ' as AS2 XML' : ' as a DOM document');
    socket.close();
  };
  socket.connect(null, 9339);
</script>
</body></html>
`;
