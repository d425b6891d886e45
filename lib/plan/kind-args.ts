import type { ProfileStep } from '../config/profile-schema.js';
import type { ToolInfo } from '../tools/index.js';

/**
 * The pg_dump arguments that make each kind what it is. Options common to all
 * kinds (filters, ownership…) are added by `optionArgs`.
 */
export function kindArgs(step: ProfileStep, tool: ToolInfo): string[] {
  const blobsFlag = tool.version.major >= 16 ? '--large-objects' : '--blobs';
  const noBlobsFlag = tool.version.major >= 16 ? '--no-large-objects' : '--no-blobs';
  const blobs = step.blobs === undefined ? [] : [step.blobs ? blobsFlag : noBlobsFlag];
  switch (step.kind) {
    case 'full':
      // pg_dump includes large objects in a whole-database dump by default, but not
      // once --schema/--table narrow it: say it explicitly unless the profile says no.
      return step.blobs === false ? [noBlobsFlag] : [blobsFlag];
    case 'schema-only':
      return ['--schema-only'];
    case 'data-only':
      return ['--data-only', ...blobs];
    case 'tables':
      // --strict-names: a table name that matches nothing is an error, not an empty dump.
      return ['--strict-names', ...blobs];
    case 'large-objects':
      // Data-only with every schema excluded leaves exactly the large objects
      // (their definitions count as data in pg_dump's sections).
      return ['--data-only', blobsFlag, '--exclude-schema=*'];
    case 'globals-only':
      return ['--globals-only', ...(step.noRolePasswords ? ['--no-role-passwords'] : [])];
  }
}

/** Filters and options shared by the pg_dump kinds, in pg_dump's own order of documentation. */
export function optionArgs(step: ProfileStep): string[] {
  const args: string[] = [];
  // A --schema/--table pattern that matches nothing is an error, never a smaller
  // dump (kind tables says so among its own arguments); pgbak resolves the
  // patterns the same way before pg_dump starts, for both engines.
  if (step.kind !== 'tables' && ((step.schemas?.length ?? 0) > 0 || (step.tables?.length ?? 0) > 0)) args.push('--strict-names');
  for (const schema of step.schemas ?? []) args.push(`--schema=${schema}`);
  for (const schema of step.excludeSchemas ?? []) args.push(`--exclude-schema=${schema}`);
  for (const table of step.tables ?? []) args.push(`--table=${table}`);
  for (const table of step.excludeTables ?? []) args.push(`--exclude-table=${table}`);
  for (const table of step.excludeTableData ?? []) args.push(`--exclude-table-data=${table}`);
  if (step.noOwner) args.push('--no-owner');
  if (step.noPrivileges) args.push('--no-privileges');
  if (step.jobs !== undefined && step.jobs > 1) args.push(`--jobs=${step.jobs}`);
  if (step.lockWaitTimeout !== undefined) args.push(`--lock-wait-timeout=${formatTimeout(step.lockWaitTimeout)}`);
  return args;
}

/** Options pg_dumpall --globals-only understands. */
export function globalsOptionArgs(step: ProfileStep): string[] {
  const args: string[] = [];
  if (step.noOwner) args.push('--no-owner');
  if (step.noPrivileges) args.push('--no-privileges');
  if (step.lockWaitTimeout !== undefined) args.push(`--lock-wait-timeout=${formatTimeout(step.lockWaitTimeout)}`);
  return args;
}

// pg_dump passes the value to SET lock_timeout, which takes a number of
// milliseconds or a number with a unit ("30s", "2min").
function formatTimeout(value: number | string): string {
  return typeof value === 'number' ? String(value) : value.replace(/\s+/g, '');
}
