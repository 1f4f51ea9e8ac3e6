// Importing the bridge entry starts nothing and defines no globals. Alone in its file,
// with no static import of the bridge, so the import below is the first one.
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('importing the bridge entry has no side effects: no globals, no handles', async () => {
  const globalsBefore = new Set(Object.getOwnPropertyNames(globalThis));
  const handlesBefore = process.getActiveResourcesInfo().length;
  const mod = await import('../../src/bridge.js');
  assert.deepEqual(
    Object.getOwnPropertyNames(globalThis).filter((n) => !globalsBefore.has(n)),
    [],
  );
  assert.equal(process.getActiveResourcesInfo().length, handlesBefore);
  assert.deepEqual(Object.keys(mod).sort(), ['BridgeError', 'DEFAULTS', 'createBridge']);
});
