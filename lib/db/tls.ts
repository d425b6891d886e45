// libpq's sslmode rules for the driver's connections, in one place (libpq's
// fe-connect.c and fe-secure-openssl.c are the reference): which attempts are
// made in which order, which files are read and what is verified (how a failure
// reads: tls-failure.ts). pg_dump and psql get the same settings through childEnv.
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { Connection } from '../config/connection-types.js';
import { effectiveSslMode, rootCertPath } from '../config/tls-settings.js';
import { isNoSslOnServer, isTlsFailure, tlsError } from './tls-failure.js';

// node:tls (and _tls_wrap, _tls_common, the secure context…) only when a connection uses
// it: a run in the clear, or one whose server answers "no TLS" (sslmode prefer, the
// default), never loads it; the driver requires it itself when the server agrees to TLS.
// ~1–2 ms of every start (BENCHMARKS.md, 2026-12-05 boot).
const requireBuiltin = createRequire(import.meta.url);
const nodeTls = (): typeof import('node:tls') => requireBuiltin('node:tls') as typeof import('node:tls');

/** One try at connecting: in the clear, or over TLS. */
export type Attempt = 'plain' | 'tls';

/**
 * libpq's attempts for the sslmode: `allow` tries plain first and TLS when the
 * server refuses it; `prefer` the other way round; `disable` plain only; the
 * rest TLS only. Unix sockets never use TLS (libpq does not ask for it there).
 */
export function sslAttempts(connection: Connection): Attempt[] {
  if (connection.host.startsWith('/')) return ['plain'];
  switch (effectiveSslMode(connection)) {
    case 'disable':
      return ['plain'];
    case 'allow':
      return ['plain', 'tls'];
    case 'prefer':
      return ['tls', 'plain'];
    default:
      return ['tls'];
  }
}

/**
 * Whether libpq would make the next attempt after `error`: `prefer` retries in
 * the clear when the server has no TLS, when the TLS set-up or handshake failed,
 * or when the server refused the TLS session; `allow` retries with TLS when the
 * server refused the plain one. A refused TCP connection is never retried.
 */
export function retriesAfter(error: unknown, failed: Attempt): boolean {
  if (failed === 'tls') return isTlsFailure(error) || isServerRefusal(error);
  return isServerRefusal(error);
}

/**
 * The error to report when every attempt failed: the TLS attempt's, unless the
 * server has no TLS at all (then the plain attempt's). In allow/prefer mode the
 * plain attempt on a hostssl-only server fails with "no encryption", which says
 * less than what went wrong over TLS (a certificate, a password).
 */
export function errorToReport(failures: Array<{ attempt: Attempt; error: unknown }>): unknown {
  const tls = failures.find((failure) => failure.attempt === 'tls' && !isNoSslOnServer(failure.error));
  return (tls ?? failures[failures.length - 1])?.error;
}

/** Node's TLS options for a TLS attempt, built as libpq's initialize_SSL builds its context. */
export function tlsOptions(connection: Connection): ConnectionOptions {
  const mode = effectiveSslMode(connection);
  const options: ConnectionOptions = {};
  const root = rootCertificate(connection);
  if (root) {
    options.ca = root.ca;
    if (root.crl.length > 0) options.crl = root.crl;
  } else if (mode === 'verify-ca' || mode === 'verify-full') {
    const path = rootCertPath(connection);
    throw tlsError(
      path ? `root certificate file "${path}" does not exist` : 'could not get home directory to locate root certificate file',
      connection,
      'Either provide the file (sslrootcert, PGSSLROOTCERT or ~/.postgresql/root.crt), use the system\'s trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification.',
    );
  }
  // With a root certificate libpq checks the chain in every mode (require too:
  // it then behaves as verify-ca); the host name only with verify-full.
  options.rejectUnauthorized = root !== undefined;
  options.checkServerIdentity = mode === 'verify-full' ? (_servername, cert) => nodeTls().checkServerIdentity(connection.host, cert) : () => undefined;
  Object.assign(options, clientCertificate(connection));
  if (connection.sslMinProtocolVersion) options.minVersion = connection.sslMinProtocolVersion;
  else options.minVersion = 'TLSv1.2'; // libpq's default since PostgreSQL 13
  if (connection.sslMaxProtocolVersion) options.maxVersion = connection.sslMaxProtocolVersion;
  return options;
}

function rootCertificate(connection: Connection): { ca: Buffer | string[]; crl: Buffer[] } | undefined {
  const path = rootCertPath(connection);
  if (path === 'system') return { ca: systemRoots(connection), crl: [] };
  if (!path || !statOrUndefined(path)) return undefined;
  let ca: Buffer;
  try {
    ca = readFileSync(path);
  } catch (error) {
    throw tlsError(`could not read root certificate file "${path}": ${errno(error)}`, connection, 'check the file and its permissions');
  }
  return { ca, crl: revocationLists(connection) };
}

