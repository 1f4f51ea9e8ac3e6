// Where each browser engine is and how to start it, in one place for the browser
// tests, the end-to-end tests, the demo screenshot and the benchmarks.
//   Chromium  CHROME_PATH, else Debian's /usr/bin/chromium (Playwright)
//   Firefox   FIREFOX_PATH, else Debian's firefox-esr (Puppeteer over WebDriver BiDi)
//   WebKit    WEBKIT_PATH (a WebKitGTK MiniBrowser) and WEBKIT_DRIVER_PATH (its
//             WebKitWebDriver), else Debian's webkit2gtk-driver and libwebkit2gtk-4.1-0
//             (WebDriver classic; MiniBrowser needs an X display: Xvfb when none is set)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** The first of `paths` that exists, or undefined. */
const firstExisting = (paths) => paths.find((path) => path && existsSync(path));

/** CHROME_PATH, then Debian's /usr/bin/chromium, then Playwright's own download (undefined). */
export function chromiumExecutable() {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  return firstExisting(['/usr/bin/chromium']);
}

/** Command-line flags for a quiet, headless Chromium on a machine with no outside network. */
export function chromiumArgs() {
  // Without these, Chromium keeps calling home, which a closed network refuses.
  const args = [
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
  // Chromium refuses to start as root without this.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return args;
}

/** FIREFOX_PATH, then Debian's firefox-esr, then a plain firefox. */
export function firefoxExecutable() {
  if (process.env.FIREFOX_PATH) return process.env.FIREFOX_PATH;
  return firstExisting(['/usr/bin/firefox-esr', '/usr/bin/firefox']);
}

/** Firefox preferences for a quiet browser on a machine with no outside network. */
export function firefoxPrefs() {
  return {
    'app.update.enabled': false,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'toolkit.telemetry.enabled': false,
  };
}

/** Puppeteer launch options for headless Firefox (WebDriver BiDi). */
export function firefoxLaunchOptions() {
  const executablePath = firefoxExecutable();
  if (!executablePath) throw new Error('Firefox not found: install firefox-esr or set FIREFOX_PATH');
  return {
    browser: 'firefox',
    executablePath,
    headless: true,
    acceptInsecureCerts: true,
    extraPrefsFirefox: firefoxPrefs(),
  };
}

/** WEBKIT_DRIVER_PATH, then Debian's WebKitWebDriver (package webkit2gtk-driver). */
export function webkitDriverExecutable() {
  if (process.env.WEBKIT_DRIVER_PATH) return process.env.WEBKIT_DRIVER_PATH;
  return firstExisting(['/usr/bin/WebKitWebDriver']);
}

/** WEBKIT_PATH, then the MiniBrowser that Debian's libwebkit2gtk-4.1-0 ships. */
export function webkitExecutable() {
  if (process.env.WEBKIT_PATH) return process.env.WEBKIT_PATH;
  const known = firstExisting([
    '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
    '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
  ]);
  if (known) return known;
  try {
    const files = execFileSync('dpkg', ['-L', 'libwebkit2gtk-4.1-0'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return files.split('\n').find((line) => line.endsWith('/MiniBrowser'));
  } catch {
    return undefined;
  }
}

/** WebDriver capabilities that start MiniBrowser under WebKitWebDriver. */
export function webkitCapabilities() {
  const binary = webkitExecutable();
  if (!binary) throw new Error('WebKitGTK MiniBrowser not found: install libwebkit2gtk-4.1-0 or set WEBKIT_PATH');
  return {
    browserName: 'MiniBrowser',
    acceptInsecureCerts: true,
    // WebKitWebDriver speaks WebDriver classic only.
    'wdio:enforceWebDriverClassic': true,
    'webkitgtk:browserOptions': { binary, args: ['--automation'] },
  };
}

/** A free TCP port on 127.0.0.1 (for a driver that cannot report the one it took). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once `url` answers HTTP at all, or rejects after `ms`. */
async function waitForHttp(url, child, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Stops a child this module started, by its pid, and waits for it to go. */
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/**
 * An X display for MiniBrowser: $DISPLAY when set, else a private Xvfb on a display
 * number Xvfb picks itself (-displayfd), so runs side by side never collide.
 */
export async function startDisplay() {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY, stop: async () => {} };
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
  });
  const display = await new Promise((resolve, reject) => {
    let text = '';
    xvfb.once('error', (error) => reject(new Error(`could not start Xvfb (install xvfb): ${error.message}`)));
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
    xvfb.stdio[3].on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(`:${text.trim()}`);
    });
  });
  return { display, stop: () => stopChild(xvfb) };
}

/**
 * Starts WebKitWebDriver on a free loopback port, with an X display for the
 * MiniBrowser it launches. Returns webdriverio `remote()` connection options and stop().
 */
export async function startWebkitDriver() {
  const driver = webkitDriverExecutable();
  if (!driver) throw new Error('WebKitWebDriver not found: install webkit2gtk-driver or set WEBKIT_DRIVER_PATH');
  const screen = await startDisplay();
  const port = await freePort();
  const child = spawn(driver, [`--port=${port}`], {
    stdio: 'ignore',
    env: { ...process.env, DISPLAY: screen.display },
  });
  child.once('error', () => {});
  try {
    await waitForHttp(`http://127.0.0.1:${port}/status`, child);
  } catch (error) {
    await stopChild(child);
    await screen.stop();
    throw error;
  }
  return {
    remoteOptions: { hostname: '127.0.0.1', port, path: '/', logLevel: 'error', capabilities: webkitCapabilities() },
    stop: async () => {
      await stopChild(child);
      await screen.stop();
    },
  };
}
