/**
 * Command-line flags and the `--config` JSON file, turned into {@link BridgeOptions}.
 *
 * One table describes every flag; parsing and `--help` both read it, so the help
 * cannot forget an option.
 */
import { readFileSync } from 'node:fs';
import { BridgeError } from '../errors.js';
import { DEFAULTS, OPTION_KEYS, type BridgeOptions, type Framing, type RouteTarget } from '../options.js';

interface FlagSpec {
  flag: string;
  /** Metavariable for flags that take a value; absent for switches. */
  arg?: string;
  repeat?: boolean;
  help: string;
  default: string;
}

/** Every flag, in `--help` order. */
export const FLAGS: readonly FlagSpec[] = [
  {
    flag: '--listen',
    arg: '[HOST:]PORT',
    help: 'address for HTTP and WebSocket',
    default: `${DEFAULTS.listen} (all interfaces)`,
  },
  { flag: '--target', arg: 'HOST:PORT', help: 'send every WebSocket path to this TCP server', default: 'none' },
  {
    flag: '--route',
    arg: '/PATH=HOST:PORT[,FRAMING]',
    repeat: true,
    help: 'send one path to one TCP server (FRAMING: stream|message)',
    default: 'none',
  },
  {
    flag: '--allow',
    arg: 'HOST:PORT',
    repeat: true,
    help: 'allow this pair through the path /HOST/PORT',
    default: 'none',
  },
  {
    flag: '--origin',
    arg: 'ORIGIN',
    repeat: true,
    help: 'allow pages from this exact origin (e.g. https://game.example)',
    default: 'any origin',
  },
  {
    flag: '--framing',
    arg: 'stream|message',
    help: 'default framing; clients asking for xmlsocket.message get message',
    default: DEFAULTS.framing,
  },
  {
    flag: '--max-message',
    arg: 'BYTES',
    help: 'largest message (client frame; unterminated TCP data in message mode)',
    default: `${DEFAULTS.maxMessage} (1 MiB)`,
  },
  {
    flag: '--connect-timeout',
    arg: 'SECONDS',
    help: 'wait this long for the TCP connection, then answer 504',
    default: String(DEFAULTS.connectTimeout),
  },
  {
    flag: '--max-connections',
    arg: 'N',
    help: 'open plus pending connections before answering 503',
    default: String(DEFAULTS.maxConnections),
  },
  {
    flag: '--max-per-ip',
    arg: 'N',
    help: 'connections per client address before answering 429',
    default: String(DEFAULTS.maxPerIp),
  },
  {
    flag: '--idle-timeout',
    arg: 'SECONDS',
    help: 'close pairs without traffic either way for this long (0 = off)',
    default: `${DEFAULTS.idleTimeout} (off)`,
  },
  {
    flag: '--ping-interval',
    arg: 'SECONDS',
    help: 'ping each client this often; one that misses a ping is cut (0 = off)',
    default: String(DEFAULTS.pingInterval),
  },
  {
    flag: '--headers-timeout',
    arg: 'SECONDS',
    help: 'cut clients that take longer to send the request headers',
    default: String(DEFAULTS.headersTimeout),
  },
  {
    flag: '--max-header-size',
    arg: 'BYTES',
    help: 'largest request head; bigger ones get 431',
    default: `${DEFAULTS.maxHeaderSize} (16 KiB)`,
  },
  {
    flag: '--high-water-mark',
    arg: 'BYTES',
    help: 'bytes queued towards a slow peer before pausing the other side',
    default: `${DEFAULTS.highWaterMark} (256 KiB)`,
  },
  {
    flag: '--shutdown-timeout',
    arg: 'SECONDS',
    help: 'on SIGTERM/SIGINT, wait this long for close handshakes',
    default: String(DEFAULTS.shutdownTimeout),
  },
  { flag: '--static', arg: 'DIR', help: 'serve the files in DIR over HTTP on the same port', default: 'none' },
  { flag: '--cert', arg: 'FILE', help: 'PEM certificate; with --key, serve HTTPS and wss', default: 'none' },
  { flag: '--key', arg: 'FILE', help: 'PEM private key for --cert', default: 'none' },
  {
    flag: '--proxy-protocol',
    help: 'each connection starts with a PROXY v1/v2 header naming the client (load balancer in TCP mode)',
    default: 'off',
  },
  {
    flag: '--workers',
    arg: 'N|auto',
    help: 'run N processes sharing the port (auto: one per CPU core); 1 = no cluster',
    default: '1',
  },
  {
    flag: '--trust-proxy',
    help: 'take the client address from X-Forwarded-For (behind a reverse proxy)',
    default: 'off',
  },
  {
    flag: '--config',
    arg: 'FILE',
    help: 'JSON file with the same options in camelCase; flags override it',
    default: 'none',
  },
  { flag: '--quiet', help: 'log warnings and errors only', default: 'off' },
  { flag: '--verbose', help: 'also log each connection as it opens', default: 'off' },
  { flag: '--help', help: 'print this help and exit', default: '' },
  { flag: '--version', help: 'print the package version and exit', default: '' },
];

