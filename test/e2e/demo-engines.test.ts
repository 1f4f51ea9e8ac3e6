// The chat demo across engines: a Chromium page, a Firefox page and a WebKit page in
// one chat room, through the real bridge (dist/bridge.js) and the TCP chat server.
// Twice: first Chromium on the AS2 page, Firefox on the AS3 page, WebKit on the AS2
// page; then each engine on the other page. Run after a build (`npm test` builds first).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDemo, type Demo } from '../../demo/demo.js';
import { chromiumPage, firefoxPage, waitUntil, webkitPage, type EnginePage } from './engines.js';

/** Fills the nickname form and waits for the page to say it is connected. */
async function logIn(page: EnginePage, url: string, nick: string): Promise<void> {
  await page.goto(url);
  await waitUntil(page, () => document.getElementById('join') !== null, null, 'the login form');
  await page.evaluate((n) => {
    (document.getElementById('nick') as HTMLInputElement).value = n;
    document.getElementById('join')!.click();
  }, nick);
  await waitUntil(
    page,
    (n) => document.getElementById('status')?.textContent === `connected as ${n}`,
    nick,
    `${nick} connected`,
  );
}

async function say(page: EnginePage, text: string): Promise<void> {
  await page.evaluate((t) => {
    (document.getElementById('text') as HTMLInputElement).value = t;
    document.getElementById('send')!.click();
  }, text);
}

const users = (page: EnginePage) =>
  page.evaluate(() => Array.from(document.querySelectorAll('#users li'), (li) => li.textContent).sort(), null);

/** Every chat line the page shows, as [from, text]. */
const messages = (page: EnginePage) =>
  page.evaluate(
    () =>
      Array.from(document.querySelectorAll('#messages li.msg'), (li) => [
        li.querySelector('.from')?.textContent ?? '',
        li.querySelector('.text')?.textContent ?? '',
      ]),
    null,
  );

describe('chat demo across Chromium, Firefox and WebKit', () => {
  let demo: Demo;
  const pages: EnginePage[] = [];

  before(async () => {
    demo = await startDemo({ port: 0, chatPort: 0, bridgeLog: () => {} });
    // One after another: three browsers starting at once on two cores gain nothing.
    pages.push(await chromiumPage());
    pages.push(await firefoxPage());
    pages.push(await webkitPage());
  });

  after(async () => {
    for (const page of pages) await page.close();
    await demo?.close();
  });

  const rounds: [string, string[]][] = [
    ['Chromium on AS2, Firefox on AS3, WebKit on AS2', ['', 'as3.html', '']],
    ['Chromium on AS3, Firefox on AS2, WebKit on AS3', ['as3.html', '', 'as3.html']],
  ];
  for (const [index, [name, paths]] of rounds.entries()) {
    test(`${name}: each sees the others and every message, non-ASCII and <&>"' included`, async () => {
      const nicks = pages.map((page) => `${page.engine.toLowerCase()}${index}`);
      // Non-ASCII nicknames too (the protocol puts them in attributes).
      nicks[1] = `ëfox${index}`;
      for (const [i, page] of pages.entries()) await logIn(page, `${demo.url}${paths[i]}`, nicks[i]!);
      const everyone = [...nicks].sort();
      for (const page of pages) {
        await waitUntil(
          page,
          (w) =>
            JSON.stringify(Array.from(document.querySelectorAll('#users li'), (li) => li.textContent).sort()) === w,
          JSON.stringify(everyone),
          'all three users',
        );
        assert.deepEqual(await users(page), everyone);
      }

      const said = pages.map((page, i) => [
        nicks[i],
        `${page.engine} says Grüße 你好 🎮 — <b>&amp;</b> & "quotes" 'apostrophes' </msg> ${index}`,
      ]);
      for (const [i, page] of pages.entries()) await say(page, said[i]![1]!);
      for (const page of pages) {
        await waitUntil(
          page,
          (want) => {
            const seen = Array.from(document.querySelectorAll('#messages li.msg'), (li) =>
              JSON.stringify([li.querySelector('.from')?.textContent, li.querySelector('.text')?.textContent]),
            );
            return want.every((w) => seen.includes(w));
          },
          said.map((pair) => JSON.stringify(pair)),
          'all three messages',
        );
        const shown = await messages(page);
        for (const pair of said)
          assert.ok(
            shown.some((m) => m[0] === pair[0] && m[1] === pair[1]),
            `${page.engine} shows ${JSON.stringify(pair)}`,
          );
        // Inserted as text, never as markup.
        assert.equal(await page.evaluate(() => document.querySelectorAll('#messages b').length, null), 0);
      }
    });
  }
});
