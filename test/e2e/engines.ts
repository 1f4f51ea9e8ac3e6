// One page of the demo in any of the three engines, behind one small interface, so
// that a test can put a Chromium, a Firefox and a WebKit page in the same chat room.
// Chromium through Playwright, Firefox through Puppeteer (WebDriver BiDi), WebKit
// through WebKitWebDriver and webdriverio; scripts/browsers.mjs finds each browser.
import type { Browser as PuppeteerBrowser } from 'puppeteer-core';
import { firefoxLaunchOptions, startWebkitDriver } from '../../scripts/browsers.mjs';
import { launchChromium } from './chromium.js';

const WAIT_MS = 20_000; // upper bound for a condition to become true; nothing is timed

/** What a test does with a page: run a function in it, and close it. */
export interface EnginePage {
  readonly engine: string;
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page and returns its (JSON) result. */
  evaluate<A, R>(fn: (arg: A) => R, arg: A): Promise<R>;
  close(): Promise<void>;
}

export async function chromiumPage(): Promise<EnginePage> {
  const browser = await launchChromium();
  const page = await browser.newPage();
  return {
    engine: 'Chromium',
    goto: async (url) => void (await page.goto(url)),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    close: () => browser.close(),
  };
}

export async function firefoxPage(): Promise<EnginePage> {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser: PuppeteerBrowser = await puppeteer.launch(firefoxLaunchOptions());
  const page = await browser.newPage();
  return {
    engine: 'Firefox',
    goto: async (url) => void (await page.goto(url)),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg),
    close: () => browser.close(),
  };
}

export async function webkitPage(): Promise<EnginePage> {
  const { remote } = await import('webdriverio');
  const driver = await startWebkitDriver();
  try {
    const browser = await remote(driver.remoteOptions);
    return {
      engine: 'WebKit',
      goto: (url) => browser.url(url).then(() => undefined),
      evaluate: (fn, arg) => browser.execute(fn as never, arg) as never,
      close: async () => {
        await browser.deleteSession().catch(() => {});
        await driver.stop();
      },
    };
  } catch (error) {
    await driver.stop();
    throw error;
  }
}

/** Resolves once `fn(arg)` is true in the page; rejects with `what` after WAIT_MS. */
export async function waitUntil<A>(page: EnginePage, fn: (arg: A) => boolean, arg: A, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await page.evaluate(fn, arg))) {
    if (Date.now() > deadline) throw new Error(`${page.engine}: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
