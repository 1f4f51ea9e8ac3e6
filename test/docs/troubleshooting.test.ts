// docs/troubleshooting.md: every row has a test that produces its symptom, and every
// refusal reason of the bridge has a row. The rows a page sees are produced in three
// engines by test/browser/troubleshooting.test.ts; the ones only the bridge shows are
// produced here, against a real bridge over raw sockets.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { REFUSAL_REASONS, REFUSALS } from '../../src/bridge/reasons.js';
import { DIAGNOSIS_TYPE } from '../../src/bridge/diagnosis.js';
import { blackholePort, echo, HOST, startBridge, tcpServer, waitFor, type TestBridge } from '../bridge/helpers.js';
import { ROOT } from './markdown.js';
import { BRIDGE_CASES, PAGE_CASES, rowsOf, type Case } from './troubleshooting-cases.js';

const markdown = readFileSync(join(ROOT, 'docs', 'troubleshooting.md'), 'utf8');
const rows = rowsOf(markdown);
const cases: Case[] = [...Object.values(PAGE_CASES), ...Object.values(BRIDGE_CASES)];

/** The Symptom cell of a case's row, which holds every string the case expects. */
function symptomOf(c: Case): string {
  const row = rows.find((r) => r.row === c.row);
  assert.ok(row, `docs/troubleshooting.md has no row "${c.row}"`);
  for (const s of c.expect) assert.ok(row.symptom.includes(s), `row "${c.row}" does not say "${s}"`);
  return row.symptom;
}

test('every row has a test that produces its symptom, and every case has its row', () => {
  assert.ok(rows.length > 10, 'the rows were not found: has the table format changed?');
  const tested = new Set(cases.map((c) => c.row));
  assert.deepEqual(
    rows.map((r) => r.row).filter((r) => !tested.has(r)),
    [],
    'rows no test produces',
  );
  for (const c of cases) symptomOf(c);
});

test('every refusal reason of the bridge has a row that names it', () => {
  for (const reason of REFUSAL_REASONS) {
    const { status } = REFUSALS[reason];
    const named = status === null ? reason : `(${status} ${reason})`;
    assert.ok(
      rows.some((r) => r.symptom.includes(named)),
      `no row names ${named}`,
    );
  }
});

/** Sends `bytes` on a raw connection and resolves with all the bridge answered, once it closes. */
function exchange(port: number, bytes: string | Buffer, leaveAfter?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST, () => {
      socket.write(bytes);
      if (leaveAfter !== undefined) setTimeout(() => socket.destroy(), leaveAfter);
    });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(answer) : reject(err)));
  });
}

