// libpq's connection parameters (its PQconninfoOptions list, as of PostgreSQL 17)
// and what pgbak makes of each: a field of the connection, a value the driver
// already behaves by, or a refusal naming the parameter. libpq refuses a name it
// does not know; pgbak refuses besides what its driver connection cannot honour,
// because pg_dump (libpq) would honour it and the two would not connect alike.
import { PgbakError } from '../errors.js';
import { sslModes, tlsVersions, type ConnectionLayer, type SslMode, type TlsVersion } from './connection-types.js';
import { Secret } from './secret.js';

/** Where a parameter was read: a URL query parameter or a PG* variable. */
export interface ParamSource {
  /** `DATABASE_URL`, `--source`, … */
  origin: string;
  /** The libpq keyword: `sslcrl`. */
  name: string;
}

type Apply = (value: string, layer: ConnectionLayer, source: ParamSource) => void;

interface Param {
  /** The libpq environment variable, when it has one. */
  env?: string;
  /** Sets the layer; absent for parameters the URL parser handles itself (host, port…). */
  apply?: Apply;
}

const string = (field: 'sslrootcert' | 'sslcert' | 'sslkey' | 'sslcrl' | 'sslcrldir' | 'options'): Apply => (value, layer) => {
  layer[field] = value;
};

/** A parameter pgbak accepts only at values the driver connection behaves by anyway. */
const onlyValues = (allowed: readonly string[], why: string): Apply => (value, _layer, source) => {
  if (!allowed.includes(value.toLowerCase())) throw cannotHonour(source, value, why);
  // Accepted: the driver connection behaves so already.
};

/** A parameter the driver connection cannot honour at any value. */
const never = (why: string): Apply => (value, _layer, source) => {
  throw cannotHonour(source, value, why);
};

const params: Record<string, Param> = {
  host: { env: 'PGHOST' },
  port: { env: 'PGPORT' },
  dbname: { env: 'PGDATABASE' },
  user: { env: 'PGUSER' },
  password: { env: 'PGPASSWORD' },
  hostaddr: { env: 'PGHOSTADDR', apply: never('give the address as the host instead') },
  passfile: { env: 'PGPASSFILE', apply: never('set PGPASSFILE in the environment instead') },
  service: { env: 'PGSERVICE', apply: never('pgbak does not read pg_service.conf: give the settings themselves') },
  channel_binding: {
    env: 'PGCHANNELBINDING',
    apply: (value, layer, source) => {
      if (value === 'disable' || value === 'prefer') layer.channelBinding = value;
      else if (value === 'require') throw cannotHonour(source, value, 'the driver uses channel binding when the server offers it but cannot insist on it');
      else throw badValue(source, value, ['disable', 'prefer', 'require']);
    },
  },
  connect_timeout: {
    env: 'PGCONNECT_TIMEOUT',
    apply: (value, layer, source) => {
      const seconds = Number(value);
      if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(seconds)) throw badValue(source, value, ['a number of seconds']);
      layer.connectTimeout = seconds;
    },
  },
  client_encoding: { env: 'PGCLIENTENCODING', apply: onlyValues(['utf8', 'utf-8', 'unicode'], 'pgbak always talks UTF8 to the server') },
  options: { env: 'PGOPTIONS', apply: string('options') },
  application_name: { env: 'PGAPPNAME', apply: (value, layer) => void (layer.applicationName = value) },
  // pgbak always sets application_name ("pgbak" unless told), so a fallback never applies: as in libpq.
  fallback_application_name: { apply: () => undefined },
  keepalives: {
    apply: (value, layer, source) => {
      if (!/^\d+$/.test(value)) throw badValue(source, value, ['0', '1']);
      layer.keepalives = Number(value) !== 0;
    },
  },
  keepalives_idle: {
    apply: (value, layer, source) => {
      if (!/^\d+$/.test(value)) throw badValue(source, value, ['a number of seconds']);
      layer.keepalivesIdle = Number(value);
    },
  },
  keepalives_interval: { apply: never('Node sets no TCP keep-alive interval') },
  keepalives_count: { apply: never('Node sets no TCP keep-alive count') },
  tcp_user_timeout: { apply: never('Node sets no TCP user timeout') },
  sslmode: { env: 'PGSSLMODE', apply: (value, layer, source) => void (layer.sslmode = parseSslModeAt(value, source)) },
  sslnegotiation: {
    env: 'PGSSLNEGOTIATION',
    apply: (value, layer, source) => {
      if (value !== 'postgres' && value !== 'direct') throw badValue(source, value, ['postgres', 'direct']);
      layer.sslnegotiation = value;
    },
  },
  sslcompression: { env: 'PGSSLCOMPRESSION', apply: onlyValues(['0'], 'TLS compression is not available in Node') },
  sslcert: { env: 'PGSSLCERT', apply: string('sslcert') },
  sslkey: { env: 'PGSSLKEY', apply: string('sslkey') },
  sslcertmode: {
    env: 'PGSSLCERTMODE',
    apply: (value, layer, source) => {
      if (value === 'disable' || value === 'allow') layer.sslcertmode = value;
      else if (value === 'require') throw cannotHonour(source, value, 'the driver cannot tell whether the server asked for the certificate');
      else throw badValue(source, value, ['disable', 'allow', 'require']);
    },
  },
  // No environment variable: libpq has none for it either.
  sslpassword: { apply: (value, layer) => void (layer.sslpassword = new Secret(value)) },
  sslrootcert: { env: 'PGSSLROOTCERT', apply: string('sslrootcert') },
  sslcrl: { env: 'PGSSLCRL', apply: string('sslcrl') },
  sslcrldir: { env: 'PGSSLCRLDIR', apply: string('sslcrldir') },
  sslsni: { env: 'PGSSLSNI', apply: onlyValues(['1'], 'the driver always sends the host name (SNI)') },
  requirepeer: { env: 'PGREQUIREPEER', apply: never('the driver cannot check the peer of a Unix socket') },
  require_auth: { env: 'PGREQUIREAUTH', apply: never('the driver cannot restrict the authentication method') },
  ssl_min_protocol_version: {
    env: 'PGSSLMINPROTOCOLVERSION',
    apply: (value, layer, source) => void (layer.sslMinProtocolVersion = parseTlsVersion(value, source)),
  },
  ssl_max_protocol_version: {
    env: 'PGSSLMAXPROTOCOLVERSION',
    apply: (value, layer, source) => void (layer.sslMaxProtocolVersion = parseTlsVersion(value, source)),
  },
  gssencmode: { env: 'PGGSSENCMODE', apply: onlyValues(['disable', 'prefer'], 'the driver has no GSSAPI encryption') },
  krbsrvname: { env: 'PGKRBSRVNAME', apply: never('the driver has no GSSAPI/Kerberos authentication') },
  gsslib: { env: 'PGGSSLIB', apply: never('the driver has no GSSAPI authentication') },
  gssdelegation: { env: 'PGGSSDELEGATION', apply: onlyValues(['0'], 'the driver has no GSSAPI authentication') },
  replication: { apply: onlyValues(['0', 'false', 'off', 'no'], 'pgbak needs a regular connection, not a replication one') },
  target_session_attrs: { env: 'PGTARGETSESSIONATTRS', apply: onlyValues(['any'], 'the driver does not check the session (read-write, standby…)') },
  load_balance_hosts: { env: 'PGLOADBALANCEHOSTS', apply: onlyValues(['disable', 'random'], 'pgbak connects to one host') },
};

