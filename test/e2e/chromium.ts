// Launches the machine's Chromium for the end-to-end tests and the demo screenshot.
import { chromium, type Browser } from 'playwright-core';
import { chromiumArgs, chromiumExecutable } from '../../scripts/browsers.mjs';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: chromiumArgs() });
}
