// The chat demo end to end: real Chromium, the real bridge (dist/bridge.js), the TCP
// chat server. Run after a build (`npm test` builds first).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startDemo, type Demo } from '../../demo/demo.js';
import { launchChromium } from './chromium.js';

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const WAIT_MS = 15_000; // upper bound for a condition to become true; nothing is timed

const statusOf = (page: Page) => page.locator('#status');

async function waitForStatus(page: Page, state: string): Promise<void> {
  await page.waitForFunction((s) => document.getElementById('status')?.getAttribute('data-state') === s, state, {
    timeout: WAIT_MS,
  });
}

async function usersOf(page: Page): Promise<string[]> {
  return page.locator('#users li').allTextContents();
}

async function waitForUsers(page: Page, nicks: string[]): Promise<void> {
  const want = [...nicks].sort();
  await page.waitForFunction(
    (w) => JSON.stringify(Array.from(document.querySelectorAll('#users li'), (li) => li.textContent).sort()) === w,
    JSON.stringify(want),
    { timeout: WAIT_MS },
  );
}

/** Waits for a chat line from `from` with exactly `text`, and returns it. */
async function waitForMessage(page: Page, from: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([f, t]) =>
      Array.from(document.querySelectorAll('#messages li.msg')).some(
        (li) => li.querySelector('.from')?.textContent === f && li.querySelector('.text')?.textContent === t,
      ),
    [from, text] as const,
    { timeout: WAIT_MS },
  );
}

async function logIn(page: Page, url: string, nick: string): Promise<void> {
  await page.goto(url);
  await page.fill('#nick', nick);
  await page.click('#join');
  await page.waitForFunction((n) => document.getElementById('status')?.textContent === `connected as ${n}`, nick, {
    timeout: WAIT_MS,
  });
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.click('#send');
}

