// Test-runner plugins that start real servers on loopback for the browser tests.
import type { TestRunnerPlugin } from '@web/test-runner';

export function serverPlugins(): TestRunnerPlugin[] {
  return [];
}
