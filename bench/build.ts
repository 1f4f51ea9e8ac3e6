// Builds what the benchmarks measure from the current src/, with the project's own
// rollup configuration (rollup.config.mjs, as `npm run build` uses it), never into
// dist/, which other work shares: browser code into memory, the bridge CLI into a
// folder of this run under bench/.build/ (inside the project, so that it finds `ws`).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OutputOptions, RollupOptions } from 'rollup';
import { ROOT } from '../test/servers/processes.js';

async function projectConfigs(): Promise<RollupOptions[]> {
  // The configuration's paths are relative to the project's root.
  process.chdir(ROOT);
  return ((await import(join(ROOT, 'rollup.config.mjs'))) as { default: RollupOptions[] }).default;
}

async function configFor(pick: (input: RollupOptions['input'], output: OutputOptions) => boolean) {
  const config = (await projectConfigs()).find((c) => pick(c.input, c.output as OutputOptions));
  if (!config) throw new Error('rollup.config.mjs has no such build any more');
  return { config, output: config.output as OutputOptions };
}

const hasEntry = (input: RollupOptions['input'], name: string) =>
  typeof input === 'object' && input !== null && name in input;

/** Builds one configuration into memory: file name (e.g. `xmlsocket.js`, `chunks/x.js`) to code. */
async function buildInMemory(config: RollupOptions, output: OutputOptions): Promise<Map<string, string>> {
  const { rollup } = await import('rollup');
  const bundle = await rollup({ ...config, onwarn: () => {} });
  // In memory: no file or folder to write to (the plugins would check their paths against it).
  const options: OutputOptions = { ...output, file: undefined, dir: undefined };
  if (output.file) options.entryFileNames = output.file.replace(/^dist\//, '');
  const { output: chunks } = await bundle.generate(options);
  await bundle.close();
  return new Map(chunks.map((c) => [c.fileName, c.type === 'chunk' ? c.code : String(c.source)]));
}

/** The browser ES modules (`xmlsocket.js` and the chunks it imports), as the package ships them. */
export async function buildBrowserModules(): Promise<Map<string, string>> {
  const { config, output } = await configFor((input, out) => out.format === 'es' && hasEntry(input, 'xmlsocket'));
  return buildInMemory(config, output);
}

/** The script-tag bundle, `xmlsocket.min.js`. */
export async function buildScriptBundle(): Promise<string> {
  const { config, output } = await configFor((_, out) => out.file === 'dist/xmlsocket.min.js');
  const code = (await buildInMemory(config, output)).get('xmlsocket.min.js');
  if (code === undefined) throw new Error('the script-tag build wrote no xmlsocket.min.js');
  return code;
}

let cli: Promise<string> | undefined;

/** The bridge's CLI, built once per run into bench/.build/cli-PID/ (removed when the run ends). */
export function buildBridgeCli(): Promise<string> {
  cli ??= (async () => {
    const { config, output } = await configFor(
      (input, out) => hasEntry(input, 'cli') && String(out.entryFileNames).endsWith('.js'),
    );
    const dir = join(ROOT, 'bench', '.build', `cli-${process.pid}`);
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (const [name, code] of await buildInMemory(config, output)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), code);
    }
    return join(dir, 'cli.js');
  })();
  return cli;
}

/**
 * A benchmark page (TypeScript that runs in the browser), bundled with esbuild. Its
 * import of the library (`../src/index.js`) is left to the page's server, which serves
 * the rollup build of {@link buildBrowserModules} as `/xmlsocket.js`.
 */
export async function buildPage(entry: string): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    plugins: [
      {
        name: 'library-from-rollup',
        setup(b) {
          b.onResolve({ filter: /\/src\/index(\.js)?$/ }, () => ({ path: '/xmlsocket.js', external: true }));
        },
      },
    ],
  });
  return result.outputFiles[0]!.text;
}