const upgrade = (version = '1.1') =>
  `GET / HTTP/${version}\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** The `refused` line the bridge logged, as the rows write it: `(STATUS reason)`. */
async function refusal(b: TestBridge, reason: string): Promise<string> {
  await waitFor(() => b.logs.some((l) => l.event === 'refused' && l.reason === reason), `a refused line for ${reason}`);
  const line = b.logs.find((l) => l.event === 'refused' && l.reason === reason) as unknown as {
    status?: number | null;
    reason: string;
  };
  return line.status == null ? line.reason : `(${line.status} ${line.reason})`;
}

/** A bridge whose target never accepts: handshakes wait, which the next cases need. */
async function waitingBridge(options = {}) {
  const hole = await blackholePort();
  const b = await startBridge({ target: `${HOST}:${hole.port}`, connectTimeout: 30, ...options });
  return { b, close: () => b.close().finally(() => hole.close()) };
}

test('bridge stopping: a handshake still waiting for its target when the bridge stops', async () => {
  symptomOf(BRIDGE_CASES.shuttingDown);
  const { b, close } = await waitingBridge();
  try {
    const answer = exchange(b.port, upgrade());
    await waitFor(async () => (await b.bridge.metrics()).includes('handshakes_pending 1'), 'the pending handshake');
    const closed = b.bridge.close();
    assert.match(await answer, /^HTTP\/1\.1 503 [\s\S]*\r\n\r\nshutting_down\n$/);
    await closed;
    assert.equal(await refusal(b, 'shutting_down'), BRIDGE_CASES.shuttingDown.expect[0]);
  } finally {
    await close();
  }
});

test('too many sockets at once: one more than --max-per-ip plus --max-handshakes from one address', async () => {
  symptomOf(BRIDGE_CASES.maxHandshakes);
  const { b, close } = await waitingBridge({ maxPerIp: 1, maxHandshakes: 1 });
  const held: net.Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const socket = net.connect(b.port, HOST);
      socket.on('error', () => {});
      held.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
    }
    assert.equal(await exchange(b.port, upgrade()), '', 'closed unanswered');
    assert.equal(await refusal(b, 'max_handshakes'), BRIDGE_CASES.maxHandshakes.expect[0]);
  } finally {
    for (const socket of held) socket.destroy();
    await close();
  }
});

test('refused, then accepted: the question finds the bridge would admit the page now', async () => {
  symptomOf(BRIDGE_CASES.admitted);
  const server = await tcpServer(echo);
  const b = await startBridge({ target: server.address });
  try {
    const res = await fetch(b.url().replace(/^ws/, 'http'), { headers: { accept: DIAGNOSIS_TYPE } });
    assert.equal(res.headers.get('content-type'), DIAGNOSIS_TYPE);
    assert.match(await res.text(), new RegExp(`^${BRIDGE_CASES.admitted.expect[0]} `));
  } finally {
    await b.close();
    await server.close();
  }
});

test('not a WebSocket handshake: HTTP/1.0', async () => {
  symptomOf(BRIDGE_CASES.badRequest);
  const { b, close } = await waitingBridge();
  try {
    assert.match(await exchange(b.port, upgrade('1.0')), /^HTTP\/1\.1 400 /);
    assert.equal(await refusal(b, 'bad_request'), BRIDGE_CASES.badRequest.expect[0]);
  } finally {
    await close();
  }
});

test('data before the answer: a raw TCP client pointed at the bridge that goes on sending', async () => {
  symptomOf(BRIDGE_CASES.earlyData);
  const { b, close } = await waitingBridge();
  try {
    const answer = await exchange(b.port, Buffer.concat([Buffer.from(upgrade()), Buffer.alloc(70 * 1024, 0x61)]));
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal(await refusal(b, 'early_data'), BRIDGE_CASES.earlyData.expect[0]);
  } finally {
    await close();
  }
});

test('request too slow: a client that never finishes its request head', async () => {
  symptomOf(BRIDGE_CASES.headersTimeout);
  const { b, close } = await waitingBridge({ headersTimeout: 0.5 });
  try {
    assert.match(await exchange(b.port, 'GET / HTTP/1.1\r\nHost: x\r\n'), /^HTTP\/1\.1 408 /);
    assert.equal(await refusal(b, 'headers_timeout'), BRIDGE_CASES.headersTimeout.expect[0]);
  } finally {
    await close();
  }
});

test('request head too large: a head over --max-header-size', async () => {
  symptomOf(BRIDGE_CASES.headerTooLarge);
  const { b, close } = await waitingBridge({ maxHeaderSize: 4096 });
  try {
    const big = `GET / HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(8192)}\r\n\r\n`;
    assert.match(await exchange(b.port, big), /^HTTP\/1\.1 431 /);
    assert.equal(await refusal(b, 'header_too_large'), BRIDGE_CASES.headerTooLarge.expect[0]);
  } finally {
    await close();
  }
});

test('TLS to a plain bridge: a TLS hello on a --raw-tcp bridge without a certificate', async () => {
  symptomOf(BRIDGE_CASES.unexpectedTls);
  const { b, close } = await waitingBridge({ rawTcp: true });
  try {
    assert.equal(await exchange(b.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x01])), '');
    assert.equal(await refusal(b, 'unexpected_tls'), BRIDGE_CASES.unexpectedTls.expect[0]);
  } finally {
    await close();
  }
});

test('wrong bytes on the policy port: an HTTP request on --policy-listen', async () => {
  symptomOf(BRIDGE_CASES.badPolicyRequest);
  const { b, close } = await waitingBridge({ rawTcp: true, policy: 'auto', policyListen: `${HOST}:0` });
  try {
    const policyPort = Number(
      String(b.logs.find((l) => l.event === 'listening')!.policyAddress)
        .split(':')
        .pop(),
    );
    assert.equal(await exchange(policyPort, 'GET / HTTP/1.1\r\n\r\n'), '');
    assert.equal(await refusal(b, 'bad_policy_request'), BRIDGE_CASES.badPolicyRequest.expect[0]);
  } finally {
    await close();
  }
});

test('client left: a page that goes away while the bridge connects', async () => {
  symptomOf(BRIDGE_CASES.clientGone);
  const { b, close } = await waitingBridge();
  try {
    await exchange(b.port, upgrade(), 100);
    assert.equal(await refusal(b, 'client_gone'), BRIDGE_CASES.clientGone.expect[0]);
    assert.match(await b.bridge.metrics(), /refusals_total\{reason="client_gone"\} 1/);
  } finally {
    await close();
  }
});

test('PROXY header missing: a plain request to a bridge that expects one', async () => {
  symptomOf(BRIDGE_CASES.proxyProtocol);
  const server = await tcpServer(echo);
  const b = await startBridge({ target: server.address, proxyProtocol: true });
  try {
    assert.equal(await exchange(b.port, upgrade()), '', 'closed without an answer');
    assert.equal(await refusal(b, 'proxy_protocol'), BRIDGE_CASES.proxyProtocol.expect[0]);
    assert.ok(b.logs.find((l) => l.reason === 'proxy_protocol')?.detail, 'with a detail');
  } finally {
    await b.close();
    await server.close();
  }
});