/** The libpq keywords pgbak knows (all of libpq 17's). */
export function isLibpqParam(name: string): boolean {
  return Object.hasOwn(params, name);
}

/** Applies one URL query parameter (a libpq keyword other than host/port/dbname/user/password). */
export function applyUrlParam(name: string, value: string, layer: ConnectionLayer, origin: string): void {
  params[name]?.apply?.(value, layer, { origin, name });
}

/**
 * Applies the PG* variables of the parameters the URL parser does not handle
 * (host, port, user, database and password are read by the caller).
 */
export function applyPgEnv(env: Readonly<Record<string, string | undefined>>, layer: ConnectionLayer): void {
  for (const [name, param] of Object.entries(params)) {
    const value = param.env ? env[param.env] : undefined;
    if (value === undefined || value === '' || !param.apply) continue;
    // PGPASSFILE is read where it is used (the passfile); PGSERVICE and friends are refused.
    if (name === 'passfile') continue;
    param.apply(value, layer, { origin: param.env!, name });
  }
}

export function parseSslModeAt(value: string, source: ParamSource): SslMode {
  if ((sslModes as readonly string[]).includes(value)) return value as SslMode;
  throw badValue(source, value, sslModes);
}

function parseTlsVersion(value: string, source: ParamSource): TlsVersion {
  // libpq compares these without regard to case.
  const found = tlsVersions.find((version) => version.toLowerCase() === value.toLowerCase());
  if (!found) throw badValue(source, value, tlsVersions);
  return found;
}

function label(source: ParamSource): string {
  return `${source.origin}: ${source.name}`;
}

function badValue(source: ParamSource, value: string, expected: readonly string[]): PgbakError {
  return new PgbakError('CONFIG_INVALID', `${label(source)} must be ${expected.length > 1 ? 'one of ' : ''}${expected.join(', ')}, got "${value}"`);
}

// The value is shown: only parameters with short, non-secret values are ever refused.
function cannotHonour(source: ParamSource, value: string, why: string): PgbakError {
  return new PgbakError('CONFIG_INVALID', `${label(source)}=${value} is a libpq setting pgbak's driver connections cannot honour: ${why}`, {
    hint: 'pgbak connects through the driver before (or instead of) pg_dump; remove the setting or change it',
  });
}
