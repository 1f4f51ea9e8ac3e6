// A benchmark page in any of the three engines, behind one small interface:
// Chromium (Playwright), Firefox (Puppeteer, WebDriver BiDi), WebKit (WebKitGTK's
// MiniBrowser under WebKitWebDriver, webdriverio). scripts/browsers.mjs finds them.
import { execFileSync } from 'node:child_process';
import {
  firefoxExecutable,
  firefoxLaunchOptions,
  startWebkitDriver,
  webkitExecutable,
} from '../../scripts/browsers.mjs';
import { launchChromium } from './common.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

/** `--engines chromium,firefox`: which engines a benchmark runs in (default all three). */
export function pickedEngines() {
  const at = process.argv.indexOf('--engines');
  const picked = at === -1 ? ENGINES : process.argv[at + 1].split(',');
  for (const e of picked)
    if (!ENGINES.includes(e)) throw new Error(`--engines: unknown engine "${e}"; known: ${ENGINES.join(', ')}`);
  return picked;
}

const versionOf = (binary) => {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'version unknown';
  }
};

/** Opens `url` in `engine` and waits for `window.ready`. Returns { name, version, evaluate(fn, arg), close() }. */
export async function openEnginePage(engine, url) {
  let page;
  if (engine === 'chromium') {
    const browser = await launchChromium();
    const p = await browser.newPage();
    p.on('pageerror', (e) => console.error('page error:', e.message));
    await p.goto(url);
    page = {
      name: 'Chromium',
      version: `Chromium ${browser.version()}`,
      evaluate: (fn, arg) => p.evaluate(fn, arg),
      close: () => browser.close(),
    };
  } else if (engine === 'firefox') {
    const puppeteer = (await import('puppeteer-core')).default;
    const browser = await puppeteer.launch({ ...firefoxLaunchOptions(), protocolTimeout: 600_000 });
    const p = await browser.newPage();
    p.on('pageerror', (e) => console.error('page error:', e.message));
    await p.goto(url);
    page = {
      name: 'Firefox',
      version: versionOf(firefoxExecutable()),
      evaluate: (fn, arg) => p.evaluate(fn, arg),
      close: () => browser.close(),
    };
  } else {
    const { remote } = await import('webdriverio');
    const driver = await startWebkitDriver();
    const browser = await remote(driver.remoteOptions);
    await browser.setTimeout({ script: 600_000 });
    await browser.url(url);
    const version = `WebKitGTK ${browser.capabilities.browserVersion ?? versionOf(webkitExecutable())}`;
    page = {
      name: 'WebKit',
      version,
      evaluate: (fn, arg) => browser.execute(fn, arg),
      close: async () => {
        await browser.deleteSession().catch(() => {});
        await driver.stop();
      },
    };
  }
  const deadline = Date.now() + 30_000;
  while (!(await page.evaluate(() => window.ready === true))) {
    if (Date.now() > deadline) throw new Error(`${page.name}: the bench page did not load`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return page;
}
