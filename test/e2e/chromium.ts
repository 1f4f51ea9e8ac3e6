// Launches the machine's Chromium for the end-to-end tests and the demo screenshot.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** CHROME_PATH, else Debian's /usr/bin/chromium, else Playwright's own default. */
function executablePath(): string | undefined {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined;
}

export function launchChromium(): Promise<Browser> {
  // Without these, Chromium keeps calling home, which a closed network refuses.
  const args = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: executablePath(), args });
}
