// Test-runner plugins that start real servers on loopback for the browser tests.
import type { TestRunnerPlugin } from '@web/test-runner';
import { as2HttpPlugin } from './as2-http.js';
import { troubleshootingPlugin } from './troubleshooting.js';
import { workerBundlePlugin } from './worker-bundle.js';
import { xmlSocketServersPlugin } from './xmlsocket-servers.js';

export function serverPlugins(): TestRunnerPlugin[] {
  return [xmlSocketServersPlugin(), workerBundlePlugin(), as2HttpPlugin(), troubleshootingPlugin()];
}
