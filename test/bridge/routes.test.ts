// RouteTable and address parsing: only listed targets ever come out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseHostPort, parseListen } from '../../src/bridge/address.js';
import { resolveOptions } from '../../src/bridge/options.js';
import { RouteTable } from '../../src/bridge/routes.js';

const table = (o: Parameters<typeof resolveOptions>[0]) => new RouteTable(resolveOptions(o));

test('parseHostPort accepts names, IPv4 and bracketed IPv6, and nothing loose', () => {
  assert.deepEqual(parseHostPort('Game.Example:5000'), { host: 'game.example', port: 5000 });
  assert.deepEqual(parseHostPort('127.0.0.1:1'), { host: '127.0.0.1', port: 1 });
  assert.deepEqual(parseHostPort('[::1]:65535'), { host: '::1', port: 65535 });
  for (const bad of [
    '',
    'host',
    ':5000',
    'host:',
    'host:0',
    'host:65536',
    'host:05000',
    '::1:5000',
    'a b:1',
    'host:1:2',
    'ho_st:1',
    '[x]:1',
    'host:+1',
    'host: 1',
  ]) {
    assert.equal(parseHostPort(bad), undefined, bad);
  }
  assert.deepEqual(parseListen('8080'), { host: undefined, port: 8080 });
  assert.deepEqual(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListen(0), { host: undefined, port: 0 });
  assert.equal(parseListen('x'), undefined);
  assert.equal(parseListen(70000), undefined);
});

test('routes first, then /HOST/PORT for allowed pairs, then the catch-all target', () => {
  const t = table({ routes: { '/chat': 'a.internal:1' }, allow: ['b.internal:2', '[::1]:3'], target: 'c.internal:4' });
  const target = (url: string) => {
    const d = t.resolve(url);
    return d.ok ? `${d.target.host}:${d.target.port}` : `${d.status} ${d.reason}`;
  };
  assert.equal(target('/chat'), 'a.internal:1');
  assert.equal(target('/chat?room=1'), 'a.internal:1');
  assert.equal(target('/b.internal/2'), 'b.internal:2');
  assert.equal(target('/B.Internal/2'), 'b.internal:2');
  assert.equal(target('/[::1]/3'), '::1:3');
  assert.equal(target('/::1/3'), '::1:3');
  assert.equal(target('/b.internal/3'), '403 not_allowed');
  assert.equal(target('/a.internal/1'), '403 not_allowed'); // routed targets are not implicitly allowed
  assert.equal(target('/anything'), 'c.internal:4');
  assert.equal(target('/x/../chat'), '404 bad_path');
  assert.equal(target('http://b.internal/2'), '400 bad_request');
});

test('without a target, unknown paths are 404', () => {
  const t = table({ routes: { '/chat': 'a.internal:1' } });
  const d = t.resolve('/chat2');
  assert.equal(d.ok, false);
  assert.equal(!d.ok && d.status, 404);
});

test('property: no request path reaches a target that was not listed', () => {
  const listed = new Set(['a.internal:1', 'b.internal:2']);
  const t = table({ routes: { '/chat': 'a.internal:1' }, allow: ['b.internal:2'] });
  const pathChars = fc.constantFrom(
    ...'/.%2:ab[]?#\\ 0123456789aAbB-_~'.split(''),
    'b.internal',
    'a.internal',
    '..',
    '%2e',
    '%2f',
  );
  fc.assert(
    fc.property(fc.array(pathChars, { maxLength: 12 }), (parts) => {
      const d = t.resolve(`/${parts.join('')}`);
      if (d.ok) assert.ok(listed.has(`${d.target.host}:${d.target.port}`), JSON.stringify(parts));
    }),
    { numRuns: 5000 },
  );
});
