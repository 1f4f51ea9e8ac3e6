// The fleet's /metrics and /healthz answers: collected from every listening worker,
// and reused for a second, so a flood of requests costs one collection a second.
import assert from 'node:assert/strict';
import type { Worker } from 'node:cluster';
import { test } from 'node:test';
import { FleetStatus } from '../../src/bridge/cli/fleet-status.js';
import type { PrimaryMessage } from '../../src/bridge/cli/fleet-messages.js';
import { Metrics } from '../../src/bridge/metrics.js';

test('a flood of requests within a second is answered from one collection', async () => {
  const workers = [{ id: 1 }, { id: 2 }] as Worker[];
  const asked: number[] = [];
  const counters = new Metrics();
  counters.pairs.websocket.open = 3;
  const snapshot = await counters.snapshot();
  // Each worker answers at once with the same counters.
  const status: FleetStatus = new FleetStatus(2, (worker, message: PrimaryMessage) => {
    if (message.type !== 'xmlsocket-bridge:collect') return;
    asked.push(worker.id);
    queueMicrotask(() => status.got(message.id, worker.id, snapshot));
  });
  const answers = await Promise.all(Array.from({ length: 500 }, () => status.answer('metrics', workers)));
  assert.deepEqual(asked, [1, 2], 'each worker was asked once');
  for (const answer of answers)
    assert.match(
      (answer as { metrics: string }).metrics,
      /xmlsocket_bridge_connections_open\{transport="websocket"\} 6/,
    );
  const health = await status.answer('health', workers);
  assert.deepEqual(
    { ...(health as { health: object }).health, uptime: 0 },
    {
      status: 'ok',
      workers: 2,
      workersWanted: 2,
      connections: 6,
      websocket: 6,
      tcp: 0,
      pending: 0,
      uptime: 0,
    },
  );
});
