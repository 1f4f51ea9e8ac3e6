// The bytes every benchmark sends: well-formed XML messages of an exact size, 0x00
// included, ASCII, as game servers mostly send.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** One message of exactly `size` bytes including its 0x00 terminator (size >= 11); `i` varies the content. */
export function message(size: number, i = 0): string {
  const padLength = size - 1 - '<m d=""/>'.length;
  let pad = '';
  while (pad.length < padLength) pad += ALPHABET;
  const offset = i % ALPHABET.length;
  pad = (pad + ALPHABET).slice(offset, offset + padLength);
  return `<m d="${pad}"/>\0`;
}

/** `count` messages of `size` bytes, back to back. */
export function stream(size: number, count: number): Buffer {
  return Buffer.from(Array.from({ length: count }, (_, i) => message(size, i)).join(''), 'latin1');
}

/** The 50 B echo every relay benchmark sends: 49 B of XML and the 0x00. */
export const ECHO_PAYLOAD = Buffer.from(message(50), 'latin1');
