// bench/report.ts: result rows, their targets and the printed table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compared, fmt, row, table } from '../../bench/report.js';

test('a row states its ratio as "higher is better for us" and checks its target', () => {
  const cpu = row({
    name: 'cpu',
    unit: 'µs',
    ours: 50,
    baseline: 250,
    baselineName: 'websockify',
    higherIsBetter: false,
    minRatio: 4,
  });
  assert.equal(cpu.ratio, 5);
  assert.deepEqual([cpu.target, cpu.met], ['ratio >= 4', true]);
  const slower = row({
    name: 'echoes',
    unit: 'echoes/s',
    ours: 100,
    baseline: 100,
    higherIsBetter: true,
    minRatio: 1.5,
  });
  assert.deepEqual([slower.ratio, slower.met], [1, false]);
  const memory = row({ name: 'memory', unit: 'KiB', ours: 17, higherIsBetter: false, maxOurs: 16 });
  assert.deepEqual([memory.ratio, memory.target, memory.met], [null, '<= 16.0 KiB', false]);
});

test("compared() reports medians, and the median of the runs' ratios as the ratio", () => {
  const r = compared({
    name: 'cpu',
    unit: 'µs',
    higherIsBetter: false,
    ours: [10, 30, 30],
    baseline: [20, 30, 90],
    baselineName: 'websockify',
    minRatio: 1.5,
  });
  assert.deepEqual([r.ours, r.baseline, r.ratio, r.met], [30, 30, 2, true]);
  assert.equal(r.spread!.runs, 3);
  // A baseline that could not run (websockify not installed) leaves its columns empty.
  const alone = compared({ name: 'cpu', unit: 'µs', higherIsBetter: false, ours: [1, 2], baselineName: 'websockify' });
  assert.deepEqual([alone.baseline, alone.ratio, alone.baselineName], [null, null, 'websockify']);
});

test('targets relative to the baseline: a multiple of it, or a margin over it, taken run by run', () => {
  // CPU per echo at most 1.3x the baseline's: checked on the median of the runs' ratios.
  const cpu = (ours: number[]) =>
    compared({
      name: 'cpu',
      unit: 'µs',
      higherIsBetter: false,
      ours,
      baseline: [20, 20, 20],
      baselineName: 'relay',
      maxTimesBaseline: 1.3,
    });
  assert.deepEqual([cpu([25, 25, 40]).target, cpu([25, 25, 40]).met], ['<= 1.3x baseline', true]);
  assert.equal(cpu([27, 28, 20]).met, false);
  // p50 at most 0.03 ms above the baseline's: checked on the median of the runs'
  // differences (0.02), not on the difference of the medians (0.10 - 0.03).
  const p50 = (baseline?: number[]) =>
    compared({
      name: 'p50',
      unit: 'ms',
      higherIsBetter: false,
      ours: [0.04, 0.1, 0.12],
      baseline,
      baselineName: 'relay',
      maxAboveBaseline: 0.03,
    });
  const paired = p50([0.02, 0.03, 0.1]);
  assert.deepEqual([paired.target, paired.met], ['<= baseline + 0.0300 ms', true]);
  assert.equal(Number(paired.spread!.difference!.median.toFixed(6)), 0.02);
  assert.match(table([paired]), /ours minus baseline per run 0\.0200-0\.0700 .*, median 0\.0200/);
  // Without the baseline (HAProxy not installed) there is nothing to meet.
  assert.deepEqual([p50().baseline, p50().met], [null, false]);
});

test('the table is Markdown with one line per row, its spreads and notes under it', () => {
  const rows = [
    compared({
      name: 'cpu',
      unit: 'µs',
      higherIsBetter: false,
      ours: [10, 20],
      baseline: [40, 40],
      baselineName: 'b',
      minRatio: 4,
    }),
    row({ name: 'size', unit: 'B', ours: 3183, higherIsBetter: false, maxOurs: 3200, note: 'gzip -9' }),
  ];
  const lines = table(rows).split('\n');
  assert.equal(lines[0], '| benchmark | unit | ours | baseline | baseline is | ratio [range of runs] | target |');
  assert.equal(lines[2], '| cpu | µs | 15.0 | 40.0 | b | 3.00x [2.00x-4.00x] | ratio >= 4: MISSED |');
  assert.equal(lines[3], '| size | B | 3,183 | - | - | - | <= 3,200 B: met |');
  assert.match(lines[5]!, /^- cpu, 2 runs: ours 10\.0-20\.0/);
  assert.equal(lines[6], '- size: gzip -9');
  assert.deepEqual([fmt(0.01234), fmt(1234.5), fmt(null)], ['0.0123', '1,235', '-']);
});
