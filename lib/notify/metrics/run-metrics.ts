// A run's metrics: the series of each (profile, database, host) it backed up, what
// this run says merged with what the previous state said (a failure keeps the last
// success, its size and tables; a success keeps the last failure).
import type { Exposition, Sample } from './exposition.js';
import { RUN_FAMILIES, type MetricFamily } from './families.js';

/** What a finished run tells the metrics: enough to name its groups and say how it went. */
export interface RunOutcome {
  profile: string;
  /** The server's host as the run connected to it (the manifest's `source.host`). */
  host: string;
  /** The databases the run backed up (as far as it knew them when it failed). */
  databases: readonly string[];
  /**
   * The run dumped every database of the server (`databases: all`): when it succeeds,
   * series of this profile and host for databases no longer there are removed.
   */
  allDatabases: boolean;
  /** When the run began and ended (its duration). */
  startedAt: Date;
  finishedAt: Date;
  /** Set when the run wrote its backup; null when it failed. */
  backup: {
    /** The manifest's start: the moment the backup's data is from. */
    startedAt: Date;
    bytes: number;
    /** Tables per database, when the run counted them (rowCounts not off). */
    tables: Readonly<Record<string, number>>;
    /** The run restore-tested its backup, and it passed. */
    verified: boolean;
  } | null;
}

/** The labels of one backup group. */
export function groupLabels(profile: string, database: string, host: string): Record<string, string> {
  return { profile, database, host };
}

function sameGroup(labels: Readonly<Record<string, string>>, group: Record<string, string>): boolean {
  const names = Object.keys(labels);
  return names.length === 3 && names.every((name) => labels[name] === group[name]);
}

/**
 * The state after the run: `previous` with every series of the run's groups replaced
 * by the run's (and, after a successful `databases: all` run, without the groups of
 * databases that are gone); everything else as it was.
 */
export function mergeRunMetrics(previous: Exposition, outcome: RunOutcome): Exposition {
  const replaced = (labels: Readonly<Record<string, string>>) =>
    labels.profile === outcome.profile &&
    labels.host === outcome.host &&
    (outcome.databases.includes(labels.database ?? '') || (outcome.allDatabases && outcome.backup !== null));
  const kept = previous.samples.filter((sample) => !replaced(sample.labels));
  const added = [...new Set(outcome.databases)].flatMap((database) => {
    const labels = groupLabels(outcome.profile, database, outcome.host);
    return groupSamples(outcome, labels, previous.samples.filter((sample) => sameGroup(sample.labels, labels)));
  });
  return { samples: [...kept, ...added], read: previous.read };
}

/** The run's series for one group, with nothing before it: what a Pushgateway gets. */
export function runSamples(outcome: RunOutcome): Sample[] {
  return mergeRunMetrics({ samples: [], read: new Map() }, outcome).samples;
}

function groupSamples(outcome: RunOutcome, labels: Record<string, string>, previous: Sample[]): Sample[] {
  const before = (family: MetricFamily) => previous.find((sample) => sample.name === family.name)?.value;
  const seconds = (date: Date) => date.getTime() / 1000;
  const duration = (outcome.finishedAt.getTime() - outcome.startedAt.getTime()) / 1000;
  const { backup } = outcome;
  const values: Array<[MetricFamily, number | undefined]> = backup
    ? [
        [RUN_FAMILIES.lastSuccess, seconds(backup.startedAt)],
        [RUN_FAMILIES.lastFailure, before(RUN_FAMILIES.lastFailure)],
        [RUN_FAMILIES.lastRunSuccess, 1],
        [RUN_FAMILIES.lastRunDuration, duration],
        [RUN_FAMILIES.lastBackupSize, backup.bytes],
        // Not counted this time: an older backup's count would mislead.
        [RUN_FAMILIES.lastBackupTables, backup.tables[labels.database!]],
        [RUN_FAMILIES.lastVerified, backup.verified ? seconds(backup.startedAt) : before(RUN_FAMILIES.lastVerified)],
      ]
    : [
        [RUN_FAMILIES.lastSuccess, before(RUN_FAMILIES.lastSuccess)],
        [RUN_FAMILIES.lastFailure, seconds(outcome.finishedAt)],
        [RUN_FAMILIES.lastRunSuccess, 0],
        [RUN_FAMILIES.lastRunDuration, duration],
        [RUN_FAMILIES.lastBackupSize, before(RUN_FAMILIES.lastBackupSize)],
        [RUN_FAMILIES.lastBackupTables, before(RUN_FAMILIES.lastBackupTables)],
        [RUN_FAMILIES.lastVerified, before(RUN_FAMILIES.lastVerified)],
      ];
  return values.flatMap(([family, value]) => (value === undefined ? [] : [{ name: family.name, labels, value }]));
}
