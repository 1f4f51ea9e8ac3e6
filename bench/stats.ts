// The statistics every benchmark reports: medians, quartiles and percentiles of run
// figures, and the spread of a comparison, with its ratio taken run by run.

/** min, quartiles and max of a list of figures. */
export interface Range {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

/**
 * A comparison over its runs: our figures, the baseline's, and the ratio of each run
 * (always "higher is better for us"), when the two were measured run by run; and, when
 * asked for, the difference of each run (ours minus the baseline's).
 */
export interface Spread {
  runs: number;
  ours: Range;
  baseline?: Range;
  ratio?: Range;
  difference?: Range;
}

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);

/** Linear interpolation between the closest ranks, q in 0..1 (the median is q = 0.5). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = sorted(values);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** Nearest-rank percentile, p in 0..100: a latency that some echo actually took. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function rangeOf(values: readonly number[]): Range {
  return {
    min: Math.min(...values),
    q1: quantile(values, 0.25),
    median: median(values),
    q3: quantile(values, 0.75),
    max: Math.max(...values),
  };
}

/**
 * The spread of our figures and the baseline's over the same runs. Run i of ours was
 * measured next to run i of the baseline, so the ratio is taken within each run: a
 * run's speed moves more than the ratio within it does.
 */
export function spreadOf(
  ours: readonly number[],
  baseline: readonly number[] = [],
  { higherIsBetter, difference = false }: { higherIsBetter: boolean; difference?: boolean },
): Spread {
  const spread: Spread = { runs: ours.length, ours: rangeOf(ours) };
  if (baseline.length > 0) {
    spread.baseline = rangeOf(baseline);
    if (baseline.length === ours.length) {
      const ratios = ours
        .map((o, i) => (higherIsBetter ? o / baseline[i]! : baseline[i]! / o))
        // A run where either figure is zero or below (an added latency within the floor's noise) has no ratio.
        .filter((r, i) => Number.isFinite(r) && r > 0 && ours[i]! > 0);
      if (ratios.length > 0) spread.ratio = rangeOf(ratios);
      if (difference) spread.difference = rangeOf(ours.map((o, i) => o - baseline[i]!));
    }
  }
  return spread;
}
