// Takes demo/screenshot.png for the README: a short conversation on the AS2 page.
//   npx rollup -c && node --import tsx demo/screenshot.ts
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/e2e/chromium.js';
import { DEMO_DIR, startDemo } from './demo.js';

const demo = await startDemo({ port: 0, chatPort: 0 });
const browser = await launchChromium();
try {
  const open = async (path: string, nick: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    await page.goto(demo.url + path);
    await page.fill('#nick', nick);
    await page.click('#join');
    await page.waitForFunction((n) => document.getElementById('status')?.textContent === `connected as ${n}`, nick);
    return page;
  };
  const say = async (page: Page, text: string, seenBy: Page): Promise<void> => {
    const before = await seenBy.locator('#messages li.msg').count();
    await page.fill('#text', text);
    await page.click('#send');
    await seenBy.waitForFunction((n) => document.querySelectorAll('#messages li.msg').length > n, before);
  };

  const ann = await open('', 'ann');
  const bob = await open('as3.html', 'bob');
  const zoe = await open('', 'zoë');
  await bob.fill('#text', '/topic Pirate Duel, round 3 at 21:00');
  await bob.click('#send');
  await ann.locator('#topic', { hasText: 'round 3' }).waitFor();
  await say(bob, 'Anyone up for a rematch?', ann);
  await say(ann, 'Sure! Same server as 2008, now in the browser.', ann);
  await say(zoe, 'Ça marche. And <script> stays text & "quotes" too.', ann);
  await ann.screenshot({ path: join(DEMO_DIR, 'screenshot.png') });
  console.log(`wrote ${join(DEMO_DIR, 'screenshot.png')}`);
} finally {
  await browser.close();
  await demo.close();
}
