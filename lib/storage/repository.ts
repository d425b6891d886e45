import type { ArchiveSource } from './source.js';

/** An object (a file) directly under a repository. */
export interface RepositoryObject {
  /** Its name under the repository: a file name, or the key without the prefix. */
  name: string;
  /** Bytes; 0 for what is not a regular file. */
  size: number;
  /** When it was last written, when the storage says. */
  lastModified: Date | null;
  /** A regular file or object; false for folders, sockets… (a folder's entries only). */
  regular: boolean;
  /** Why it could not be looked at (a file that vanished or cannot be stat'ed). */
  problem?: string;
}

/** What became of one object of a batch deletion. */
export interface DeleteOutcome {
  name: string;
  /** Null: deleted (or already gone, where the storage does not tell). */
  error: string | null;
}

/**
 * A place that holds backups: a local folder, or a bucket and a prefix. Only the objects
 * directly under it count (a folder's files, the keys under the prefix without a further
 * "/"). Knows nothing about zips or PostgreSQL: retention/ decides what is a backup.
 */
export interface BackupRepository {
  readonly kind: 'folder' | 's3';
  /** For messages and reports: the folder's absolute path, or `s3://bucket/prefix/`. */
  readonly location: string;
  /** The folder's absolute path; null for a bucket (locks, run logs and leftovers are a folder's). */
  readonly folder: string | null;
  /** Where one object is, for messages: a path or `s3://bucket/key`. */
  locate(name: string): string;
  /** The objects directly under it, by name; a folder (or prefix) that does not exist holds none. */
  list(): Promise<RepositoryObject[]>;
  /** Opens one for ranged reads (the zip reader); fails like {@link ArchiveSource} opens do. */
  openSource(name: string): Promise<ArchiveSource>;
  /** A small object (a record beside an archive) as UTF-8, or null when absent; throws when it cannot be read. */
  readSmall(name: string, maxBytes?: number): Promise<string | null>;
  /**
   * Writes a small object whole (a folder: through a private temp file, renamed into place).
   * `signal` stops a bucket's request (a folder's write is not stopped); `contentType` is a bucket's (default JSON).
   */
  writeSmall(name: string, body: string, options?: { signal?: AbortSignal; contentType?: string }): Promise<void>;
  /** Deletes objects, in batches where the storage has them; one outcome per name, failures included. */
  deleteMany(names: readonly string[]): Promise<DeleteOutcome[]>;
  /**
   * The folders directly under it (a folder's subfolders, the prefixes one "/" deeper),
   * by name without the "/"; hidden ones (".name") left out. Absent: it has none to show.
   */
  subfolders?(): Promise<string[]>;
  /** The repository of one of its subfolders; shares what it holds (closing the child closes nothing). */
  child?(name: string): BackupRepository;
  /** Lets go of what it holds (a client). Idempotent. */
  close(): Promise<void>;
}
