// Serves test/browser/worker/*.ts bundled (with @xmldom/xmldom, which is CommonJS) at
// /__bundles__/NAME.js, so a Worker can load it as a user's bundler would ship it.
import { build } from 'esbuild';
import type { TestRunnerPlugin } from '@web/test-runner';

export function workerBundlePlugin(): TestRunnerPlugin {
  return {
    name: 'worker-bundle',
    async serve(context) {
      const match = /^\/__bundles__\/([\w-]+)\.js$/.exec(context.path);
      if (!match) return undefined;
      const result = await build({
        entryPoints: [`test/browser/worker/${match[1]}.ts`],
        bundle: true,
        format: 'esm',
        target: 'es2022',
        write: false,
      });
      return { body: result.outputFiles[0]!.text, type: 'js' };
    },
  };
}