// libpq: sslcrl and/or sslcrldir, else ~/.postgresql/root.crl; a missing one is
// silently ignored ("we do not require CRL").
function revocationLists(connection: Connection): Buffer[] {
  const out: Buffer[] = [];
  let file = connection.sslcrl;
  if (!file && !connection.sslcrldir && connection.postgresqlDir) file = join(connection.postgresqlDir, 'root.crl');
  if (file && statOrUndefined(file)?.isFile()) out.push(readFileSync(file));
  const dir = connection.sslcrldir;
  if (dir && statOrUndefined(dir)?.isDirectory()) {
    // OpenSSL's hashed directory: <hash>.r<n> files, as `openssl rehash` names them.
    for (const name of readdirSync(dir).sort()) {
      if (/^[0-9a-f]{8}\.r\d+$/.test(name)) out.push(readFileSync(join(dir, name)));
    }
  }
  return out;
}

// libpq 16's sslrootcert=system: OpenSSL's default verify paths, which
// SSL_CERT_FILE overrides; Node's bundled roots when the system has no bundle.
function systemRoots(connection: Connection): string[] | Buffer {
  const candidates = [
    connection.systemCaFile,
    '/etc/ssl/certs/ca-certificates.crt',
    '/etc/pki/tls/certs/ca-bundle.crt',
    '/etc/ssl/ca-bundle.pem',
    '/etc/ssl/cert.pem',
  ];
  for (const file of candidates) {
    if (file && statOrUndefined(file)?.isFile()) return readFileSync(file);
  }
  return [...nodeTls().rootCertificates];
}

// libpq sends ~/.postgresql/postgresql.crt (or sslcert) whenever it exists, in
// every mode that uses TLS, with its key; a missing certificate is no error.
function clientCertificate(connection: Connection): Pick<ConnectionOptions, 'cert' | 'key' | 'passphrase'> {
  if (connection.sslcertmode === 'disable') return {};
  const certPath = connection.sslcert || (connection.postgresqlDir ? join(connection.postgresqlDir, 'postgresql.crt') : undefined);
  if (!certPath) return {};
  let certStat: Stats | undefined;
  try {
    certStat = statSync(certPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    throw tlsError(`could not open certificate file "${certPath}": ${errno(error)}`, connection, 'check sslcert / PGSSLCERT');
  }
  let cert: Buffer;
  try {
    if (!certStat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    cert = readFileSync(certPath);
  } catch (error) {
    throw tlsError(`could not read certificate file "${certPath}": ${errno(error)}`, connection, 'check sslcert / PGSSLCERT');
  }
  const keyPath = connection.sslkey || (connection.postgresqlDir ? join(connection.postgresqlDir, 'postgresql.key') : undefined);
  if (!keyPath) return { cert };
  let keyStat: Stats;
  try {
    keyStat = statSync(keyPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw tlsError(
      code === 'ENOENT' ? `certificate present, but not private key file "${keyPath}"` : `could not stat private key file "${keyPath}": ${errno(error)}`,
      connection,
      'a client certificate needs its key: set sslkey / PGSSLKEY, or remove the certificate',
    );
  }
  if (!keyStat.isFile()) throw tlsError(`private key file "${keyPath}" is not a regular file`, connection, 'check sslkey / PGSSLKEY');
  if (hasGroupOrWorldAccess(keyStat)) {
    throw tlsError(
      `private key file "${keyPath}" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root`,
      connection,
      `chmod 600 ${keyPath}`,
    );
  }
  let key: Buffer;
  try {
    key = readFileSync(keyPath);
  } catch (error) {
    throw tlsError(`could not load private key file "${keyPath}": ${errno(error)}`, connection, 'check sslkey / PGSSLKEY');
  }
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(key.toString('latin1'));
  if (encrypted && !connection.sslpassword) {
    throw tlsError(`private key file "${keyPath}" is encrypted and no sslpassword was given`, connection, 'give the pass phrase as sslpassword in DATABASE_URL, or use a key without one');
  }
  return { cert, key, ...(connection.sslpassword ? { passphrase: connection.sslpassword.reveal() } : {}) };
}

// libpq accepts a key owned by root with mode 0640 or less (a group may read
// system-wide keys), any other key with 0600 or less.
function hasGroupOrWorldAccess(stat: Stats): boolean {
  return stat.uid === 0 ? (stat.mode & 0o037) !== 0 : (stat.mode & 0o077) !== 0;
}

// The server answered with an error during start-up (pg_hba, authentication,
// no such database…): libpq's cue to try the other encryption in allow/prefer.
function isServerRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function errno(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}
