// The fault campaign and the 10,000-connection stress test as benchmark rows.
//
// Runs test/faults and test/stress (the same node:test files `npm test -- --stress`
// runs) with XMLSOCKET_FAULT_LEDGER set: every case appends its figures there as one
// JSON line. The rows are built from those measured figures, so the numbers in
// bench/results.json are the ones the tests checked (the tests fail on any loss).
//  - fault campaign: messages lost (sum over every case; target 0) and delivered;
//  - 10,000 concurrent connections: bridge RSS per connection, CPU per echo, p99.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printTable, ROOT, row, saveRows } from './lib/common.mjs';

const dir = mkdtempSync(join(tmpdir(), 'xmlsocket-faults-'));
const ledger = join(dir, 'ledger.jsonl');
const files = ['test/faults', 'test/stress'].flatMap((d) =>
  readdirSync(join(ROOT, d))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(d, f)),
);
const code = await new Promise((resolve) => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=dot', ...files], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, XMLSOCKET_FAULT_LEDGER: ledger },
  });
  child.on('exit', (c) => resolve(c ?? 1));
});
let cases = [];
try {
  cases = readFileSync(ledger, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
} catch {
  // No case reported: the rows below say so (null figures, target missed).
}
rmSync(dir, { recursive: true, force: true });

// The 10,000-connection case is part of the campaign (issue 10, item 3) and counts too.
const faults = cases;
const stress = cases.find((c) => /concurrent connections$/.test(c.case));
const lost = faults.length ? faults.reduce((n, c) => n + c.lost, 0) : null;
const delivered = faults.reduce((n, c) => n + c.delivered, 0);
const rows = [
  row({
    name: `fault campaign: messages lost (${faults.length} cases${code === 0 ? '' : ', TESTS FAILED'})`,
    unit: 'msgs',
    ours: code === 0 ? lost : null,
    maxOurs: 0,
    note: `${delivered} messages delivered across the cases, listed above`,
  }),
  row({
    name: 'connections held at 10,000: bridge RSS per connection',
    unit: 'KiB',
    ours: stress?.rssPerConnKiB ?? null,
    maxOurs: 16,
    note: stress
      ? `${stress.bridges} bridge processes, RSS above their idle baseline / 10,000; messages lost ${stress.lost} of ${stress.delivered + stress.lost}`
      : 'stress case did not report',
  }),
  row({ name: '10,000 conns echoing (2,000 echoes/s): p99 echo latency', unit: 'ms', ours: stress?.p99ms ?? null }),
  row({
    name: '10,000 conns echoing (2,000 echoes/s): bridge CPU per echo',
    unit: 'us',
    ours: stress?.bridgeCpuUsPerEcho ?? null,
  }),
];
console.log('\nfault cases (figures as measured by each test):');
for (const c of cases) {
  const { case: name, ...figures } = c;
  console.log(
    `  ${name}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v}`)
      .join(' ')}`,
  );
}
console.log('');
printTable(rows);
saveRows(rows);
process.exitCode = code;
