// Browser tests: real Chromium through Playwright, against real servers on
// loopback that the plugins in test/servers/ start on request of the tests.
import { existsSync } from 'node:fs';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { countReporter } from './scripts/wtr-count-reporter.mjs';
import { serverPlugins } from './test/servers/plugins.ts';

/** CHROME_PATH, then Debian's chromium, then Playwright's own download. */
function chromiumPath() {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined;
}

const args = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // The https fixture (test/servers/self-signed.ts) has a throwaway certificate.
  '--ignore-certificate-errors',
];
// Chromium refuses to start as root without this.
if (process.getuid?.() === 0) args.push('--no-sandbox');

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testFramework: { config: { timeout: 15000 } },
  testsFinishTimeout: 240000,
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: { executablePath: chromiumPath(), headless: true, args },
    }),
  ],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), ...serverPlugins()],
  reporters: [defaultReporter(), summaryReporter({ flatten: false }), countReporter(process.env.XMLSOCKET_COUNTS_FILE)],
};
