// What the benchmarks report: result rows, their targets, the table printed at the end
// of a run (Markdown, the same table docs/performance.md shows), and the machine line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { median, spreadOf, type Range, type Spread } from './stats.js';

/** One line of bench/results.json. `ratio` is always "higher is better for us". */
export interface Row {
  name: string;
  unit: string;
  ours: number | null;
  baseline: number | null;
  baselineName: string | null;
  ratio: number | null;
  target: string | null;
  met: boolean | null;
  spread?: Spread;
  note?: string;
}

export interface RowInput {
  name: string;
  unit: string;
  ours: number | null;
  baseline?: number | null;
  baselineName?: string | null;
  /** Which way `ours` wins. */
  higherIsBetter: boolean;
  spread?: Spread;
  /** A target on the ratio. */
  minRatio?: number;
  /** A target for a lower-is-better row: ours at most this many times the baseline's (on the ratio). */
  maxTimesBaseline?: number;
  /** A target: ours at most this much above the baseline's, in `unit` (on the run-by-run difference). */
  maxAboveBaseline?: number;
  /** A target on our own figure (bytes, KiB per connection). */
  maxOurs?: number;
  note?: string;
}

/**
 * A result row. Where ours and the baseline were measured run by run, the ratio is the
 * median of the runs' ratios (`spread.ratio`), not the ratio of the two medians.
 */
export function row(input: RowInput): Row {
  const { name, unit, ours, baseline = null, baselineName = null, higherIsBetter, spread } = input;
  const ratio =
    spread?.ratio?.median ??
    (ours !== null && baseline !== null && ours > 0 && baseline > 0
      ? higherIsBetter
        ? ours / baseline
        : baseline / ours
      : null);
  let target: string | null = null;
  let met: boolean | null = null;
  if (input.minRatio !== undefined) {
    target = `ratio >= ${input.minRatio}`;
    met = ratio !== null && ratio >= input.minRatio;
  }
  if (input.maxTimesBaseline !== undefined) {
    target = `<= ${input.maxTimesBaseline}x baseline`;
    met = ratio !== null && 1 / ratio <= input.maxTimesBaseline;
  }
  if (input.maxAboveBaseline !== undefined) {
    target = `<= baseline + ${fmt(input.maxAboveBaseline)} ${unit}`;
    const above = spread?.difference?.median ?? (ours !== null && baseline !== null ? ours - baseline : null);
    met = above !== null && above <= input.maxAboveBaseline;
  }
  if (input.maxOurs !== undefined) {
    target = `<= ${fmt(input.maxOurs)} ${unit}`;
    met = ours !== null && ours <= input.maxOurs;
  }
  const result: Row = { name, unit, ours, baseline, baselineName, ratio, target, met };
  if (spread) result.spread = spread;
  if (input.note) result.note = input.note;
  return result;
}

/**
 * A row comparing run figures: run i of `ours` was measured next to run i of
 * `baseline`. Medians, with the spread and the ratio (and, for a `maxAboveBaseline`
 * target, the difference) taken run by run.
 */
export function compared(
  input: Omit<RowInput, 'ours' | 'baseline' | 'spread'> & { ours: readonly number[]; baseline?: readonly number[] },
): Row {
  const { ours, baseline, ...rest } = input;
  return row({
    ...rest,
    ours: median(ours),
    baseline: baseline?.length ? median(baseline) : null,
    baselineName: rest.baselineName ?? null,
    spread: spreadOf(ours, baseline, {
      higherIsBetter: rest.higherIsBetter,
      difference: rest.maxAboveBaseline !== undefined,
    }),
  });
}

/** A row for a benchmark that could not run: no figures, its target missed. */
export function failedRow(benchmark: string, error: unknown): Row {
  const reason = error instanceof Error ? error.message : String(error);
  return row({ name: `${benchmark}: failed`, unit: '-', ours: null, higherIsBetter: true, note: reason });
}

/** Numbers for people: 3 significant digits, thousands grouped. */
export function fmt(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

const ratioText = (r: number) => `${r.toFixed(2)}x`;
const rangeText = (r: Range | undefined) => (r ? `${fmt(r.min)}-${fmt(r.max)} (IQR ${fmt(r.q1)}-${fmt(r.q3)})` : '-');

/** The result table in Markdown, with each spread and note listed under it. */
export function table(rows: readonly Row[]): string {
  const header = ['benchmark', 'unit', 'ours', 'baseline', 'baseline is', 'ratio [range of runs]', 'target'];
  const cells = rows.map((r) => [
    r.name,
    r.unit,
    fmt(r.ours),
    fmt(r.baseline),
    r.baselineName ?? '-',
    r.ratio === null
      ? '-'
      : `${ratioText(r.ratio)}${r.spread?.ratio ? ` [${ratioText(r.spread.ratio.min)}-${ratioText(r.spread.ratio.max)}]` : ''}`,
    r.target === null ? '-' : `${r.target}: ${r.met ? 'met' : 'MISSED'}`,
  ]);
  const right = new Set([2, 3]);
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (right.has(i) ? '--:' : '---')).join('|')}|`,
    ...cells.map((c) => `| ${c.join(' | ')} |`),
  ];
  const details = rows.flatMap((r) => [
    ...(r.spread && r.spread.runs > 1
      ? [
          `- ${r.name}, ${r.spread.runs} runs: ours ${rangeText(r.spread.ours)}; baseline ${rangeText(r.spread.baseline)}; ratio per run ${rangeText(r.spread.ratio)}${r.spread.difference ? `; ours minus baseline per run ${rangeText(r.spread.difference)}, median ${fmt(r.spread.difference.median)}` : ''}`,
        ]
      : []),
    ...(r.note ? [`- ${r.name}: ${r.note}`] : []),
  ]);
  return [...lines, ...(details.length ? ['', ...details] : [])].join('\n');
}

function versionOf(command: string, args: string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** One line naming the machine and the software measured: figures only compare on the same line. */
export function machineLine(browsers: readonly string[]): string {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
  const parts = [
    `${cpus().length} cores${model ? ` (${model})` : ''}`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Linux ${release()}`,
    `Node ${process.version}`,
    ...browsers,
    `websockify ${versionOf('dpkg-query', ['-W', '-f=${Version}', 'websockify']) ?? 'not installed'}`,
    `HAProxy ${versionOf('dpkg-query', ['-W', '-f=${Version}', 'haproxy']) ?? 'not installed'}`,
    `load average ${loadavg()[0]!.toFixed(1)}`,
  ];
  return parts.join(', ');
}

/** `NAME --version` of a browser binary, or null where it is not installed. */
export function browserVersion(binary: string | undefined): string | null {
  return binary ? (versionOf(binary, ['--version'])?.replace(/ built on .*/, '') ?? null) : null;
}
