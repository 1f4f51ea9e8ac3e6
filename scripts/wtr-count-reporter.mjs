// @web/test-runner reporter that writes {"passed": N, "failed": N} for scripts/test.mjs.
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
      const counts = { passed: 0, failed: 0 };
      for (const session of sessions) {
        if (session.testResults) countSuite(session.testResults, counts);
        // A file that fails to load, or errors outside any test, fails as one.
        if (session.errors?.length || (!session.passed && !session.testResults)) counts.failed += 1;
      }
      if (file) writeFileSync(file, JSON.stringify(counts));
    },
  };
}
