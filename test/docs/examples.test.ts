// Every js/ts code block in README.md and docs/**.md, and every html block with an inline
// <script> (a script-tag page), checked and run as a user would
// copy it: type-checked against the built package's types (imported by its published
// name, `xmlsocket-polyfill`, `xmlsocket-polyfill/as2`, ...), then run: browser code
// in Chromium against a real bridge and TCP echo server, Node code (the bridge, the
// xmldom entry) in Node. A renamed option or export fails here, not in a user's
// copy-paste.
//
// Fence markers (the words after the language) are the only ways out, and they are
// visible in the Markdown and counted here:
//   ```js fragment                 a piece of code that cannot stand alone: not checked
//   ```js excerpt=demo/index.html  lines of a file the other suites run: each line
//                                  (in order; `// …` lines mark what is left out)
//                                  must be in that file
//   ```js game-server              a game server that reads the bridge's PROXY header:
//                                  type-checked here, run behind bridges by
//                                  game-servers.test.ts (as are ```python game-server)
// Run after a build (`npm test` builds first).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import ts from 'typescript';
import { createBridge, type Bridge } from '../../src/bridge.js';
import { echo, tcpServer, type TcpServer } from '../bridge/helpers.js';
import { launchChromium } from '../e2e/chromium.js';
import { allBlocks, isCode, isTypeScript, ROOT, where, type Block } from './markdown.js';

const run = promisify(execFile);
const WAIT_MS = 30_000; // upper bound for a page to finish; nothing is timed

const KNOWN_MARKERS = /^(fragment|excerpt=\S+|game-server)$/;
/** An HTML page with inline script: the script-tag way to use the library. */
const isHtmlPage = (b: Block) => b.lang === 'html' && /<script>[\s\S]*?\S[\s\S]*?<\/script>/.test(b.code);
const code = allBlocks().filter((b) => isCode(b) || isHtmlPage(b));
const fragments = code.filter((b) => b.markers.includes('fragment'));
const excerpts = code.filter((b) => b.markers.some((m) => m.startsWith('excerpt=')));
const examples = code.filter((b) => !fragments.includes(b) && !excerpts.includes(b));
/** Servers that run until stopped: game-servers.test.ts runs them behind a bridge. */
const isGameServer = (b: Block) => b.markers.includes('game-server');

