import type { Secret } from './secret.js';

export const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

/** libpq's ssl_min_protocol_version / ssl_max_protocol_version values. */
export const tlsVersions = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof tlsVersions)[number];

/** One layer of connection settings (environment, DATABASE_URL, profile or flags). */
export interface ConnectionLayer {
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  password?: Secret;
  sslmode?: SslMode;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  /** libpq sslcrl / PGSSLCRL: a file of revoked certificates. */
  sslcrl?: string;
  /** libpq sslcrldir / PGSSLCRLDIR: a folder of hashed CRL files (`openssl rehash`). */
  sslcrldir?: string;
  /** libpq sslpassword: the pass phrase of an encrypted client key. */
  sslpassword?: Secret;
  /** libpq sslcertmode: `disable` never sends a client certificate. */
  sslcertmode?: 'disable' | 'allow';
  /** libpq sslnegotiation (17): `direct` starts TLS without asking first. */
  sslnegotiation?: 'postgres' | 'direct';
  sslMinProtocolVersion?: TlsVersion;
  sslMaxProtocolVersion?: TlsVersion;
  /** libpq channel_binding (`require` is refused: the driver cannot insist on it). */
  channelBinding?: 'disable' | 'prefer';
  /** libpq connect_timeout, seconds (0: wait for ever). */
  connectTimeout?: number;
  /** libpq options: command-line options sent to the server (`-c name=value`). */
  options?: string;
  /** libpq keepalives (on by default) and keepalives_idle (seconds). */
  keepalives?: boolean;
  keepalivesIdle?: number;
  applicationName?: string;
}

export type ConnectionField = keyof ConnectionLayer;

/** The resolved, frozen connection every later stage uses. */
export interface Connection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** Absent when libpq should find it itself (`PGPASSFILE`/`~/.pgpass`) or none is needed. */
  readonly password: Secret | undefined;
  readonly sslmode: SslMode | undefined;
  readonly sslrootcert: string | undefined;
  readonly sslcert: string | undefined;
  readonly sslkey: string | undefined;
  readonly sslcrl?: string | undefined;
  readonly sslcrldir?: string | undefined;
  readonly sslpassword?: Secret | undefined;
  readonly sslcertmode?: 'disable' | 'allow' | undefined;
  readonly sslnegotiation?: 'postgres' | 'direct' | undefined;
  readonly sslMinProtocolVersion?: TlsVersion | undefined;
  readonly sslMaxProtocolVersion?: TlsVersion | undefined;
  readonly channelBinding?: 'disable' | 'prefer' | undefined;
  readonly connectTimeout?: number | undefined;
  readonly options?: string | undefined;
  readonly keepalives?: boolean | undefined;
  readonly keepalivesIdle?: number | undefined;
  /**
   * libpq's `~/.postgresql` (from HOME): where root.crt, root.crl,
   * postgresql.crt and postgresql.key are looked for when not named.
   */
  readonly postgresqlDir?: string | undefined;
  /** SSL_CERT_FILE, for sslrootcert=system (OpenSSL's default bundle otherwise). */
  readonly systemCaFile?: string | undefined;
  readonly applicationName: string;
  /** `PGPASSFILE` as given, passed on to children and read by the driver. */
  readonly passfile: string | undefined;
  /** Where each field came from, for `plan` and for error messages. */
  readonly origin: Readonly<Partial<Record<ConnectionField, string>>>;
  /**
   * The profile's name for this server (`connections[i].name`): what `{host}` stands for,
   * the host status and metrics show. Absent: the host is its name.
   */
  readonly server?: string | undefined;
}

/** What may be shown anywhere: the connection without its secret. */
export interface PublicConnection {
  host: string;
  port: number;
  user: string;
  database: string;
  sslmode?: SslMode;
  /** The profile's name for the server (`connections[i].name`), when it gave one. */
  server?: string;
}

export function toPublicConnection(connection: Connection): PublicConnection {
  const out: PublicConnection = {
    host: connection.host,
    port: connection.port,
    user: connection.user,
    database: connection.database,
  };
  if (connection.sslmode) out.sslmode = connection.sslmode;
  if (connection.server !== undefined) out.server = connection.server;
  return out;
}
