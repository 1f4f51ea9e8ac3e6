/**
 * `--cert`/`--key`: the HTTPS server, and reading the files again when a certificate
 * is renewed (the command does it on SIGHUP). Node's `setSecureContext()` applies to
 * new TLS handshakes only, so open connections keep going on the certificate they
 * started with.
 */
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:http';
import { createServer, type Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { BridgeError } from './errors.js';

/** Where the PEM files are. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** A certificate and its key, read and checked to be a pair. */
interface Pair {
  cert: Buffer;
  key: Buffer;
}

/** @throws {BridgeError} `ERR_BRIDGE_TLS` when a file cannot be read or they are not a valid pair. */
function readPair(files: TlsFiles): Pair {
  let pair: Pair;
  try {
    pair = { cert: readFileSync(files.cert), key: readFileSync(files.key) };
  } catch (err) {
    throw new BridgeError('ERR_BRIDGE_TLS', `cannot read TLS files: ${(err as Error).message}`, { cause: err });
  }
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new BridgeError('ERR_BRIDGE_TLS', `invalid TLS certificate or key: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return pair;
}

/**
 * Creates the HTTPS server.
 *
 * @throws {BridgeError} `ERR_BRIDGE_TLS`.
 */
export function createTlsServer(files: TlsFiles, http: ServerOptions): Server {
  return createServer({ ...http, ...readPair(files) });
}

/**
 * Reads the files again and serves the new pair to new connections. When they cannot
 * be read or do not match, the server keeps the pair it had.
 *
 * @returns when the new certificate expires, for the log.
 * @throws {BridgeError} `ERR_BRIDGE_TLS`.
 */
export function reloadTls(server: Server, files: TlsFiles): { validTo: string } {
  const pair = readPair(files);
  server.setSecureContext(pair);
  return { validTo: new X509Certificate(pair.cert).validTo };
}
