// @web/test-runner reporter that writes {"passed": N, "failed": N, "engines": {name:
// {"passed": N, "failed": N}}} for scripts/test.mjs, and prints the counts per engine.
import { writeFileSync } from 'node:fs';

function countSuite(suite, counts) {
  for (const test of suite.tests) {
    // A skipped test proves nothing, so it counts against the run.
    if (test.passed && !test.skipped) counts.passed += 1;
    else counts.failed += 1;
  }
  for (const child of suite.suites) countSuite(child, counts);
}

export function countReporter(file) {
  return {
    onTestRunFinished({ sessions }) {
      const counts = { passed: 0, failed: 0, engines: {} };
      for (const session of sessions) {
        const engine = (counts.engines[session.browser.name] ??= { passed: 0, failed: 0 });
        if (session.testResults) countSuite(session.testResults, engine);
        // A file that fails to load, or errors outside any test, fails as one.
        if (session.errors?.length || (!session.passed && !session.testResults)) engine.failed += 1;
      }
      for (const [name, engine] of Object.entries(counts.engines)) {
        console.log(`# browser, ${name}: ${engine.passed} passed, ${engine.failed} failed`);
        counts.passed += engine.passed;
        counts.failed += engine.failed;
      }
      if (file) writeFileSync(file, JSON.stringify(counts));
    },
  };
}
