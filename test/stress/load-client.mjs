// Load generator in its own process, driven over IPC by connections.test.ts, so each
// process stays far below the 20,000 open-file cap. Commands:
//   { cmd: 'open', urls, count }   open `count` WebSockets spread over `urls`
//   { cmd: 'echo', seconds, periodMs, pad }  each connection sends a numbered message every
//       `periodMs` (random phase) for `seconds`; replies with latencies and any mismatch
//   { cmd: 'close' }               close every connection, report when all are closed
import WebSocket from 'ws';

const sockets = [];
const reply = (msg) => process.send(msg);

async function open(urls, count) {
  const failures = [];
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from(
        { length: Math.min(200, count - i) },
        (_, j) =>
          new Promise((resolve) => {
            const ws = new WebSocket(urls[(i + j) % urls.length], 'xmlsocket.message', { perMessageDeflate: false });
            ws.on('error', () => {});
            ws.once('open', () => {
              sockets.push(ws);
              resolve();
            });
            ws.once('unexpected-response', (_req, res) => {
              failures.push(res.statusCode);
              resolve();
            });
            ws.once('close', () => resolve());
          }),
      ),
    );
  }
  reply({
    cmd: 'opened',
    open: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length,
    failures: failures.length,
  });
}

function echo(seconds, periodMs, pad) {
  const latencies = [];
  let sent = 0;
  let mismatches = 0;
  let firstMismatch = '';
  const padding = 'x'.repeat(pad);
  const timers = [];
  sockets.forEach((ws, c) => {
    let next = 0;
    let expect = 0;
    const started = new Map();
    ws.on('message', (data) => {
      const text = data.toString();
      const want = `<m c="${c}" i="${expect}" p="é😀${padding}"/>`;
      if (text !== want) {
        mismatches += 1;
        firstMismatch ||= `${text.slice(0, 60)} != ${want.slice(0, 60)}`;
      }
      const t0 = started.get(expect);
      if (t0 !== undefined) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      started.delete(expect);
      expect += 1;
    });
    const send = () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      started.set(next, process.hrtime.bigint());
      ws.send(`<m c="${c}" i="${next}" p="é😀${padding}"/>`);
      next += 1;
      sent += 1;
    };
    const phase = setTimeout(() => {
      send();
      timers.push(setInterval(send, periodMs));
    }, Math.random() * periodMs);
    timers.push(phase);
  });
  setTimeout(() => {
    for (const t of timers) clearInterval(t);
    // Let the last echoes come back (generous; the parent checks the counts).
    const deadline = Date.now() + 30_000;
    const wait = setInterval(() => {
      if (latencies.length + mismatches >= sent || Date.now() > deadline) {
        clearInterval(wait);
        reply({ cmd: 'echoed', sent, received: latencies.length, mismatches, firstMismatch, latencies });
      }
    }, 50);
  }, seconds * 1000);
}

async function close() {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.close();
        }),
    ),
  );
  reply({ cmd: 'closed' });
}

process.on('message', (m) => {
  if (m.cmd === 'open') void open(m.urls, m.count);
  else if (m.cmd === 'echo') echo(m.seconds, m.periodMs, m.pad);
  else if (m.cmd === 'close') void close();
});
process.on('disconnect', () => process.exit(0));