/** The `--help` text. */
export function helpText(): string {
  const rows = FLAGS.map((f) => [
    `${f.flag}${f.arg ? ` ${f.arg}` : ''}`,
    `${f.help}${f.repeat ? ' (repeatable)' : ''}${f.default ? ` [default: ${f.default}]` : ''}`,
  ]);
  const width = Math.max(...rows.map(([left]) => left!.length)) + 2;
  return [
    'Usage: xmlsocket-bridge [options]',
    '',
    'Bridges browser WebSockets to unchanged TCP XMLSocket servers. Only the targets you',
    'list with --target, --route or --allow can be reached.',
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left!.padEnd(width)}${right}`),
    '',
    'Examples:',
    '  xmlsocket-bridge --listen 8080 --target 127.0.0.1:5000 --origin https://game.example',
    '  xmlsocket-bridge --allow game1.internal:9000 --allow game2.internal:9000 --static ./public',
    '',
    'Exit codes: 0 after a clean shutdown, 2 for a usage or configuration error.',
    '',
  ].join('\n');
}

/**
 * Keys only the command (and its `--config` file) knows: they shape the process
 * around the bridge, so `createBridge()` does not take them.
 */
export interface CommandOptions {
  /** `--workers N|auto`: how many processes share the listening socket. Default 1 (no cluster). */
  workers?: number | string;
}

const COMMAND_KEYS: readonly (keyof CommandOptions)[] = ['workers'];

/** What the command line asks for. */
export type ParsedArgs =
  { kind: 'help' } | { kind: 'version' } | { kind: 'run'; options: BridgeOptions; command: CommandOptions };

const camel = (flag: string) => flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function usage(message: string): BridgeError {
  return new BridgeError('ERR_BRIDGE_INVALID_OPTION', message);
}

/** Parses `--route /PATH=HOST:PORT[,FRAMING]`. */
function parseRouteFlag(value: string): [string, string | RouteTarget] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw usage(`--route must be /PATH=HOST:PORT[,FRAMING], got ${JSON.stringify(value)}`);
  const path = value.slice(0, eq);
  const [target, framing, ...rest] = value.slice(eq + 1).split(',');
  if (rest.length > 0 || !target)
    throw usage(`--route must be /PATH=HOST:PORT[,FRAMING], got ${JSON.stringify(value)}`);
  return [path, framing === undefined ? target : { target, framing: framing as Framing }];
}

/**
 * Parses command-line arguments (without `node` and the script), reading `--config`
 * first and letting flags override its keys.
 *
 * @throws {BridgeError} `ERR_BRIDGE_UNKNOWN_OPTION`, `ERR_BRIDGE_INVALID_OPTION`,
 *   `ERR_BRIDGE_CONFIG_UNREADABLE`, `ERR_BRIDGE_CONFIG_INVALID`.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags: BridgeOptions = {};
  const lists = { routes: {} as Record<string, string | RouteTarget>, allow: [] as string[], origins: [] as string[] };
  const seen = new Set<string>();
  const command: CommandOptions = {};
  let configFile: string | undefined;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--'))
      throw new BridgeError(
        'ERR_BRIDGE_UNKNOWN_OPTION',
        `unexpected argument ${JSON.stringify(arg)} (options start with --)`,
      );
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const spec = FLAGS.find((f) => f.flag === name);
    if (!spec) throw new BridgeError('ERR_BRIDGE_UNKNOWN_OPTION', `unknown option ${name} (see --help)`);
    if (name === '--help') return { kind: 'help' };
    if (name === '--version') return { kind: 'version' };
    if (seen.has(name) && !spec.repeat) throw usage(`${name} given more than once`);
    seen.add(name);

    if (!spec.arg) {
      if (eq >= 0) throw usage(`${name} takes no value`);
      (flags as Record<string, unknown>)[camel(name)] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2))
        throw usage(`${name} needs a value: ${name} ${spec.arg}`);
      value = next;
      i += 1;
    }
    switch (name) {
      case '--config':
        configFile = value;
        break;
      case '--route': {
        const [path, target] = parseRouteFlag(value);
        if (path in lists.routes) throw usage(`--route ${path} given more than once`);
        lists.routes[path] = target;
        break;
      }
      case '--allow':
        lists.allow.push(value);
        break;
      case '--origin':
        lists.origins.push(value);
        break;
      case '--workers':
        command.workers = value;
        break;
      default:
        (flags as Record<string, unknown>)[camel(name)] = value;
    }
  }
  if (seen.has('--route')) flags.routes = lists.routes;
  if (seen.has('--allow')) flags.allow = lists.allow;
  if (seen.has('--origin')) flags.origins = lists.origins;

  const { workers, ...fromFile } = configFile === undefined ? {} : readConfigFile(configFile);
  return {
    kind: 'run',
    options: { ...fromFile, ...flags },
    command: { ...(workers === undefined ? {} : { workers }), ...command },
  };
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
    throw new BridgeError(
      'ERR_BRIDGE_CONFIG_UNREADABLE',
      `cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
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
    if (key === 'log' || !([...OPTION_KEYS, ...COMMAND_KEYS] as readonly string[]).includes(key)) {
      throw new BridgeError('ERR_BRIDGE_UNKNOWN_OPTION', `unknown option "${key}" in config file ${file}`);
    }
  }
  return data;
}
