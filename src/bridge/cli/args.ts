/**
 * The command line and the `--config` JSON file, turned into {@link BridgeOptions}.
 *
 * The flags are the bridge's options table (options.ts) plus the few the command adds
 * ({@link COMMAND_OPTIONS}); `node:util` `parseArgs` splits the arguments, and
 * `--help` is printed from the same two tables.
 */
import { readFileSync } from 'node:fs';
import { parseArgs as splitArgs } from 'node:util';
import { BridgeError } from '../errors.js';
import {
  defaultTextOf,
  flagOf,
  isOptionKey,
  OPTIONS,
  type BridgeOptions,
  type OptionKey,
  type OptionSpec,
} from '../options.js';

/** What the command adds to the bridge's options: they shape the process, not the bridge. */
export const COMMAND_OPTIONS = {
  /**
   * Runs N processes on `node:cluster` sharing the listening socket (`auto`: one per core);
   * dead workers are replaced, SIGTERM drains them all, `/metrics` and `/healthz` add up
   * the fleet. Limits apply per worker. Command and config file only.
   */
  workers: {
    flag: '--workers',
    arg: 'N|auto',
    help: 'run N processes sharing the port (auto: one per CPU core); 1 = no cluster',
    defaultText: '1 (one process, no cluster)',
    inConfigFile: true,
  },
  /** A JSON file with the options above in camelCase; flags given on the command line override it. */
  config: {
    flag: '--config',
    arg: 'FILE',
    help: 'JSON file with the same options in camelCase; flags override it',
    defaultText: 'none',
    inConfigFile: false,
  },
  /**
   * Prints Ruffle's `socketProxy` list for the targets, routes and allowed pairs given (the
   * same list the bridge serves at `/socket-proxy.json`), with `--public-url`, and exits.
   */
  printRuffleConfig: {
    flag: '--print-ruffle-config',
    help: "print Ruffle's socketProxy for what the bridge serves (needs --public-url) and exit",
    defaultText: '',
    inConfigFile: false,
  },
  /** Lists every option with its default. */
  help: { flag: '--help', short: 'h', help: 'print this help and exit', defaultText: '', inConfigFile: false },
  /** Prints the package version (from the installed `package.json`) and exits. */
  version: {
    flag: '--version',
    short: 'V',
    help: 'print the package version and exit',
    defaultText: '',
    inConfigFile: false,
  },
} as const satisfies Record<
  string,
  { flag: `--${string}`; arg?: string; short?: string; help: string; defaultText: string; inConfigFile: boolean }
>;

/** Keys only the command and its `--config` file know. */
export interface CommandOptions {
  /** `--workers N|auto`: how many processes share the listening socket. Default 1 (no cluster). */
  workers?: number | string;
}

/** What the command line asks for. */
export type ParsedArgs =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; options: BridgeOptions; command: CommandOptions }
  | { kind: 'ruffle-config'; options: BridgeOptions };

/** One flag the command accepts: an option of the bridge or of the command. */
interface Flag {
  flag: `--${string}`;
  arg: string | undefined;
  repeat: boolean;
  short: string | undefined;
  help: string;
  defaultText: string;
  /** The bridge option it sets, if it sets one. */
  option: OptionKey | undefined;
}

/** Every flag, in `--help` order: the bridge's options, then the command's. */
export const FLAGS: readonly Flag[] = [
  ...(Object.keys(OPTIONS) as OptionKey[]).flatMap((key): Flag[] => {
    const flag = flagOf(key);
    const spec: OptionSpec<unknown, unknown> = OPTIONS[key];
    if (flag === undefined) return [];
    const { arg, repeat = false, help } = spec;
    return [{ flag, arg, repeat, short: undefined, help, defaultText: defaultTextOf(key), option: key }];
  }),
  ...Object.values(COMMAND_OPTIONS).map((c): Flag => {
    const { flag, help, defaultText } = c;
    const arg = 'arg' in c ? c.arg : undefined;
    const short = 'short' in c ? c.short : undefined;
    return { flag, arg, repeat: false, short, help, defaultText, option: undefined };
  }),
];

/** The `--help` text. */
export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const left = `${f.short ? `-${f.short}, ` : ''}${f.flag}${f.arg ? ` ${f.arg}` : ''}`;
    const right = `${f.help}${f.repeat ? ' (repeatable)' : ''}${f.defaultText ? ` [default: ${f.defaultText}]` : ''}`;
    return [left, right] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    'Usage: xmlsocket-bridge [options]',
    '',
    'Bridges browser WebSockets to unchanged TCP XMLSocket servers. Only the targets you',
    'list with --target, --route or --allow can be reached.',
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    '',
    'Examples:',
    '  xmlsocket-bridge --listen 8080 --target 127.0.0.1:5000 --origin https://game.example',
    '  xmlsocket-bridge --allow game1.internal:9000 --allow game2.internal:9000 --static ./public',
    '',
    'Signals: SIGTERM or SIGINT drains (1001 to every client) and exits; SIGHUP reads',
    '--cert and --key again. Run this command itself under a supervisor, not npx, which',
    'does not pass SIGTERM on.',
    '',
    'Exit codes: 0 after a clean shutdown, 2 for a usage or configuration error.',
    '',
  ].join('\n');
}

