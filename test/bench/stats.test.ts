// bench/stats.ts: the figures every benchmark row is made of.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, percentile, quantile, rangeOf, spreadOf } from '../../bench/stats.js';

test('median and quartiles interpolate between ranks; percentiles are figures that occurred', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
  assert.equal(quantile([10, 20], 0.75), 17.5);
  assert.ok(Number.isNaN(median([])));
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile([0.2, 0.1, 5], 99), 5);
  assert.deepEqual(rangeOf([5, 1, 3]), { min: 1, q1: 2, median: 3, q3: 4, max: 5 });
});

test('spreadOf takes the ratio run by run, "higher is better for us" either way', () => {
  // CPU per echo: lower is better, so the ratio is baseline / ours.
  const cpu = spreadOf([10, 20, 40], [40, 40, 40], { higherIsBetter: false });
  assert.deepEqual(cpu.ratio, { min: 1, q1: 1.5, median: 2, q3: 3, max: 4 });
  // The ratio of the medians would be 40 / 20 = 2 as well here, but not below:
  const runs = spreadOf([10, 30, 30], [20, 30, 90], { higherIsBetter: false });
  assert.equal(runs.ratio!.median, 2);
  assert.equal(runs.baseline!.median / runs.ours.median, 1);
  // Messages per second: higher is better, so the ratio is ours / baseline.
  assert.equal(spreadOf([300], [100], { higherIsBetter: true }).ratio!.median, 3);
});

test('spreadOf leaves out runs without a meaningful ratio, and the ratio without a run-by-run baseline', () => {
  // An added latency of zero or below (within the floor's noise) has no ratio.
  assert.deepEqual(spreadOf([0.1, 0.1], [-0.01, 0.2], { higherIsBetter: false }).ratio!.median, 2);
  assert.equal(spreadOf([1, 2], [1], { higherIsBetter: true }).ratio, undefined);
  assert.equal(spreadOf([1, 2], undefined, { higherIsBetter: true }).baseline, undefined);
});

test('spreadOf takes the difference run by run when asked, negative where ours is below', () => {
  const p50 = spreadOf([0.05, 0.06, 0.09], [0.06, 0.04, 0.05], { higherIsBetter: false, difference: true });
  assert.deepEqual(
    [p50.difference!.min, p50.difference!.median, p50.difference!.max].map((d) => Number(d.toFixed(6))),
    [-0.01, 0.02, 0.04],
  );
  assert.equal(spreadOf([1], [2], { higherIsBetter: false }).difference, undefined);
});
