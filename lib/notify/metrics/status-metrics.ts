// `pgbak status --format prometheus`: the same families a run writes, judged from the
// repository (a folder or a bucket) rather than remembered by the machine that ran: what a
// sidecar or node_exporter's textfile collector serves for a fleet. What status does not
// read (durations, table counts) is left out; what only status knows (age, stale,
// number of backups) is added.
import type { GroupStatus, StatusReport } from '../../retention/index.js';
import { renderExposition, type Sample } from './exposition.js';
import { RUN_FAMILIES, STATUS_FAMILIES, type MetricFamily } from './families.js';

/** The exposition text for a status report: one set of series per (profile, database, host). */
export function statusMetrics(report: Pick<StatusReport, 'groups' | 'maxAgeMs'>): string {
  return renderExposition({ samples: report.groups.flatMap((group) => groupSamples(group, report.maxAgeMs)) });
}

function groupSamples(group: GroupStatus, maxAgeMs: number | null): Sample[] {
  // The group's host (its newest backup's manifest); a group that only ever failed has none.
  const host = group.host ?? group.lastSuccess?.host ?? group.lastVerified?.host;
  const labels: Record<string, string> = { profile: group.profile, database: group.database, ...(host !== undefined && { host }) };
  const seconds = (iso: string) => Date.parse(iso) / 1000;
  const { lastSuccess, lastFailure, lastVerified } = group;
  const values: Array<[MetricFamily, number | undefined]> = [
    [RUN_FAMILIES.lastSuccess, lastSuccess ? seconds(lastSuccess.startedAt) : undefined],
    [RUN_FAMILIES.lastFailure, lastFailure ? seconds(lastFailure.failedAt) : undefined],
    [RUN_FAMILIES.lastRunSuccess, group.failing ? 0 : lastSuccess ? 1 : undefined],
    [RUN_FAMILIES.lastBackupSize, lastSuccess?.bytes],
    [RUN_FAMILIES.lastVerified, lastVerified ? seconds(lastVerified.startedAt) : undefined],
    [STATUS_FAMILIES.backups, group.count],
    [STATUS_FAMILIES.lastSuccessAge, lastSuccess ? lastSuccess.ageMs / 1000 : undefined],
    [STATUS_FAMILIES.stale, maxAgeMs === null ? undefined : group.stale ? 1 : 0],
    [STATUS_FAMILIES.maxAge, maxAgeMs === null ? undefined : maxAgeMs / 1000],
    [STATUS_FAMILIES.previousBackupSize, group.previousBytes ?? undefined],
    [STATUS_FAMILIES.shrunk, group.count >= 2 ? (group.shrunk ? 1 : 0) : undefined],
  ];
  return values.flatMap(([family, value]) => (value === undefined ? [] : [{ name: family.name, labels, value }]));
}
