// The benchmark's options: every flag once, in one table (the help text derives from
// it), and the settings of each profile (--smoke, --quick, the default, --full).
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { ROOT } from '../test/servers/processes.js';

export const BENCHMARKS = ['size', 'latency', 'load', 'memory', 'receive'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];
export const ENGINES = ['chromium', 'firefox', 'webkit'] as const;
export type Engine = (typeof ENGINES)[number];

export interface Settings {
  profile: Profile;
  benchmarks: BenchmarkName[];
  /** Sequential echoes per target per round, in blocks that the targets take turns on. */
  latency: { rounds: number; count: number; block: number; warmup: number };
  /** Closed-loop echoes at each connection level, `reps` alternating runs per target. */
  load: { levels: number[]; reps: number; warmupS: number; windowS: number; workers: boolean };
  /** Idle connections held by our bridge, and by websockify (a process per connection). */
  memory: { idle: number; idleWebsockify: number };
  /** Fresh browser sessions per engine, paired runs per session, handler time per client per run. */
  receive: { engines: Engine[]; sessions: number; reps: number; minMs: number; control: boolean };
  /** Whether to compare the bundle with OpenFL's and Ruffle's npm packages (needs the npm registry). */
  size: { compare: boolean };
  /** Other builds of the bridge CLI, measured next to ours. */
  alsoCli: string[];
  /** Nice value for the measured processes and the load client, or null to leave them alone. */
  priority: number | null;
  json: string;
}

type Profile = 'smoke' | 'quick' | 'default' | 'full';
type ProfileSettings = Pick<Settings, 'latency' | 'load' | 'memory' | 'size'> & {
  receive: Omit<Settings['receive'], 'control'>;
};

const PROFILES: Record<Profile, ProfileSettings> = {
  // Seconds: every benchmark at its smallest, for test/bench/bench.test.ts.
  smoke: {
    latency: { rounds: 1, count: 100, block: 50, warmup: 20 },
    load: { levels: [4], reps: 1, warmupS: 0.2, windowS: 0.3, workers: false },
    memory: { idle: 20, idleWebsockify: 4 },
    receive: { engines: ['chromium'], sessions: 1, reps: 1, minMs: 20 },
    size: { compare: false },
  },
  quick: {
    latency: { rounds: 3, count: 1000, block: 250, warmup: 300 },
    load: { levels: [100], reps: 2, warmupS: 1, windowS: 2, workers: false },
    memory: { idle: 1000, idleWebsockify: 100 },
    receive: { engines: ['chromium'], sessions: 1, reps: 2, minMs: 150 },
    size: { compare: false },
  },
  default: {
    latency: { rounds: 9, count: 2000, block: 250, warmup: 300 },
    load: { levels: [100], reps: 5, warmupS: 1, windowS: 2.5, workers: false },
    // websockify forks a Python process per connection, about 3.5 MiB each: 500 of them,
    // not 5,000 (its cost is per process, so per connection it does not depend on the count).
    memory: { idle: 5000, idleWebsockify: 500 },
    receive: { engines: ['chromium'], sessions: 4, reps: 2, minMs: 300 },
    size: { compare: false },
  },
  full: {
    latency: { rounds: 9, count: 4000, block: 250, warmup: 300 },
    load: { levels: [1, 100, 1000], reps: 5, warmupS: 1, windowS: 3, workers: true },
    memory: { idle: 5000, idleWebsockify: 500 },
    receive: { engines: [...ENGINES], sessions: 9, reps: 3, minMs: 300 },
    size: { compare: true },
  },
};

/** Every flag, with its help line. */
const FLAGS = {
  quick: { type: 'boolean', help: 'fewer repetitions (about a minute), to try a change out' },
  full: {
    type: 'boolean',
    help: '1, 100 and 1,000 connections, --workers 2, all three engines with 9 fresh sessions each, OpenFL and Ruffle sizes (about 18 minutes)',
  },
  smoke: { type: 'boolean', help: 'every benchmark at its smallest (seconds): the bench test' },
  only: { type: 'string', help: `benchmarks to run, comma-separated: ${BENCHMARKS.join(', ')}` },
  engines: { type: 'string', help: `receive: engines, comma-separated: ${ENGINES.join(', ')}` },
  control: {
    type: 'boolean',
    help: 'receive: the minimal client against itself, to show what the method reads for no difference',
  },
  'also-cli': {
    type: 'string',
    multiple: true,
    help: 'PATH of another build of the bridge CLI, measured next to ours by latency and load (repeatable)',
  },
  priority: { type: 'string', help: 'nice value for the measured processes and the load client (default -10)' },
  'no-priority': { type: 'boolean', help: 'leave process priorities alone' },
  json: { type: 'string', help: 'where to write the result rows (default bench/results.json)' },
  help: { type: 'boolean', help: 'this text' },
} as const;

export function helpText(): string {
  const lines = Object.entries(FLAGS).map(
    ([name, flag]) => `  --${(name + (flag.type === 'string' ? ' VALUE' : '')).padEnd(18)} ${flag.help}`,
  );
  return `npm run bench [-- OPTIONS]\n\n${lines.join('\n')}\n`;
}

function list<T extends string>(flag: string, text: string, known: readonly T[]): T[] {
  const picked = text.split(',').filter(Boolean);
  for (const name of picked)
    if (!known.includes(name as T)) throw new Error(`--${flag}: unknown "${name}"; known: ${known.join(', ')}`);
  return picked as T[];
}

/** The settings for a command line; null for --help. */
export function settingsFrom(argv: readonly string[]): Settings | null {
  const { values } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false });
  if (values.help) return null;
  const profile: Profile = values.smoke ? 'smoke' : values.quick ? 'quick' : values.full ? 'full' : 'default';
  const chosen = PROFILES[profile];
  const priority = values['no-priority'] ? null : Number(values.priority ?? -10);
  if (priority !== null && !Number.isInteger(priority)) throw new Error('--priority: a whole number, -20 to 19');
  return {
    profile,
    benchmarks: values.only ? list('only', values.only, BENCHMARKS) : [...BENCHMARKS],
    latency: chosen.latency,
    load: chosen.load,
    memory: chosen.memory,
    receive: {
      ...chosen.receive,
      engines: values.engines ? list('engines', values.engines, ENGINES) : chosen.receive.engines,
      control: values.control ?? false,
    },
    size: chosen.size,
    alsoCli: values['also-cli'] ?? [],
    priority,
    json: values.json ?? join(ROOT, 'bench', 'results.json'),
  };
}
