// How a TLS failure reads: libpq's words where it has them, one line, a hint
// that names the setting to change, and exit 2 (TLS_FAILED): a certificate that
// is not trusted will not become trusted by retrying.
import type { Connection } from '../config/connection-types.js';
import { effectiveSslMode, rootCertPath } from '../config/tls-settings.js';
import { PgbakError } from '../errors.js';

/** A TLS failure (set-up, handshake, certificate) as pgbak reports it: configuration, exit 2. */
export function describeTlsFailure(error: unknown, connection: Connection): PgbakError | undefined {
  if (error instanceof PgbakError) return error.code === 'TLS_FAILED' ? error : undefined;
  if (!isTlsFailure(error)) return undefined;
  const err = error as Error & { code?: string; reason?: string };
  const mode = effectiveSslMode(connection);
  const root = rootCertPath(connection) ?? 'the root certificate';
  if (isNoSslOnServer(error)) {
    return tlsError('server does not support SSL, but SSL was required', connection, `sslmode=${mode} needs a server with ssl = on; use sslmode=prefer (or disable) for a server without TLS`, error);
  }
  const code = err.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return tlsError(`server certificate does not match host name "${connection.host}" (${err.reason ?? err.message})`, connection,
      'sslmode=verify-full checks the host name: connect by a name the certificate lists, or use sslmode=verify-ca to check the chain only', error);
  }
  if (code === 'CERT_REVOKED') {
    return tlsError('the server certificate is revoked', connection, `the certificate revocation list (sslcrl / PGSSLCRL / sslcrldir / ~/.postgresql/root.crl) lists it: the server needs a new certificate`, error);
  }
  if (code === 'UNABLE_TO_GET_CRL') {
    return tlsError('certificate verify failed: no certificate revocation list for an issuer of the server certificate', connection, 'a CRL (sslcrl / sslcrldir) must cover every CA of the chain', error);
  }
  if (verifyCodes.has(code)) {
    return tlsError(`certificate verify failed: the server certificate is not signed by a CA in "${root}" (${code})`, connection,
      mode === 'require' || mode === 'prefer' || mode === 'allow'
        ? `a root certificate makes libpq check the chain even with sslmode=${mode}: put the server's CA in ${root}, or remove it`
        : `put the CA that signed the server's certificate in ${root}`, error);
  }
  if (/alert (unknown ca|bad certificate|certificate required|certificate unknown|handshake failure)/i.test(err.message) || /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_REQUIRED)/.test(code)) {
    return tlsError(`the server refused the TLS session: ${err.message}`, connection, 'the server wants a client certificate its CA signed: check sslcert and sslkey (or ~/.postgresql/postgresql.crt and .key)', error);
  }
  if (/bad decrypt|bad password/i.test(err.message)) {
    return tlsError('could not load the private key: wrong sslpassword', connection, 'check the pass phrase given as sslpassword', error);
  }
  return tlsError(`TLS failed: ${err.message}`, connection, 'check the server\'s TLS set-up and sslmode, sslrootcert, sslcert, sslkey', error);
}

const verifyCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CRL_HAS_EXPIRED', 'CRL_NOT_YET_VALID', 'CRL_SIGNATURE_FAILURE',
]);

export function isTlsFailure(error: unknown): boolean {
  if (error instanceof PgbakError) return error.code === 'TLS_FAILED';
  const err = error as { code?: unknown; message?: unknown } | null;
  if (!err || typeof err.message !== 'string') return false;
  const code = typeof err.code === 'string' ? err.code : '';
  if (/^[0-9A-Z]{5}$/.test(code)) return false; // a PostgreSQL error
  return (
    isNoSslOnServer(error) ||
    /error establishing an SSL connection/i.test(err.message) ||
    verifyCodes.has(code) ||
    code === 'CERT_REVOKED' ||
    code === 'UNABLE_TO_GET_CRL' ||
    /^ERR_(SSL|TLS|OSSL)_/.test(code) ||
    /before secure TLS connection was established/i.test(err.message)
  );
}

export function isNoSslOnServer(error: unknown): boolean {
  return /does not support SSL/i.test((error as Error | null)?.message ?? '');
}

export function tlsError(message: string, connection: Connection, hint: string, cause?: unknown): PgbakError {
  return new PgbakError('TLS_FAILED', `TLS connection to ${connection.host}:${connection.port} (sslmode=${effectiveSslMode(connection)}): ${message}`, {
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}
