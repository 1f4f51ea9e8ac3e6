// Pieces both receive benchmarks use (bench/framing.mjs in Chromium, bench/engines.mjs
// in every engine): the loopback server that delivers a case's frames, and the
// alternating runner that makes ours and the baseline share the machine's noise.
import { WebSocketServer } from 'ws';
import { HOST } from './common.mjs';

/** A loopback WebSocket server that sends a case's frames when asked with "go:NAME". */
export async function deliveryServer(cases) {
  const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const name = data.toString('utf8').replace(/\0$/, '').replace(/^go:/, '');
      for (const frame of cases[name].frames) ws.send(frame, { binary: true });
    });
  });
  return { port: wss.address().port, close: () => new Promise((resolve) => wss.close(resolve)) };
}

/** Alternates ours and the baseline (ABBA...), after one warm-up of each; returns each one's results in order. */
export async function alternate(reps, runOurs, runBase) {
  const ours = [];
  const base = [];
  await runOurs();
  await runBase();
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      ours.push(await runOurs());
      base.push(await runBase());
    } else {
      base.push(await runBase());
      ours.push(await runOurs());
    }
  }
  return { ours, base };
}
