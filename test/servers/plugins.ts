// Test-runner plugins that start real servers on loopback for the browser tests.
import type { TestRunnerPlugin } from '@web/test-runner';
import { as2HttpPlugin } from './as2-http.js';

export function serverPlugins(): TestRunnerPlugin[] {
  return [as2HttpPlugin()];
}
