// --cert/--key: wss and https straight from the bridge, with a certificate made for the test.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createBridge } from '../../src/bridge.js';
import { issueCertificate } from '../servers/self-signed.js';
import {
  closed,
  collect,
  echo,
  HOST,
  openWs,
  startBridge,
  tcpServer,
  type TcpServer,
  type TestBridge,
} from './helpers.js';

let dir: string;
let cert: Buffer;
let server: TcpServer;
let b: TestBridge;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bridge-tls-'));
  issueCertificate(dir);
  cert = readFileSync(join(dir, 'cert.pem'));
  server = await tcpServer(echo);
  b = await startBridge({ target: server.address, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') });
});
after(async () => {
  await b.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('wss:// works end to end and the certificate verifies', async () => {
  const ws = await openWs(`wss://${HOST}:${b.port}/`, 'xmlsocket.message', { ca: cert });
  assert.equal(ws.protocol, 'xmlsocket.message');
  const got = collect(ws);
  ws.send('<secure/>');
  await got.next(1);
  assert.equal(got.frames[0]!.data.toString(), '<secure/>');
  ws.close();
  await closed(ws);
  assert.equal(b.logs.find((l) => l.event === 'listening')?.tls, true);
});

test('/healthz answers over https, and plain ws:// is not served', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    get({ host: HOST, port: b.port, path: '/healthz', ca: cert }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(status, 200);
  await assert.rejects(openWs(`ws://${HOST}:${b.port}/`));
});

test('unreadable or invalid TLS files are operator errors', () => {
  assert.throws(
    () => createBridge({ target: server.address, cert: join(dir, 'missing.pem'), key: join(dir, 'key.pem') }),
    { code: 'ERR_BRIDGE_TLS' },
  );
  writeFileSync(join(dir, 'bad.pem'), 'not a certificate');
  assert.throws(() => createBridge({ target: server.address, cert: join(dir, 'bad.pem'), key: join(dir, 'key.pem') }), {
    code: 'ERR_BRIDGE_TLS',
  });
  assert.throws(() => createBridge({ target: server.address, cert: join(dir, 'cert.pem') }), {
    code: 'ERR_BRIDGE_INVALID_OPTION',
  });
});
