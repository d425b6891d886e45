import type { Secret } from './secret.js';

export const sslModes = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof sslModes)[number];

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
  readonly applicationName: string;
  /** `PGPASSFILE` as given, passed on to children and read by the driver. */
  readonly passfile: string | undefined;
  /** Where each field came from, for `plan` and for error messages. */
  readonly origin: Readonly<Partial<Record<ConnectionField, string>>>;
}

/** What may be shown anywhere: the connection without its secret. */
export interface PublicConnection {
  host: string;
  port: number;
  user: string;
  database: string;
  sslmode?: SslMode;
}

export function toPublicConnection(connection: Connection): PublicConnection {
  const out: PublicConnection = {
    host: connection.host,
    port: connection.port,
    user: connection.user,
    database: connection.database,
  };
  if (connection.sslmode) out.sslmode = connection.sslmode;
  return out;
}
