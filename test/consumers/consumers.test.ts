// The packed package, installed as people install it: `npm pack`, then `npm install
// <tarball>` into fresh throwaway projects, each used the way its kind of user would:
// Vite, webpack and esbuild bundles loaded in real Chromium and talking through a real
// bridge; strict TypeScript with node16 and bundler resolution over every export; Node
// ESM and CommonJS; the script-tag files copied into a plain page; `npx
// xmlsocket-bridge`. `npm run test:consumers` (and .ci/run) runs it.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createBridge, type Bridge } from '../../src/bridge.js';
import { echo, tcpServer, type TcpServer } from '../bridge/helpers.js';
import { launchChromium } from '../e2e/chromium.js';
import { packTarball, ROOT } from '../package/pack.js';
import { consumerProject, run, type Project } from './projects.js';
import {
  appHtml,
  browserApp,
  nodeRoundTrip,
  scriptImportApp,
  scriptTagPage,
  typescriptBridge,
  typescriptCommonJs,
  typescriptScriptGlobals,
  typescriptWeb,
  typescriptXmldom,
} from './sources.js';

const WAIT_MS = 30_000; // upper bound for a page to finish its round trip; nothing is timed
const tool = (...path: string[]) => join(ROOT, 'node_modules', ...path);
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

let parent: string;
let tarball: string;
let echoServer: TcpServer;
let bridge: Bridge;
let origin: string;
let browser: Browser;
// Installs run in parallel; each group awaits its own project.
const projects = new Map<string, Promise<Project>>();
const project = (name: string) => projects.get(name)!;

before(async () => {
  parent = mkdtempSync(join(tmpdir(), 'xmlsocket-consumers-'));
  tarball = await packTarball(parent);
  const install = (name: string, files: Record<string, string>, options?: Parameters<typeof consumerProject>[4]) => {
    const p = consumerProject(parent, name, tarball, files, options);
    p.catch(() => {}); // reported by the test that awaits it
    projects.set(name, p);
  };
  install('vite', { 'index.html': appHtml('/src/main.ts'), 'src/main.ts': browserApp('vite', true) });
  install('webpack', { 'src/main.js': browserApp('webpack', false), 'src/script-import.js': scriptImportApp });
  install('esbuild', { 'src/main.js': browserApp('esbuild', false) });
  install(
    'typescript',
    {
      'web.ts': typescriptWeb,
      'xmldom.ts': typescriptXmldom,
      'bridge.ts': typescriptBridge,
      'script-globals.ts': typescriptScriptGlobals,
      'commonjs.cts': typescriptCommonJs,
    },
    { extra: ['@types/node@20', '@types/ws@8', 'ws@8'] },
  );
  install(
    'node',
    { 'esm.mjs': nodeRoundTrip('esm'), 'cjs.cjs': nodeRoundTrip('cjs') },
    { type: 'commonjs', extra: ['ws@8'] },
  );
  install('script-tag', {});

  echoServer = await tcpServer(echo);
  // One bridge serves every consumer's built page (static files) and relays its
  // WebSocket to the TCP echo server.
  bridge = createBridge({ listen: '127.0.0.1:0', target: echoServer.address, static: parent, log: () => {} });
  const { port } = await bridge.listen();
  origin = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await bridge?.close();
  await echoServer?.close();
  await Promise.allSettled(projects.values());
  if (parent) rmSync(parent, { recursive: true, force: true });
});

/** Opens a page the bridge serves and waits for its app's round trip result. */
async function roundTrip(dir: string, page = 'index.html'): Promise<string> {
  const tab = await browser.newPage();
  // An uncaught error fails at once instead of waiting for a result that cannot come.
  const crashed = new Promise<never>((_, reject) =>
    tab.on('pageerror', (err) => reject(new Error(`uncaught in the page: ${err.message}`))),
  );
  crashed.catch(() => {});
  try {
    await tab.goto(`${origin}/${relative(parent, join(dir, page))}`);
    const done = tab.waitForFunction(() => (window as unknown as { result?: string }).result, undefined, {
      timeout: WAIT_MS,
    });
    const handle = await Promise.race([done, crashed]);
    return (await handle.jsonValue()) as string;
  } finally {
    await tab.close();
  }
}

