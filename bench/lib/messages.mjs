// The bytes every receive benchmark uses: well-formed XML messages of an exact size
// (0x00 included), ASCII, as game servers mostly send.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** One message of exactly `size` bytes including its 0x00 terminator (size >= 11). */
export function message(size, i = 0) {
  const padLength = size - 1 - '<m d=""/>'.length;
  let pad = '';
  while (pad.length < padLength) pad += ALPHABET;
  const offset = i % ALPHABET.length;
  pad = (pad + ALPHABET).slice(offset, offset + padLength);
  return `<m d="${pad}"/>\0`;
}

/** `count` messages of `size` bytes, back to back. */
export function stream(size, count) {
  const parts = [];
  for (let i = 0; i < count; i++) parts.push(message(size, i));
  return Buffer.from(parts.join(''), 'latin1');
}

/** Cuts bytes into frames of `frameSize` (the last may be shorter). */
export function frames(bytes, frameSize) {
  const out = [];
  for (let i = 0; i < bytes.length; i += frameSize) out.push(bytes.subarray(i, i + frameSize));
  return out;
}
