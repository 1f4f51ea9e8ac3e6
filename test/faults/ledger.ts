// Every fault case reports its figures here, printed as a test diagnostic line and on
// the console, so a run of the faults and stress suites lists every case's figures.
import type { TestContext } from 'node:test';

/** One fault case's outcome. `lost` counts messages that neither arrived nor were followed by a documented close code. */
export interface FaultFigures {
  case: string;
  delivered: number;
  lost: number;
  [figure: string]: string | number;
}

export function report(t: TestContext, figures: FaultFigures): void {
  const line = Object.entries(figures)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v}`)
    .join(' ');
  t.diagnostic(line);
  console.log(`# fault: ${line}`);
}

/** `n` numbered XML messages, `<m i="7" p="…"/>`, with multi-byte characters in them. */
export function numbered(n: number, pad = 0): string[] {
  return Array.from({ length: n }, (_, i) => `<m i="${i}" p="é€😀${'x'.repeat(pad)}"/>`);
}

/** Splits NUL-terminated bytes into messages (the tail without a NUL is returned apart). */
export function splitNul(bytes: Buffer): { messages: string[]; tail: Buffer } {
  const messages: string[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0); i !== -1; i = bytes.indexOf(0, start)) {
    messages.push(bytes.subarray(start, i).toString('utf8'));
    start = i + 1;
  }
  return { messages, tail: bytes.subarray(start) };
}

/** How many of `got` are an exact in-order prefix of `sent`; throws on a gap, duplicate or corruption. */
export function assertPrefix(got: readonly string[], sent: readonly string[], what: string): number {
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== sent[i])
      throw new Error(
        `${what}: message ${i} is ${JSON.stringify(got[i]?.slice(0, 40))}, expected ${JSON.stringify(sent[i]?.slice(0, 40))} (loss, duplicate, reorder or corruption)`,
      );
  }
  return got.length;
}

/** The bridge's documented WebSocket close codes (docs/reliability.md). 1006 = no close frame (the connection was cut). */
export const DOCUMENTED_CLOSE_CODES = new Set([1000, 1001, 1002, 1006, 1007, 1009, 1011]);
