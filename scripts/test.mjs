// Runs every test suite the project has and prints one `N passed, N failed` line.
//   node scripts/test.mjs            build, then every suite
//   node scripts/test.mjs unit       one suite (types | lint | unit | bridge | bench | faults | security | browser | e2e | ruffle | fleet | package | docs | stress | consumers), no build
//   node scripts/test.mjs --quick    build, then every suite but the two slow ones (stress, consumers)
// `npm test` (and so .ci/run) runs every suite; --quick is for a fast local loop.
// Each suite reports its counts to a file so the total does not depend on parsing
// another tool's console output.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const countsDir = mkdtempSync(join(tmpdir(), 'xmlsocket-counts-'));

/** Node test files in a folder, recursively, in a stable order. */
function testFiles(dir) {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full, { recursive: true })
    .map(String)
    .filter((f) => /\.test\.(ts|mjs)$/.test(f) && statSync(join(full, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (err) => {
      console.error(`could not start ${cmd}: ${err.message}`);
      resolve(1);
    });
  });
}

const bin = (name) => join(root, 'node_modules', '.bin', name);

/** A node:test suite: spec output on the console, counts to a file. */
function nodeSuite(name, dir) {
  return async () => {
    const files = testFiles(dir);
    if (files.length === 0) return { passed: 0, failed: 0, code: 0 };
    const countsFile = join(countsDir, `${name}.json`);
    const code = await run(process.execPath, [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts', 'count-reporter.mjs')}`,
      `--test-reporter-destination=${countsFile}`,
      ...files,
    ]);
    return { ...readCounts(countsFile), code };
  };
}

function readCounts(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { passed: 0, failed: 1 }; // the suite died before reporting
  }
}

const suites = {
  // The whole project, sources, tests, benchmarks and demo, type-checks (strict).
  types: async () => {
    const code = await run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
    return code === 0 ? { passed: 1, failed: 0, code } : { passed: 0, failed: 1, code };
  },
  // ESLint (typescript-eslint, type-aware) and Prettier over the whole project: one count each.
  lint: async () => {
    const results = [await run(bin('eslint'), ['.']), await run(bin('prettier'), ['--check', '.'])];
    const failed = results.filter((code) => code !== 0).length;
    return { passed: results.length - failed, failed, code: failed ? 1 : 0 };
  },
  unit: nodeSuite('unit', 'test/unit'),
  bridge: nodeSuite('bridge', 'test/bridge'),
  // The benchmark's statistics, and `npm run bench -- --smoke`: every benchmark at its smallest.
  bench: nodeSuite('bench', 'test/bench'),
  faults: nodeSuite('faults', 'test/faults'),
  // Hostile clients against a real bridge process: open-proxy spellings, traversal,
  // PROXY fuzzing, smuggling, frame abuse, slow clients, descriptor exhaustion.
  security: nodeSuite('security', 'test/security'),
  browser: async () => {
    const countsFile = join(countsDir, 'browser.json');
    const code = await run(bin('wtr'), [], {
      XMLSOCKET_COUNTS_FILE: countsFile,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, '--import=tsx'].filter(Boolean).join(' '),
    });
    return { ...readCounts(countsFile), code };
  },
  e2e: nodeSuite('e2e', 'test/e2e'),
  // A SWF built with haxe, in self-hosted Ruffle in three engines, through the bridge.
  ruffle: nodeSuite('ruffle', 'test/ruffle'),
  // Bridges behind real nginx and HAProxy (system packages; .ci/run installs them).
  fleet: nodeSuite('fleet', 'test/fleet'),
  // The packed tarball: publint, Are The Types Wrong, the files it ships.
  package: nodeSuite('package', 'test/package'),
  // Every js/ts block and every start command in README.md and docs/, run.
  docs: nodeSuite('docs', 'test/docs'),
  stress: nodeSuite('stress', 'test/stress'),
  // The packed tarball installed into throwaway Vite, webpack, esbuild, TypeScript and
  // Node projects (also alone: `npm run test:consumers`).
  consumers: nodeSuite('consumers', 'test/consumers'),
};
// The slow suites, left out by --quick (10,000 connections; npm pack into throwaway projects).
const slow = new Set(['stress', 'consumers']);

const quick = process.argv.includes('--quick');
const only = process.argv.slice(2).filter((a) => a !== '--quick');
for (const name of only) {
  if (!(name in suites)) {
    console.error(`unknown suite "${name}"; known: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
}

let passed = 0;
let failed = 0;
if (only.length === 0) {
  console.log('\n# build');
  if ((await run(process.execPath, [join(root, 'scripts', 'build.mjs')])) !== 0) {
    console.log('\nbuild failed');
    failed += 1;
  }
}
if (failed === 0) {
  for (const name of only.length ? only : Object.keys(suites).filter((name) => !(quick && slow.has(name)))) {
    console.log(`\n# ${name}`);
    const result = await suites[name]();
    // A suite that exits non-zero without a failing test (a crash, a bad config)
    // still counts as a failure.
    const suiteFailed = result.failed || (result.code !== 0 ? 1 : 0);
    console.log(`# ${name}: ${result.passed} passed, ${suiteFailed} failed`);
    passed += result.passed;
    failed += suiteFailed;
  }
}
rmSync(countsDir, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