describe('chat demo in Chromium', () => {
  let demo: Demo;
  let browser: Browser;
  const errors: string[] = [];
  const bridgeLog: Array<Record<string, unknown>> = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The bridge's log lines are kept, not printed (a 502 while the server is down is expected).
    demo = await startDemo({ port: 0, chatPort: 0, bridgeLog: (line) => bridgeLog.push(line) });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function openPage(width = 1000, height = 720): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height } });
    page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
    page.on('console', (msg) => {
      // A refused WebSocket handshake is logged by Chromium itself; the test expects one.
      if (msg.type() === 'error' && !/WebSocket connection to .* failed/.test(msg.text()))
        errors.push(`${page.url()}: ${msg.text()}`);
    });
    return page;
  }

  test('two AS2 pages log in, see each other, and chat with non-ASCII text and <&>"\'', async () => {
    const ann = await openPage();
    const bob = await openPage();
    await logIn(ann, demo.url, 'ann');
    await logIn(bob, demo.url, 'bob');
    await waitForUsers(ann, ['ann', 'bob']);
    await waitForUsers(bob, ['ann', 'bob']);

    const text = `Grüße 你好 🎮 — <b>bold</b> & "quotes" 'apostrophes' </msg>`;
    await say(ann, text);
    await waitForMessage(bob, 'ann', text);
    await waitForMessage(ann, 'ann', text);
    // Inserted as text, never as markup.
    assert.equal(await bob.locator('#messages b').count(), 0);

    // The traffic panel shows the raw XML both ways, escaped on the wire.
    const outgoing = await ann.locator('#traffic li.out').allTextContents();
    assert.ok(outgoing.includes('<login nick="ann"/>'), JSON.stringify(outgoing));
    assert.ok(
      outgoing.some((x) => x.includes('&lt;b&gt;bold&lt;/b&gt; &amp;')),
      JSON.stringify(outgoing),
    );
    const incoming = await bob.locator('#traffic li.in').allTextContents();
    assert.ok(
      incoming.some((x) => x.startsWith('<msg from="ann"') && x.includes('Grüße 你好 🎮')),
      JSON.stringify(incoming),
    );

    await ann.screenshot({ path: join(ARTIFACTS, 'demo-as2.png') });
    await ann.close();
    // bob sees ann leave.
    await waitForUsers(bob, ['bob']);
    await bob.close();
  });

  test('a desktop client on raw TCP and a page chat with each other on the one port', async () => {
    const page = await openPage();
    await logIn(page, demo.url, 'webber');
    // A desktop Flash player connects to the bridge's own port and speaks raw XMLSocket.
    const desktop = net.connect(demo.port, '127.0.0.1');
    let heard = '';
    desktop.on('data', (d: Buffer) => (heard += d.toString()));
    desktop.write('<login nick="desktop"/>\0');
    await waitForUsers(page, ['desktop', 'webber']);
    desktop.write('<msg>こんにちは &lt;&amp;&gt; from TCP</msg>\0');
    await waitForMessage(page, 'desktop', 'こんにちは <&> from TCP');
    await say(page, 'hello, desktop');
    const deadline = Date.now() + WAIT_MS;
    while (!heard.includes('hello, desktop')) {
      assert.ok(Date.now() < deadline, `the desktop client never heard the page: ${heard}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    desktop.end();
    await waitForUsers(page, ['webber']);
    await page.close();
  });

  test('a taken nickname is refused and another one works on the same connection', async () => {
    const first = await openPage();
    const second = await openPage();
    await logIn(first, demo.url, 'carol');
    await second.goto(demo.url);
    await second.fill('#nick', 'Carol');
    await second.click('#join');
    await second.locator('#messages li.error', { hasText: 'taken' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await second.locator('#login').isVisible(), true);
    await second.fill('#nick', 'carol2');
    await second.click('#join');
    await waitForUsers(second, ['carol', 'carol2']);
    await first.close();
    await second.close();
  });

  test('the AS2 page and the AS3 page talk to each other', async () => {
    const as2 = await openPage();
    const as3 = await openPage(390, 760); // phone width
    await logIn(as2, demo.url, 'dora');
    await logIn(as3, `${demo.url}as3.html`, 'эрик');
    await waitForUsers(as2, ['dora', 'эрик']);
    await waitForUsers(as3, ['dora', 'эрик']);

    await say(as3, `from AS3: 1 < 2 && 'x' > "y" ✓`);
    await waitForMessage(as2, 'эрик', `from AS3: 1 < 2 && 'x' > "y" ✓`);
    await say(as2, 'from AS2: ça marche ✓');
    await waitForMessage(as3, 'dora', 'from AS2: ça marche ✓');

    await say(as3, '/topic Raid at 9 <sharp> & on time');
    await as2.locator('#topic', { hasText: 'Raid at 9 <sharp> & on time' }).waitFor({ timeout: WAIT_MS });

    await as3.screenshot({ path: join(ARTIFACTS, 'demo-as3-phone.png') });
    await as2.close();
    await as3.close();
  });

  test('a stopped chat server shows "disconnected"; Reconnect works once it is back', async () => {
    const as2 = await openPage();
    const as3 = await openPage();
    await logIn(as2, demo.url, 'finn');
    await logIn(as3, `${demo.url}as3.html`, 'gwen');
    await waitForUsers(as2, ['finn', 'gwen']);
    assert.equal(await as2.locator('#reconnect').isDisabled(), true);

    await demo.stopChat();
    for (const page of [as2, as3]) {
      await waitForStatus(page, 'disconnected');
      assert.equal(await statusOf(page).textContent(), 'disconnected');
      assert.equal(await page.locator('#reconnect').isEnabled(), true);
      assert.deepEqual(await usersOf(page), []);
    }

    // While the server is down, Reconnect fails cleanly (the bridge refuses: onConnect(false)).
    await as2.click('#reconnect');
    await waitForStatus(as2, 'failed');

    await demo.startChat();
    for (const page of [as2, as3]) await page.click('#reconnect');
    await waitForStatus(as2, 'connected');
    await waitForStatus(as3, 'connected');
    await waitForUsers(as2, ['finn', 'gwen']);
    await waitForUsers(as3, ['finn', 'gwen']);
    await say(as2, 'back again');
    await waitForMessage(as3, 'finn', 'back again');
    await as2.close();
    await as3.close();
  });

  test('no page reported a script error', () => {
    assert.deepEqual(errors, []);
  });
});
