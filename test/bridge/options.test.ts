// Option validation and command-line parsing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FLAGS, helpText, parseArgs } from '../../src/bridge/cli/args.js';
import { DEFAULTS, OPTION_KEYS, resolveOptions, type BridgeOptions } from '../../src/bridge/options.js';

test('defaults are the documented ones', () => {
  const c = resolveOptions({ target: '127.0.0.1:5000' });
  assert.deepEqual(c.listen, { host: undefined, port: 8080 });
  assert.equal(c.framing, 'stream');
  assert.equal(c.maxMessage, 1048576);
  assert.equal(c.connectTimeoutMs, 10_000);
  assert.equal(c.maxConnections, 10000);
  assert.equal(c.maxPerIp, 256);
  assert.equal(c.idleTimeoutMs, 0);
  assert.equal(c.pingIntervalMs, 30_000);
  assert.equal(c.headersTimeoutMs, 10_000);
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
  ];
  for (const [options, code] of bad) assert.throws(() => resolveOptions(options), { code }, JSON.stringify(options));
});

test('sizes and seconds accept the documented spellings', () => {
  assert.equal(resolveOptions({ target: 'a:1', maxMessage: '64k' }).maxMessage, 65536);
  assert.equal(resolveOptions({ target: 'a:1', maxMessage: '2MiB' }).maxMessage, 2 * 1048576);
  assert.equal(resolveOptions({ target: 'a:1', idleTimeout: '0.5' }).idleTimeoutMs, 500);
  assert.equal(resolveOptions({ target: 'a:1', connectTimeout: 3 }).connectTimeoutMs, 3000);
  assert.equal(resolveOptions({ target: 'a:1', pingInterval: '0' }).pingIntervalMs, 0);
  assert.equal(resolveOptions({ target: 'a:1', pingInterval: '2.5' }).pingIntervalMs, 2500);
  assert.equal(resolveOptions({ target: 'a:1', maxHeaderSize: '8k' }).maxHeaderSize, 8192);
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
});

test('every option has a flag in --help, and every flag is an option', () => {
  const flagKeys = FLAGS.map((f) => f.flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
  const toOption: Record<string, string> = { route: 'routes', origin: 'origins' };
  const covered = new Set(flagKeys.map((k) => toOption[k] ?? k));
  for (const key of OPTION_KEYS) if (key !== 'log') assert.ok(covered.has(key), `no flag for ${key}`);
  for (const f of FLAGS) assert.ok(helpText().includes(f.flag), f.flag);
});
