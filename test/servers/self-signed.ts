// Throwaway self-signed certificates for 127.0.0.1/localhost, made with the openssl
// command line (Node can make keys but not certificates).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Certificate {
  key: string;
  cert: string;
}

/**
 * Writes a new certificate and key for 127.0.0.1 and localhost, named `CN=name`, into
 * `dir` as `name.cert.pem` and `name.key.pem` (or `cert.pem` and `key.pem` without a
 * name); returns their paths.
 */
export function issueCertificate(dir: string, name?: string): Certificate {
  const files = {
    cert: join(dir, name ? `${name}.cert.pem` : 'cert.pem'),
    key: join(dir, name ? `${name}.key.pem` : 'key.pem'),
  };
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name ?? '127.0.0.1'}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      files.key,
      '-out',
      files.cert,
    ],
    { stdio: 'ignore' },
  );
  return files;
}

let cached: Certificate | undefined;

/** One certificate for the whole process, as PEM text. */
export function selfSignedCertificate(): Certificate {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'xmlsocket-cert-'));
  try {
    const files = issueCertificate(dir);
    cached = { key: readFileSync(files.key, 'utf8'), cert: readFileSync(files.cert, 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
