/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  /** The work failed (a dump, the server, the disk); a retry may help. */
  failed: 1,
  /** Bad usage or configuration (profile, flags, credentials, missing database); fix it first. */
  usage: 2,
  /** A check found a problem (verify mismatch, compare found drift). */
  check: 3,
  /** Interrupted by SIGINT / SIGTERM (128 + signal number, as shells report it). */
  sigint: 130,
  sigterm: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable machine-readable error codes; `--json` prints them. */
export type ErrorCode =
  | 'PROFILE_INVALID'
  | 'PROFILE_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'AUTH_FAILED'
  | 'DATABASE_MISSING'
  | 'ROLE_MISSING'
  | 'PRIVILEGES_MISSING'
  | 'CONNECT_FAILED'
  | 'TLS_FAILED'
  | 'SERVER_ERROR'
  | 'TOOL_NOT_FOUND'
  | 'TOOL_INCOMPATIBLE'
  | 'STEP_FAILED'
  | 'OUTPUT_NOT_WRITABLE'
  | 'LOCKED'
  | 'INTERRUPTED'
  | 'ARCHIVE_INVALID'
  | 'ARCHIVE_TAMPERED'
  | 'ENCRYPTION_KEY'
  | 'OUTPUT_UNREADABLE'
  | 'STALE_BACKUP'
  | 'TARGET_NOT_EMPTY'
  | 'VERIFY_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'SCHEMA_DRIFT'
  | 'DATABASES_FAILED'
  | 'INTERNAL';

const exitCodeOf: Record<ErrorCode, ExitCodeValue> = {
  PROFILE_INVALID: ExitCode.usage,
  PROFILE_NOT_FOUND: ExitCode.usage,
  CONFIG_INVALID: ExitCode.usage,
  USAGE: ExitCode.usage,
  AUTH_FAILED: ExitCode.usage,
  DATABASE_MISSING: ExitCode.usage,
  ROLE_MISSING: ExitCode.usage,
  /** The role may not read what the profile asks to dump: GRANTs to make, not a retry. */
  PRIVILEGES_MISSING: ExitCode.usage,
  CONNECT_FAILED: ExitCode.failed,
  /** The TLS settings and the server's certificates disagree (sslmode, root certificate, CRL, client key). */
  TLS_FAILED: ExitCode.usage,
  SERVER_ERROR: ExitCode.failed,
  TOOL_NOT_FOUND: ExitCode.failed,
  TOOL_INCOMPATIBLE: ExitCode.failed,
  STEP_FAILED: ExitCode.failed,
  OUTPUT_NOT_WRITABLE: ExitCode.failed,
  LOCKED: ExitCode.failed,
  INTERRUPTED: ExitCode.sigint,
  ARCHIVE_INVALID: ExitCode.failed,
  /** An encrypted archive fails its authentication (age's MACs) or ends early: altered, damaged or cut short. */
  ARCHIVE_TAMPERED: ExitCode.check,
  /** No identity opens an encrypted archive, a wrong passphrase, or a key file that does not read. */
  ENCRYPTION_KEY: ExitCode.usage,
  OUTPUT_UNREADABLE: ExitCode.failed,
  STALE_BACKUP: ExitCode.check,
  TARGET_NOT_EMPTY: ExitCode.usage,
  VERIFY_MISMATCH: ExitCode.check,
  /** A verify key was given and the archive's signature is missing, malformed, another key's or does not match. */
  SIGNATURE_INVALID: ExitCode.check,
  SCHEMA_DRIFT: ExitCode.check,
  /** Some archives of a per-database run failed (the others were written): details name them. */
  DATABASES_FAILED: ExitCode.failed,
  INTERNAL: ExitCode.failed,
};

export interface PgbakErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Overrides the exit code implied by the error code (e.g. 143 for SIGTERM). */
  exitCode?: ExitCodeValue;
  /** The command's full result when a check fails (verify, status): `--json` prints it. */
  details?: unknown;
}

// Shared by every copy of this module in the process (Symbol.for), unlike the class itself.
const BRAND = Symbol.for('pgbak.PgbakError');

/**
 * The one error type pgbak throws on purpose. `message` is a single line meant
 * for the person at the terminal; `hint` says what to do about it. Neither ever
 * contains a secret.
 */
export class PgbakError extends Error {
  /**
   * `instanceof PgbakError` holds for a PgbakError made by another copy of this module:
   * the CLI bundle loads S3 storage (and its errors.js) lazily from tsc's output beside it.
   * Subclasses keep the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== PgbakError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: PgbakErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PgbakError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? exitCodeOf[code];
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

export function isPgbakError(error: unknown): error is PgbakError {
  return error instanceof PgbakError;
}

/** Wraps anything thrown into a PgbakError, keeping the original as `cause`. */
export function toPgbakError(error: unknown): PgbakError {
  if (isPgbakError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PgbakError('INTERNAL', message, { cause: error });
}
