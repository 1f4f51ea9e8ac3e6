/**
 * The package's version, read at run time from its package.json, so `--version`
 * can never disagree with what npm installed.
 */
import { readFileSync } from 'node:fs';

const PACKAGE_NAME = 'xmlsocket-polyfill';

/**
 * Walks up from this module (dist/cli.js when installed, src/bridge/cli/cli.ts in the
 * repository) to the package.json of this package.
 */
export function packageVersion(from: string | URL = import.meta.url): string {
  for (let dir = new URL('./', from); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json here, or not ours: keep walking up.
    }
    if (new URL('../', dir).href === dir.href)
      throw new Error(`cannot find the package.json of ${PACKAGE_NAME} above ${String(from)}`);
  }
}
