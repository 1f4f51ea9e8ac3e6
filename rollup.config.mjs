import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

// Chunks are named without a hash: a package has one version of each, and a rebuild
// overwrites them instead of leaving stale ones in dist/ for npm pack to ship.
const ts = () => typescript({ tsconfig: './tsconfig.build.json', outputToFilesystem: false });
const nodeExternal = [...builtinModules, /^node:/, 'ws', '@xmldom/xmldom', 'prom-client'];

// Browser ES module entries. Entries that import the core share it (xmldom.js
// imports ./xmlsocket.js) instead of each carrying a copy of its state.
const moduleEntries = {
  xmlsocket: 'src/index.ts',
  xmldom: 'src/xmldom.ts',
  as2: 'src/as2.ts',
};

// Classic script-tag builds: IIFE, minified.
const scriptEntries = [
  { input: 'src/script.ts', file: 'dist/xmlsocket.min.js' },
  { input: 'src/as2-script.ts', file: 'dist/xmlsocket-as2.min.js' },
];

// Node-only entries: the bridge and its CLI. Never imported by the browser entries.
const nodeEntries = {
  bridge: 'src/bridge.ts',
  cli: 'src/bridge/cli/cli.ts',
};

// Entries whose types ship in dist/*.d.ts.
const typeEntries = {
  xmlsocket: 'src/index.ts',
  xmldom: 'src/xmldom.ts',
  bridge: 'src/bridge.ts',
  as2: 'src/as2.ts',
};

// The globals of the script-tag builds (`xmlsocket-polyfill/script`, `/as2-script`):
// hand-written declarations, copied as they are (rollup-plugin-dts would flatten the
// namespace imports they need to name a global after an export).
const copyScriptTypes = {
  name: 'copy-script-types',
  generateBundle() {
    for (const name of ['script.d.ts', 'as2-script.d.ts']) {
      this.emitFile({ type: 'asset', fileName: name, source: readFileSync(`types/${name}`, 'utf8') });
    }
  },
};

export default [
  {
    input: moduleEntries,
    external: ['@xmldom/xmldom'],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name].js' },
    plugins: [ts()],
  },
  ...scriptEntries.map(({ input, file }) => ({
    input,
    output: { file, format: 'iife' },
    plugins: [
      ts(),
      terser({ ecma: 2022, toplevel: true, compress: { passes: 3, pure_getters: true }, format: { comments: false } }),
    ],
  })),
  {
    input: nodeEntries,
    external: nodeExternal,
    output: {
      dir: 'dist',
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name].js',
      banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
    plugins: [ts()],
  },
  {
    input: typeEntries,
    external: nodeExternal,
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name].d.ts' },
    plugins: [dts({ compilerOptions: { stripInternal: true } }), copyScriptTypes],
  },
];
