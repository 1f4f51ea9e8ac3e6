// Option validation and command-line parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { COMMAND_OPTIONS, FLAGS, helpText, isConfigFileKey, parseArgs } from '../../src/bridge/cli/args.js';
import { createBridge } from '../../src/bridge.js';
import {
  DEFAULTS,
  defaultTextOf,
  flagOf,
  OPTIONS,
  resolveOptions,
  type BridgeOptions,
  type OptionKey,
} from '../../src/bridge/options.js';
import { BRIDGE_DOC, TABLES, tableInDoc } from '../../scripts/bridge-tables.js';

test('defaults are the documented ones', () => {
  const c = resolveOptions({ target: '127.0.0.1:5000' });
  assert.deepEqual(c.listen, { host: undefined, port: 8080 });
  assert.equal(c.framing, 'stream');
  assert.equal(c.maxMessage, 1048576);
  assert.equal(c.connectTimeout, 10_000);
  assert.equal(c.maxConnections, 10000);
  assert.equal(c.maxPerIp, 256);
  assert.equal(c.idleTimeout, 0);
  assert.equal(c.pingInterval, 30_000);
  assert.equal(c.headersTimeout, 10_000);
  assert.equal(c.maxHeaderSize, 16384);
  assert.equal(c.origins.size, 0);
  assert.equal(c.trustProxy, false);
  assert.equal(DEFAULTS.maxMessage, 1048576);
});

test('invalid values and unknown keys throw with stable codes', () => {
  const bad: [BridgeOptions, string][] = [
    [{}, 'ERR_BRIDGE_NO_TARGET'],
    [{ target: '127.0.0.1' }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', framing: 'xml' as never }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', maxMessage: 0 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', maxPerIp: 1.5 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', connectTimeout: 0 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', idleTimeout: -1 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', idleTimeout: 1e10 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', pingInterval: -1 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', pingInterval: 'often' }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', pingInterval: 1e10 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', headersTimeout: 0 }, 'ERR_BRIDGE_INVALID_OPTION'],
    // Under 1 ms rounds to 0, which Node's timers read as "never".
    [{ target: '127.0.0.1:5000', headersTimeout: 0.0001 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', idleTimeout: '0.0004' }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', connectTimeout: 0.0009 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', maxHeaderSize: 0 }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', listen: 'nope' }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', origins: ['https://a.example/'] }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', origins: ['*'] }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ routes: { chat: '127.0.0.1:5000' } }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ routes: { '/a/../b': '127.0.0.1:5000' } }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ routes: { '/a%20b': '127.0.0.1:5000' } }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ routes: { '/a': { target: '127.0.0.1:5000', extra: 1 } as never } }, 'ERR_BRIDGE_UNKNOWN_OPTION'],
    [{ allow: ['*:*'] }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', quiet: 'yes' as never }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '127.0.0.1:5000', maxMesage: 5 } as never, 'ERR_BRIDGE_UNKNOWN_OPTION'],
    [{ target: '127.0.0.1:5000', toString: 'x' } as never, 'ERR_BRIDGE_UNKNOWN_OPTION'],
    [{ target: '127.0.0.1:5000', workers: 2 } as never, 'ERR_BRIDGE_UNKNOWN_OPTION'],
    // "Any address" is no target: connecting to it reaches this host by a name nobody lists.
    [{ allow: ['0.0.0.0:5000'] }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ target: '[::]:5000' }, 'ERR_BRIDGE_INVALID_OPTION'],
    [{ routes: { '/a': '0:5000' } }, 'ERR_BRIDGE_INVALID_OPTION'],
    // A client's own X-Forwarded-For must not replace the balancer's PROXY address.
    [{ target: '127.0.0.1:5000', proxyProtocol: true, trustProxy: true }, 'ERR_BRIDGE_INVALID_OPTION'],
  ];
  for (const [options, code] of bad) assert.throws(() => resolveOptions(options), { code }, JSON.stringify(options));
});

test('sizes and seconds accept the documented spellings', () => {
  assert.equal(resolveOptions({ target: 'a:1', maxMessage: '64k' }).maxMessage, 65536);
  assert.equal(resolveOptions({ target: 'a:1', maxMessage: '2MiB' }).maxMessage, 2 * 1048576);
  assert.equal(resolveOptions({ target: 'a:1', idleTimeout: '0.5' }).idleTimeout, 500);
  assert.equal(resolveOptions({ target: 'a:1', connectTimeout: 3 }).connectTimeout, 3000);
  assert.equal(resolveOptions({ target: 'a:1', pingInterval: '0' }).pingInterval, 0);
  assert.equal(resolveOptions({ target: 'a:1', pingInterval: '2.5' }).pingInterval, 2500);
  assert.equal(resolveOptions({ target: 'a:1', maxHeaderSize: '8k' }).maxHeaderSize, 8192);
  assert.equal(resolveOptions({ target: 'a:1', headersTimeout: 0.001 }).headersTimeout, 1);
});