function usage(message: string): BridgeError {
  return new BridgeError('ERR_BRIDGE_INVALID_OPTION', message);
}

/**
 * Parses command-line arguments (without `node` and the script), reading `--config`
 * first and letting flags override its keys.
 *
 * @throws {BridgeError} `ERR_BRIDGE_UNKNOWN_OPTION`, `ERR_BRIDGE_INVALID_OPTION`,
 *   `ERR_BRIDGE_CONFIG_UNREADABLE`, `ERR_BRIDGE_CONFIG_INVALID`.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const byName = new Map(FLAGS.map((f) => [f.flag.slice(2), f]));
  // Not strict: parseArgs' own errors do not say which flag they are about, so the
  // checks below read its tokens and say it themselves.
  const { tokens } = splitArgs({
    args: [...argv],
    options: Object.fromEntries(
      FLAGS.map((f) => [
        f.flag.slice(2),
        { type: f.arg ? 'string' : 'boolean', ...(f.short ? { short: f.short } : {}) },
      ]),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  const values = new Map<Flag, string[]>();
  for (const token of tokens) {
    if (token.kind === 'positional') {
      throw new BridgeError(
        'ERR_BRIDGE_UNKNOWN_OPTION',
        `unexpected argument ${JSON.stringify(token.value)} (options start with --)`,
      );
    }
    if (token.kind !== 'option') continue;
    const flag = byName.get(token.name);
    if (!flag) throw unknownFlag(token.rawName);
    if (flag.flag === '--help') return { kind: 'help' };
    if (flag.flag === '--version') return { kind: 'version' };
    // `--target --quiet` is a forgotten value, not a target named "--quiet".
    const forgotten = token.inlineValue === false && /^--./.test(token.value ?? '');
    if (flag.arg && (token.value === undefined || forgotten)) {
      throw usage(`${flag.flag} needs a value: ${flag.flag} ${flag.arg}`);
    }
    if (!flag.arg && token.inlineValue) throw usage(`${flag.flag} takes no value`);
    const list = values.get(flag) ?? [];
    if (list.length > 0 && !flag.repeat) throw usage(`${flag.flag} given more than once`);
    values.set(flag, [...list, token.value ?? 'true']);
  }

  const options: Record<string, unknown> = {};
  const command: CommandOptions = {};
  let configFile: string | undefined;
  let printRuffleConfig = false;
  for (const [flag, given] of values) {
    const first = given[0]!;
    if (flag.option) {
      const spec: OptionSpec<unknown, unknown> = OPTIONS[flag.option];
      options[flag.option] = spec.fromFlags ? spec.fromFlags(given) : spec.arg ? first : true;
    } else if (flag.flag === '--workers') {
      command.workers = first;
    } else if (flag.flag === '--config') {
      configFile = first;
    } else if (flag.flag === '--print-ruffle-config') {
      printRuffleConfig = true;
    }
  }

  const { workers, ...fromFile } = configFile === undefined ? {} : readConfigFile(configFile);
  if (printRuffleConfig) return { kind: 'ruffle-config', options: { ...fromFile, ...options } };
  return {
    kind: 'run',
    options: { ...fromFile, ...options },
    command: { ...(workers === undefined ? {} : { workers }), ...command },
  };
}

/** An unknown flag, with the closest real one when it looks like a typo of it. */
function unknownFlag(name: string): BridgeError {
  const near = FLAGS.map((f) => f.flag)
    .map((flag) => ({ flag, distance: editDistance(name, flag) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = near && near.distance <= Math.max(2, Math.floor(name.length / 4)) ? `; did you mean ${near.flag}?` : '';
  return new BridgeError('ERR_BRIDGE_UNKNOWN_OPTION', `unknown option ${name}${hint} (see --help)`);
}

/** Levenshtein distance: the fewest one-character edits from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/**
 * Reads a JSON config file: an object with the camelCase option names.
 *
 * @throws {BridgeError} `ERR_BRIDGE_CONFIG_UNREADABLE`, `ERR_BRIDGE_CONFIG_INVALID`, `ERR_BRIDGE_UNKNOWN_OPTION`.
 */
export function readConfigFile(file: string): BridgeOptions & CommandOptions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new BridgeError('ERR_BRIDGE_CONFIG_UNREADABLE', `cannot read config file ${file}: ${reason}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new BridgeError(
      'ERR_BRIDGE_CONFIG_INVALID',
      `config file ${file} is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new BridgeError('ERR_BRIDGE_CONFIG_INVALID', `config file ${file} must contain a JSON object`);
  }
  for (const key of Object.keys(data)) {
    if (!isConfigFileKey(key)) {
      throw new BridgeError('ERR_BRIDGE_UNKNOWN_OPTION', `unknown option "${key}" in config file ${file}`);
    }
  }
  return data;
}

/** The keys a config file may hold: every option that has a flag, and the command's own. */
export function isConfigFileKey(key: string): boolean {
  if (isOptionKey(key)) return flagOf(key) !== undefined;
  return Object.hasOwn(COMMAND_OPTIONS, key) && COMMAND_OPTIONS[key as keyof typeof COMMAND_OPTIONS].inConfigFile;
}
