// Browser tests: real Chromium through Playwright, against real servers on
// loopback that the plugins in test/servers/ start on request of the tests.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { chromiumArgs, chromiumExecutable } from './scripts/chromium.mjs';
import { countReporter } from './scripts/wtr-count-reporter.mjs';
import { serverPlugins } from './test/servers/plugins.ts';

// The https fixture (test/servers/self-signed.ts) has a throwaway certificate.
const args = [...chromiumArgs(), '--ignore-certificate-errors'];

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testFramework: { config: { timeout: 15000 } },
  testsFinishTimeout: 240000,
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: { executablePath: chromiumExecutable(), headless: true, args },
    }),
  ],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), ...serverPlugins()],
  reporters: [defaultReporter(), summaryReporter({ flatten: false }), countReporter(process.env.XMLSOCKET_COUNTS_FILE)],
};
