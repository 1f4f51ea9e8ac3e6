// Runs in Chromium: sequential echo round trips through an XMLSocket.
import { XMLSocket } from '/xmlsocket.js';

const sockets = new Map();
let nextId = 1;

export function open(url) {
  const socket = new XMLSocket(null, undefined, { url });
  return new Promise((resolve, reject) => {
    socket.onConnect = (ok) => {
      if (!ok) return reject(new Error(`could not connect to ${url}`));
      const id = nextId++;
      sockets.set(id, socket);
      resolve(id);
    };
    socket.connect('127.0.0.1', 9);
  });
}

/** Sends `count` messages one after another, each after the previous echo; returns each round trip in ms. */
export async function ping(id, count, text) {
  const socket = sockets.get(id);
  const times = [];
  for (let i = 0; i < count; i++) {
    const echoed = new Promise((resolve) => (socket.onData = resolve));
    const t0 = performance.now();
    socket.send(text);
    const back = await echoed;
    times.push(performance.now() - t0);
    if (back !== text) throw new Error(`echo mismatch: ${back}`);
  }
  return times;
}

export function close(id) {
  sockets.get(id)?.close();
  sockets.delete(id);
}

export const isolated = () => self.crossOriginIsolated;
