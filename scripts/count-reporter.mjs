// node:test reporter that writes {"passed": N, "failed": N} for scripts/test.mjs.
// Suites (describe blocks) are not counted, only the tests in them; a file that
// fails to load reports as one failed test, which is what we want.
export default async function* countReporter(source) {
  let passed = 0;
  let failed = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (event.data.details?.type === 'suite') {
      // A suite fails on its own only when something outside its tests broke.
      if (event.type === 'test:fail' && event.data.details?.error?.failureType !== 'subtestsFailed') failed += 1;
      continue;
    }
    // A skipped test proves nothing, so it counts against the run.
    if (event.data.skip || event.data.todo) {
      failed += 1;
      continue;
    }
    if (event.type === 'test:pass') passed += 1;
    else failed += 1;
  }
  yield JSON.stringify({ passed, failed });
}
