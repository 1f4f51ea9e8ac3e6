// Browser tests in three engines: Chromium through Playwright, Firefox through
// Puppeteer (WebDriver BiDi) and WebKit (WebKitGTK's MiniBrowser) through
// WebKitWebDriver, all against real servers on loopback that the plugins in
// test/servers/ start on request of the tests. scripts/browsers.mjs finds each one.
//   XMLSOCKET_ENGINES=firefox,webkit npm run test:browser    a subset of the engines
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { puppeteerLauncher } from '@web/test-runner-puppeteer';
import { webdriverLauncher } from '@web/test-runner-webdriver';
import { chromiumArgs, chromiumExecutable, firefoxLaunchOptions, startWebkitDriver } from './scripts/browsers.mjs';
import { countReporter } from './scripts/wtr-count-reporter.mjs';
import { serverPlugins } from './test/servers/plugins.ts';

const ENGINES = ['chromium', 'firefox', 'webkit'];
const engines = (process.env.XMLSOCKET_ENGINES ?? ENGINES.join(',')).split(',').filter(Boolean);
for (const engine of engines) {
  if (!ENGINES.includes(engine))
    throw new Error(`XMLSOCKET_ENGINES: unknown engine "${engine}"; known: ${ENGINES.join(', ')}`);
}

const browsers = [];
const stops = [];
if (engines.includes('chromium')) {
  // The https fixture (test/servers/self-signed.ts) has a throwaway certificate.
  const args = [...chromiumArgs(), '--ignore-certificate-errors'];
  browsers.push(
    playwrightLauncher({
      product: 'chromium',
      launchOptions: { executablePath: chromiumExecutable(), headless: true, args },
    }),
  );
}
if (engines.includes('firefox')) {
  browsers.push(puppeteerLauncher({ launchOptions: firefoxLaunchOptions() }));
}
if (engines.includes('webkit')) {
  const driver = await startWebkitDriver();
  stops.push(driver.stop);
  // WebKitWebDriver serves one session at a time.
  const webkit = Object.assign(webdriverLauncher(driver.remoteOptions), { concurrency: 1 });
  // Named after the engine, not the MiniBrowser shell, in the output and the counts.
  const initialize = webkit.initialize.bind(webkit);
  webkit.initialize = async (config) => {
    await initialize(config);
    webkit.name = 'WebKit';
  };
  // The launcher starts a page without waiting for it: the runner's 20 s testsStartTimeout
  // then runs from the navigation request, and a navigation still pending when the
  // browser stops rejects unhandled, which stops the whole runner (seen once in CI: a
  // WebKit page of the last file had not started in time, the browser was stopped, and
  // all three engines' results were lost). Waiting for the navigation puts it under
  // browserStartTimeout and makes a failed page fail its own file.
  webkit.startSession = async (id, url) => {
    await webkit.ensureManagerInitialized();
    await webkit.driverManager.startSession(id, url);
  };
  browsers.push(webkit);
}

/** Stops what this config started (WebKitWebDriver, Xvfb) when the runner stops. */
const stopDrivers = {
  name: 'stop-browser-drivers',
  async serverStop() {
    for (const stop of stops.splice(0)) await stop();
  },
};

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  // Each engine runs its files one at a time; the three engines run side by side.
  concurrentBrowsers: 3,
  testFramework: { config: { timeout: 15000 } },
  testsFinishTimeout: 300000,
  browserStartTimeout: 60000,
  browsers,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), ...serverPlugins(), stopDrivers],
  reporters: [defaultReporter(), summaryReporter({ flatten: false }), countReporter(process.env.XMLSOCKET_COUNTS_FILE)],
};