test('flags map to camelCase options; repeatable flags collect', () => {
  const parsed = parseArgs([
    '--listen',
    '127.0.0.1:9000',
    '--route',
    '/chat=127.0.0.1:5000',
    '--route=/game=127.0.0.1:5001,message',
    '--allow',
    'a.internal:1',
    '--allow',
    'b.internal:2',
    '--origin',
    'https://game.example',
    '--max-message',
    '64k',
    '--max-per-ip',
    '3',
    '--idle-timeout',
    '30',
    '--trust-proxy',
    '--quiet',
  ]);
  assert.equal(parsed.kind, 'run');
  assert.deepEqual(parsed.kind === 'run' && parsed.options, {
    listen: '127.0.0.1:9000',
    routes: { '/chat': '127.0.0.1:5000', '/game': { target: '127.0.0.1:5001', framing: 'message' } },
    allow: ['a.internal:1', 'b.internal:2'],
    origins: ['https://game.example'],
    maxMessage: '64k',
    maxPerIp: '3',
    idleTimeout: '30',
    trustProxy: true,
    quiet: true,
  });
  assert.deepEqual(parseArgs(['--target', 'a:1', '--help']), { kind: 'help' });
});

test('command-line mistakes are reported with codes', () => {
  assert.throws(() => parseArgs(['--nope']), { code: 'ERR_BRIDGE_UNKNOWN_OPTION' });
  assert.throws(() => parseArgs(['target', 'a:1']), { code: 'ERR_BRIDGE_UNKNOWN_OPTION' });
  assert.throws(() => parseArgs(['--target']), { code: 'ERR_BRIDGE_INVALID_OPTION' });
  assert.throws(() => parseArgs(['--target', '--quiet']), { code: 'ERR_BRIDGE_INVALID_OPTION' });
  assert.throws(() => parseArgs(['--target', 'a:1', '--target', 'b:1']), { code: 'ERR_BRIDGE_INVALID_OPTION' });
  assert.throws(() => parseArgs(['--quiet=yes']), { code: 'ERR_BRIDGE_INVALID_OPTION' });
  assert.throws(() => parseArgs(['--route', 'chat']), { code: 'ERR_BRIDGE_INVALID_OPTION' });
  assert.throws(() => parseArgs(['--route', '/a=h:1', '--route', '/a=h:2']), { code: 'ERR_BRIDGE_INVALID_OPTION' });
});

test('short flags, and a near miss named with the flag it resembles', () => {
  assert.deepEqual(parseArgs(['-h']), { kind: 'help' });
  assert.deepEqual(parseArgs(['-V']), { kind: 'version' });
  assert.throws(() => parseArgs(['--max-conections', '5']), {
    code: 'ERR_BRIDGE_UNKNOWN_OPTION',
    message: /did you mean --max-connections\?/,
  });
  assert.throws(() => parseArgs(['--origins', 'https://a.example']), { message: /did you mean --origin\?/ });
  assert.throws(
    () => parseArgs(['--frobnicate']),
    (err: Error) => !/did you mean/.test(err.message),
  );
});

test('--help, the config-file keys, createBridge() and the docs table name the same options with the same defaults', async () => {
  const keys = Object.keys(OPTIONS) as OptionKey[];
  const help = helpText();
  const doc = readFileSync(BRIDGE_DOC, 'utf8');
  const docRows = tableInDoc(doc, 'options')!.split('\n').slice(2);
  // One row per option and per command flag, in table order, and nothing else.
  assert.equal(docRows.length, keys.length + Object.keys(COMMAND_OPTIONS).length);
  for (const [i, key] of keys.entries()) {
    const flag = flagOf(key);
    const row = docRows[i]!;
    assert.ok(row.includes(`| \`${key}\` |`), `docs row ${i} is ${key}: ${row}`);
    assert.ok(row.includes(defaultTextOf(key).replace(/^(\S+)/, '')), `docs default of ${key}: ${row}`);
    if (flag === undefined) {
      // createBridge() only: no flag, no config-file key.
      assert.ok(row.startsWith('| – |'), row);
      assert.equal(isConfigFileKey(key), false, key);
      continue;
    }
    assert.ok(row.startsWith(`| \`${flag}`), `docs flag of ${key}: ${row}`);
    const helpLine = help.split('\n').find((l) => new RegExp(`^  ${flag}\\b`).test(l));
    assert.ok(helpLine?.includes(`[default: ${defaultTextOf(key)}]`), `--help line of ${key}: ${helpLine}`);
    assert.ok(isConfigFileKey(key), `config file takes ${key}`);
  }
  for (const command of Object.values(COMMAND_OPTIONS)) {
    assert.ok(help.includes(command.flag), command.flag);
    assert.ok(
      docRows.some((r) => r.includes(command.flag)),
      command.flag,
    );
  }
  // createBridge() takes every option (here with its default) and nothing else.
  for (const key of keys) {
    const value = key in DEFAULTS ? DEFAULTS[key as keyof typeof DEFAULTS] : undefined;
    const bridge = createBridge({ target: '127.0.0.1:1', [key]: key === 'target' ? '127.0.0.1:1' : value });
    await bridge.close();
  }
  assert.throws(() => createBridge({ target: '127.0.0.1:1', ...({ workers: 2 } as object) }), {
    code: 'ERR_BRIDGE_UNKNOWN_OPTION',
  });
  assert.equal(isConfigFileKey('workers'), true);
  assert.equal(isConfigFileKey('config'), false);
  assert.equal(FLAGS.length, new Set(FLAGS.map((f) => f.flag)).size, 'no flag twice');
});

test('the tables in docs/bridge.md are the ones the sources generate (npm run docs:tables)', () => {
  const doc = readFileSync(BRIDGE_DOC, 'utf8');
  for (const [name, table] of Object.entries(TABLES)) assert.equal(tableInDoc(doc, name), table(), name);
});