/** Code written for Node: the bridge, the xmldom entry (Workers and Node), `ws`, Node's modules. */
const runsInNode = (b: Block) => /from\s+['"](xmlsocket-polyfill\/(bridge|xmldom)|ws|node:[^'"]+)['"]/.test(b.code);
/** ES module code (imports or exports); the rest is classic script-tag code. */
const isModule = (b: Block) => /^\s*(import|export)\b/m.test(b.code);
const usesAS2Globals = (b: Block) => (isHtmlPage(b) ? /xmlsocket-as2\.min\.js/ : /\bnew XML(Node)?\(/).test(b.code);

/** The inline scripts of an HTML page, on the lines where they stand (the rest blank). */
const inlineScripts = (html: string) =>
  html.replace(/[^\n]*?<script>([\s\S]*?)<\/script>[^\n]*|[^\n]+/g, (_, script?: string) => script ?? '');
/** Lines written above an example's own code (reference directives). */
const prefixLines = new Map<Block, number>();

test('inventory: every code block is checked and run, or visibly marked', () => {
  for (const b of code) {
    for (const m of b.markers) assert.match(m, KNOWN_MARKERS, `${where(b)}: unknown fence marker "${m}"`);
  }
  const browser = examples.filter((b) => !runsInNode(b)).length;
  console.log(
    `# ${code.length} js/ts blocks and html pages with inline script: ${examples.length} type-checked and run (${browser} in Chromium, ` +
      `${examples.length - browser} in Node, ${examples.filter(isGameServer).length} of those game servers run behind a bridge ` +
      `by game-servers.test.ts), ${excerpts.length} excerpts checked against their files, ${fragments.length} marked fragment`,
  );
  for (const b of fragments) console.log(`#   fragment: ${where(b)}`);
  assert.ok(examples.length > 0, 'no runnable examples found: is the Markdown parser broken?');
});

describe('excerpts match the files they quote', () => {
  for (const b of excerpts) {
    const file = b.markers.find((m) => m.startsWith('excerpt='))!.slice('excerpt='.length);
    test(`${where(b)} is an excerpt of ${file}`, () => {
      const source = readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .map((l) => l.trim());
      let at = 0;
      for (const line of b.code.split('\n').map((l) => l.trim())) {
        if (line === '' || /^\/\/ (…|\.\.\.)/.test(line)) continue;
        const found = source.indexOf(line, at);
        assert.notEqual(found, -1, `${where(b)}: "${line}" is not in ${file} (after line ${at})`);
        at = found + 1;
      }
    });
  }
});

let work: string;
/** Where each example was written for the type checker (and, transpiled, to run). */
const sourceFile = new Map<Block, string>();

before(() => {
  // Inside the repository, so `xmlsocket-polyfill` resolves to this package by its own
  // name through package.json "exports" (dist/), in TypeScript and in Node alike.
  mkdirSync(join(ROOT, 'test', 'artifacts'), { recursive: true });
  work = mkdtempSync(join(ROOT, 'test', 'artifacts', 'docs-examples-'));
  examples.forEach((b, i) => {
    const name = `${b.file.replace(/[^a-z0-9]+/gi, '-')}-${b.line}-${i}`;
    let text = isHtmlPage(b) ? inlineScripts(b.code) : b.code;
    if (!isModule(b)) {
      // Script-tag code sees the globals the script-tag builds define.
      const refs = ['script', ...(usesAS2Globals(b) ? ['as2-script'] : [])];
      text =
        refs.map((r) => `/// <reference path="${join(ROOT, 'dist', `${r}.d.ts`)}" />\n`).join('') +
        text +
        '\nexport {};\n';
      prefixLines.set(b, refs.length);
    }
    const file = join(work, `${name}.${isTypeScript(b) ? 'ts' : 'js'}`);
    writeFileSync(file, text);
    sourceFile.set(b, file);
  });
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('examples type-check against the published types', () => {
  const base: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    noEmit: true,
    skipLibCheck: true, // the package's own .d.ts files are checked by the consumer tests
  };
  const check = (blocks: Block[], options: ts.CompilerOptions) => {
    const program = ts.createProgram(
      blocks.map((b) => sourceFile.get(b)!),
      { ...base, ...options },
    );
    const report = ts.getPreEmitDiagnostics(program).map((d) => {
      const block = blocks.find((b) => sourceFile.get(b) === d.file?.fileName);
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
      // Point at the Markdown line (the written file may start with reference lines).
      const offset = block ? (prefixLines.get(block) ?? 0) : 0;
      const at = block ? `${block.file}:${block.line + 1 + line - offset}` : (d.file?.fileName ?? '');
      return `${at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    assert.deepEqual(report, []);
  };

  test('TypeScript blocks, strict', (t) => {
    const blocks = examples.filter(isTypeScript);
    if (blocks.length === 0) return t.diagnostic('no TypeScript blocks');
    check(blocks, { strict: true });
  });

  test('JavaScript blocks, checked as JavaScript (checkJs: names, options and call shapes)', (t) => {
    // JavaScript written the AS2 way (no null checks, untyped parameters) is correct
    // code; what must fail is a misspelt option, export or method.
    const blocks = examples.filter((b) => !isTypeScript(b));
    if (blocks.length === 0) return t.diagnostic('no JavaScript blocks');
    check(blocks, { allowJs: true, checkJs: true, strict: false });
  });
});

/** The example as JavaScript a browser or Node runs. */
function javascriptOf(b: Block): string {
  const text = readFileSync(sourceFile.get(b)!, 'utf8')
    .replace(/^\/\/\/ <reference.*\n/gm, '')
    .replace(/\nexport \{\};\n$/, '\n');
  if (!isTypeScript(b)) return text;
  return ts.transpileModule(text, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false },
  }).outputText;
}

describe('examples run', () => {
  let echoServer: TcpServer;
  let bridge: Bridge;
  let origin: string;
  let bridgeUrl: string;
  let browser: Browser | undefined;
  let site: string;

  before(async () => {
    site = join(work, 'site');
    mkdirSync(site);
    cpSync(join(ROOT, 'dist'), join(site, 'dist'), { recursive: true });
    echoServer = await tcpServer(echo);
    bridge = createBridge({ listen: '127.0.0.1:0', target: echoServer.address, static: site, log: () => {} });
    const { port } = await bridge.listen();
    origin = `http://127.0.0.1:${port}`;
    bridgeUrl = `ws://127.0.0.1:${port}/`;
  });
  after(async () => {
    await browser?.close();
    await bridge?.close();
    await echoServer?.close();
  });

  for (const b of examples.filter((x) => !runsInNode(x))) {
    test(`${where(b)} in Chromium, against the bridge`, async () => {
      browser ??= await launchChromium();
      const name = `${examples.indexOf(b)}`;
      if (!isHtmlPage(b)) writeFileSync(join(site, `${name}.js`), javascriptOf(b));
      const importMap = JSON.stringify({
        imports: { 'xmlsocket-polyfill': '/dist/xmlsocket.js', 'xmlsocket-polyfill/as2': '/dist/as2.js' },
      });
      // A documented page runs as written, its script tags pointed at the built files.
      const pointAtDist = (html: string) => html.replace(/src="[^"]*?(xmlsocket(-as2)?\.min\.js)"/g, 'src="/dist/$1"');
      const scripts = isHtmlPage(b)
        ? pointAtDist(b.code)
        : isModule(b)
          ? `<script type="importmap">${importMap}</script>\n<script type="module" src="${name}.js"></script>`
          : `<script src="/dist/xmlsocket.min.js"></script>\n${usesAS2Globals(b) ? '<script src="/dist/xmlsocket-as2.min.js"></script>\n' : ''}<script src="${name}.js"></script>`;
      writeFileSync(
        join(site, `${name}.html`),
        `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>${where(b)}</title>\n${scripts}\n`,
      );

      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
      });
      // The example's WebSocket URLs name game.example and friends; each WebSocket it
      // opens goes to the local bridge instead (a real WebSocket, a real bridge, a real
      // TCP echo server). The URL it asked for is kept to check the template resolved.
      await page.addInitScript((target) => {
        const Native = window.WebSocket;
        const stats = { created: 0, opened: 0, sent: 0, received: 0, urls: [] as string[] };
        (window as unknown as { __docs: typeof stats }).__docs = stats;
        window.WebSocket = class extends Native {
          constructor(url: string | URL, protocols?: string | string[]) {
            super(target, protocols);
            stats.created += 1;
            stats.urls.push(String(url));
            this.addEventListener('open', () => (stats.opened += 1));
            // Counted a task later, after the library has handled the message.
            this.addEventListener('message', () => setTimeout(() => (stats.received += 1)));
          }
          override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
            stats.sent += 1;
            super.send(data);
          }
        };
      }, bridgeUrl);
      try {
        await page.goto(`${origin}/${name}.html`, { waitUntil: 'load' });
        // Done when every WebSocket it opened is open and, if it sent anything, the echo
        // came back and was handled.
        const stats = await page
          .waitForFunction(
            () => {
              const s = (
                window as unknown as {
                  __docs: { created: number; opened: number; sent: number; received: number; urls: string[] };
                }
              ).__docs;
              return s.opened === s.created && (s.sent === 0 || s.received > 0) ? s : false;
            },
            undefined,
            { timeout: WAIT_MS },
          )
          .then((h) => h.jsonValue() as Promise<{ urls: string[] }>);
        await page.evaluate(() => new Promise((resolve) => setTimeout(resolve)));
        assert.deepEqual(errors, []);
        for (const url of stats.urls)
          assert.doesNotMatch(url, /[{}]/, `${where(b)}: a URL template was not filled in: ${url}`);
      } finally {
        await page.close();
      }
    });
  }

  for (const b of examples.filter((x) => runsInNode(x) && !isGameServer(x))) {
    test(`${where(b)} in Node`, async () => {
      const file = `${sourceFile.get(b)!}.mjs`;
      writeFileSync(file, javascriptOf(b));
      const result = await run(process.execPath, [file], { cwd: work, timeout: WAIT_MS }).catch(
        (err: { code: number | string; stdout: string; stderr: string }) => err,
      );
      assert.equal('code' in result ? result.code : 0, 0, `${where(b)} failed:\n${result.stdout}${result.stderr}`);
      assert.equal(result.stderr, '');
    });
  }
});
