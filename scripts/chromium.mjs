// Where Chromium is and how to start it, in one place for the browser tests, the
// end-to-end tests, the demo screenshot and the benchmarks.
import { existsSync } from 'node:fs';

/** CHROME_PATH, then Debian's /usr/bin/chromium, then Playwright's own download (undefined). */
export function chromiumExecutable() {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined;
}

/** Command-line flags for a quiet, headless Chromium on a machine with no outside network. */
export function chromiumArgs() {
  // Without these, Chromium keeps calling home, which a closed network refuses.
  const args = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
  // Chromium refuses to start as root without this.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return args;
}
