// Server settings for throwaway test clusters: durability is irrelevant, speed is not.
export const LIGHT_SETTINGS = [
  'fsync=off',
  'full_page_writes=off',
  'synchronous_commit=off',
  'max_connections=100',
];

/** `postgres` command-line flags for the given settings (`-c name=value` pairs). */
export function toServerFlags(settings: readonly string[]): string[] {
  return settings.flatMap((setting) => ['-c', setting]);
}