/** The text of every JavaScript file a build wrote. */
function bundleText(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/** A browser bundle must carry the library and nothing of the Node or xmldom entries. */
function assertBrowserOnly(code: string): void {
  assert.match(code, /ERR_XMLSOCKET_CONFIG/, 'the library is missing from the bundle');
  assert.doesNotMatch(
    code,
    /xmldom|createBridge|ERR_BRIDGE_|node:net/,
    'Node or xmldom code reached the browser bundle',
  );
}

describe('bundlers: an ES module import, bundled, loaded in Chromium, through the bridge', () => {
  test('Vite (production build, TypeScript source)', async () => {
    const { dir } = await project('vite');
    await run(process.execPath, [tool('vite', 'bin', 'vite.js'), 'build', '--base', './', '--logLevel', 'warn'], {
      cwd: dir,
    });
    assertBrowserOnly(bundleText(join(dir, 'dist')));
    assert.equal(await roundTrip(join(dir, 'dist')), 'vite');
  });

  test('webpack 5 (production mode)', async () => {
    const { dir } = await project('webpack');
    const { default: webpack } = await import('webpack');
    const stats = await new Promise<import('webpack').Stats>((resolve, reject) =>
      webpack(
        {
          mode: 'production',
          context: dir,
          entry: { main: './src/main.js', 'script-import': './src/script-import.js' },
          output: { path: join(dir, 'dist'), filename: '[name].js' },
        },
        (err, result) => (err || !result ? reject(err ?? new Error('no stats')) : resolve(result)),
      ),
    );
    assert.equal(stats.hasErrors(), false, stats.toString('errors-only'));
    assert.equal(stats.hasWarnings(), false, stats.toString('errors-warnings'));
    writeFileSync(join(dir, 'dist', 'index.html'), appHtml('main.js').replace('type="module" ', ''));
    writeFileSync(join(dir, 'dist', 'script-import.html'), appHtml('script-import.js').replace('type="module" ', ''));
    assertBrowserOnly(bundleText(join(dir, 'dist')));
    assert.equal(await roundTrip(join(dir, 'dist')), 'webpack');
    // `import 'xmlsocket-polyfill/script'` keeps the script-tag build (sideEffects lists it).
    assert.equal(await roundTrip(join(dir, 'dist'), 'script-import.html'), 'script import');
  });

  test('esbuild (bundle, minify, ES module output)', async () => {
    const { dir } = await project('esbuild');
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      absWorkingDir: dir,
      entryPoints: ['src/main.js'],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      outfile: 'dist/main.js',
      logLevel: 'silent',
    });
    assert.deepEqual([...result.errors, ...result.warnings], []);
    writeFileSync(join(dir, 'dist', 'index.html'), appHtml('main.js'));
    assertBrowserOnly(bundleText(join(dir, 'dist')));
    assert.equal(await roundTrip(join(dir, 'dist')), 'esbuild');
  });
});

describe('TypeScript consumers, strict, every export', () => {
  const tsc = tool('typescript', 'bin', 'tsc');
  const check = async (dir: string, config: Record<string, unknown>, files: string[]) => {
    const name = `tsconfig.${String(config.moduleResolution ?? config.module)}.json`;
    writeFileSync(
      join(dir, name),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false, // our .d.ts files are checked too
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          ...config,
        },
        files,
      }),
    );
    const result = await run(process.execPath, [tsc, '-p', name], { cwd: dir }).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    assert.equal(result.stdout + result.stderr, '', `tsc -p ${name} reported errors`);
  };
  const esmFiles = ['web.ts', 'xmldom.ts', 'bridge.ts', 'script-globals.ts'];

  test('moduleResolution node16 (module node16): ., /xmldom, /as2, /bridge, /script, /as2-script', async () => {
    const { dir } = await project('typescript');
    await check(dir, { module: 'node16', moduleResolution: 'node16' }, esmFiles);
  });

  test('moduleResolution bundler (module esnext)', async () => {
    const { dir } = await project('typescript');
    await check(dir, { module: 'esnext', moduleResolution: 'bundler' }, esmFiles);
  });

  test('CommonJS TypeScript requiring /bridge and /xmldom (module node20: require of ES modules, as Node 20.19+ allows)', async () => {
    const { dir } = await project('typescript');
    await check(dir, { module: 'node20', moduleResolution: 'node16' }, ['commonjs.cts']);
  });

  test('legacy moduleResolution node10 (module commonjs) finds the subpath types through typesVersions', async () => {
    const { dir } = await project('typescript');
    await check(dir, { module: 'commonjs', moduleResolution: 'node10' }, ['web.ts', 'xmldom.ts', 'script-globals.ts']);
  });

  test('the bridge types need no DOM library (a Node-only program)', async () => {
    const { dir } = await project('typescript');
    await check(dir, { module: 'node16', moduleResolution: 'node16', lib: ['ES2022'] }, ['bridge.ts']);
  });
});

describe('Node 20: /xmldom and /bridge, a round trip through the installed bridge', () => {
  test('ES modules (import)', async () => {
    const { dir } = await project('node');
    const { stdout } = await run(process.execPath, ['esm.mjs', echoServer.address], { cwd: dir });
    assert.equal(stdout.trim(), 'esm');
  });

  test('CommonJS (require of the ES module entries)', async () => {
    const { dir } = await project('node');
    const { stdout, stderr } = await run(process.execPath, ['cjs.cjs', echoServer.address], { cwd: dir });
    assert.equal(stdout.trim(), 'cjs');
    // Node 20.19+ may warn that require(esm) is experimental; nothing else may appear.
    assert.equal(stderr.replace(/^.*ExperimentalWarning.*\n|^\(Use `node --trace-warnings.*\n/gm, ''), '');
  });

  test('npx xmlsocket-bridge --version and --help, from the installed package', async () => {
    const { dir } = await project('node');
    const versionRun = await run('npx', ['xmlsocket-bridge', '--version'], { cwd: dir });
    assert.equal(versionRun.stdout, `${version}\n`);
    const help = await run('npx', ['xmlsocket-bridge', '--help'], { cwd: dir });
    assert.match(help.stdout, /^Usage: xmlsocket-bridge \[options\]/);
    assert.match(help.stdout, /--version/);
  });
});

describe('script tags: the files copied out of node_modules into a plain page', () => {
  test('/script and /as2-script, AS2 code against the bridge', async () => {
    const { dir } = await project('script-tag');
    const require = createRequire(join(dir, 'package.json'));
    const site = join(dir, 'public');
    mkdirSync(site);
    copyFileSync(require.resolve('xmlsocket-polyfill/script'), join(site, 'xmlsocket.min.js'));
    copyFileSync(require.resolve('xmlsocket-polyfill/as2-script'), join(site, 'xmlsocket-as2.min.js'));
    writeFileSync(join(site, 'index.html'), scriptTagPage);
    assert.equal(await roundTrip(site), 'script-tag as AS2 XML');
  });
});
