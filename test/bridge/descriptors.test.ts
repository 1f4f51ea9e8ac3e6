// The connection limits fitted to the open-file limit, and addresses counted per client
// (IPv6 by its /64).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitLimits, openFileLimit, RESERVED_DESCRIPTORS } from '../../src/bridge/descriptors.js';
import { addressKey, ConnectionLimiter } from '../../src/bridge/limits.js';

test('limits that fit are kept; limits that do not are lowered, and the reason says so', () => {
  assert.deepEqual(fitLimits(100, 50, 20_000), { maxConnections: 100, maxHandshakes: 50, lowered: undefined });
  const tight = fitLimits(10_000, 1024, 20_000);
  assert.equal(tight.maxHandshakes, 1024);
  assert.equal(tight.maxConnections, Math.floor((20_000 - RESERVED_DESCRIPTORS - 1024) / 2));
  assert.match(tight.lowered!, /open-file limit of 20000.*maxConnections 10000 -> 9456/);
  // Two descriptors a connection, one a handshake, and the reserve: never more than the limit.
  for (const limit of [128, 1024, 4096, 65_536]) {
    const fitted = fitLimits(10_000, 1024, limit);
    assert.ok(2 * fitted.maxConnections + fitted.maxHandshakes + RESERVED_DESCRIPTORS <= limit, String(limit));
    assert.ok(fitted.maxConnections >= 1 && fitted.maxHandshakes >= 1);
  }
  assert.deepEqual(fitLimits(10_000, 1024, undefined), {
    maxConnections: 10_000,
    maxHandshakes: 1024,
    lowered: undefined,
  });
});

test('the open-file limit is read from the process (Linux)', () => {
  const limit = openFileLimit();
  assert.ok(limit === undefined || (Number.isInteger(limit) && limit > 0));
});

test('IPv6 clients count by their /64; IPv4 clients by their address', () => {
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
  assert.equal(addressKey('2001:DB8:1:2::1'), addressKey('2001:db8:1:2::2'));
  assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
  assert.equal(addressKey('203.0.113.9'), '203.0.113.9');
  const limiter = new ConnectionLimiter(100, 2);
  assert.ok('release' in limiter.acquire('2001:db8:1:2::1'));
  assert.ok('release' in limiter.acquire('2001:db8:1:2::ffff'));
  assert.deepEqual(limiter.acquire('2001:db8:1:2:9::9'), { status: 429, reason: 'max_per_ip' });
  assert.ok('release' in limiter.acquire('2001:db8:1:3::1'));
});
