import { isoWeek, periodKey } from '../../../lib/retention/periods.js';
import { selectToKeep, type RetentionCandidate } from '../../../lib/retention/select.js';
import { everyDay } from './fake-backups.js';
import { keptInZone } from './in-time-zone.js';

type Candidate = RetentionCandidate & { id: string };

function backups(times: string[], extra: Partial<Candidate> = {}): Candidate[] {
  return times.map((startedAt) => ({ id: startedAt, profile: 'nightly', database: 'app', startedAt, ...extra }));
}

/** The startedAt of every kept backup, oldest first, as `YYYY-MM-DD` (or full ISO with `full`). */
function kept(decisions: ReturnType<typeof selectToKeep<Candidate>>, full = false): string[] {
  return decisions
    .filter((d) => d.keep)
    .map((d) => (full ? d.backup.startedAt : d.backup.startedAt.slice(0, 10)))
    .sort();
}

const twoYears = backups(everyDay('2023-01-01', '2024-12-31'));

describe('UTC periods', () => {
  it.each([
    ['2020-12-31T12:00:00Z', '2020-W53'],
    ['2021-01-03T23:59:59Z', '2020-W53'],
    ['2021-01-04T00:00:00Z', '2021-W01'],
    ['2024-12-29T12:00:00Z', '2024-W52'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
    ['2026-12-31T12:00:00Z', '2026-W53'],
    ['2027-01-01T12:00:00Z', '2026-W53'],
    ['2024-02-29T12:00:00Z', '2024-W09'],
    ['2023-01-01T12:00:00Z', '2022-W52'],
  ])('puts %s in ISO week %s', (at, week) => {
    expect(isoWeek(new Date(at))).toBe(week);
  });

  it('names days, months and years in UTC', () => {
    const at = new Date('2024-02-29T23:30:00Z');
    expect([periodKey('daily', at), periodKey('monthly', at), periodKey('yearly', at)]).toEqual(['2024-02-29', '2024-02', '2024']);
  });
});

describe('selectToKeep', () => {
  it('keeps the N newest backups with keep-last', () => {
    const result = selectToKeep(twoYears, { keepLast: 3 });
    expect(kept(result)).toEqual(['2024-12-29', '2024-12-30', '2024-12-31']);
    expect(result.find((d) => d.backup.startedAt.startsWith('2024-12-30'))!.reasons).toEqual([{ rule: 'keep-last' }]);
  });

  it('keeps the newest backup of each of the last N days with keep-daily, several backups a day', () => {
    const times = [...everyDay('2024-06-01', '2024-06-10', 1), ...everyDay('2024-06-01', '2024-06-10', 13), ...everyDay('2024-06-01', '2024-06-10', 23)];
    const result = selectToKeep(backups(times), { keepDaily: 3 });
    expect(kept(result, true)).toEqual(['2024-06-08T23:00:00.000Z', '2024-06-09T23:00:00.000Z', '2024-06-10T23:00:00.000Z']);
  });

  it('counts only days that have backups, so gaps do not expire old backups', () => {
    const times = ['2024-03-01T01:00:00Z', '2024-03-02T01:00:00Z', '2024-03-10T01:00:00Z', '2024-03-20T01:00:00Z'];
    expect(kept(selectToKeep(backups(times), { keepDaily: 3 }))).toEqual(['2024-03-02', '2024-03-10', '2024-03-20']);
  });

  it('keeps month ends with keep-monthly, leap day and short Februaries included', () => {
    const result = kept(selectToKeep(twoYears, { keepMonthly: 24 }));
    expect(result).toHaveLength(24);
    expect(result).toEqual(expect.arrayContaining(['2023-01-31', '2023-02-28', '2023-04-30', '2024-02-29', '2024-12-31']));
    expect(result).not.toContain('2024-02-28');
  });

  it('keeps the newest backup of each ISO week (Monday start) with keep-weekly across a year boundary', () => {
    // 2024-12-30 and -31 belong to ISO week 2025-W01; 2024-12-29 (a Sunday) ends 2024-W52.
    expect(kept(selectToKeep(twoYears, { keepWeekly: 3 }))).toEqual(['2024-12-22', '2024-12-29', '2024-12-31']);
  });

  it('treats ISO week 53 as one week spanning New Year', () => {
    const times = everyDay('2020-12-20', '2021-01-12');
    const result = selectToKeep(backups(times), { keepWeekly: 10 });
    const reasons = result.filter((d) => d.keep).map((d) => [d.backup.startedAt.slice(0, 10), d.reasons[0]!.period]);
    expect(reasons).toEqual([
      ['2020-12-20', '2020-W51'],
      ['2020-12-27', '2020-W52'],
      ['2021-01-03', '2020-W53'],
      ['2021-01-10', '2021-W01'],
      ['2021-01-12', '2021-W02'],
    ]);
  });

  it('uses the calendar year for keep-yearly even where the ISO week-year differs', () => {
    const times = ['2026-12-30T01:00:00Z', '2027-01-01T01:00:00Z', '2027-01-02T01:00:00Z'];
    const result = selectToKeep(backups(times), { keepYearly: 2, keepWeekly: 1 });
    expect(result.map((d) => [d.backup.startedAt.slice(0, 10), d.reasons])).toEqual([
      ['2026-12-30', [{ rule: 'keep-yearly', period: '2026' }]],
      ['2027-01-01', []],
      ['2027-01-02', [{ rule: 'keep-weekly', period: '2026-W53' }, { rule: 'keep-yearly', period: '2027' }, { rule: 'newest' }]],
    ]);
  });

  it('combines rules over two years and says every rule that keeps a backup', () => {
    const result = selectToKeep(twoYears, { keepDaily: 7, keepWeekly: 4, keepMonthly: 6, keepYearly: 5 });
    expect(kept(result)).toEqual([
      '2023-12-31',
      '2024-07-31', '2024-08-31', '2024-09-30', '2024-10-31', '2024-11-30',
      '2024-12-15', '2024-12-22',
      '2024-12-25', '2024-12-26', '2024-12-27', '2024-12-28', '2024-12-29', '2024-12-30', '2024-12-31',
    ]);
    const newest = result.find((d) => d.backup.startedAt.startsWith('2024-12-31'))!;
    expect(newest.reasons.map((r) => r.rule)).toEqual(['keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly', 'newest']);
  });

  it('groups by profile and database', () => {
    const times = everyDay('2024-01-01', '2024-01-05');
    const all = [
      ...backups(times, { profile: 'nightly', database: 'app' }),
      ...backups(times, { profile: 'nightly', database: 'billing' }),
      ...backups(times, { profile: 'hourly', database: 'app' }),
    ];
    const result = selectToKeep(all, { keepLast: 2 });
    const keptBy = (profile: string, database: string) =>
      result.filter((d) => d.keep && d.backup.profile === profile && d.backup.database === database).map((d) => d.backup.startedAt.slice(0, 10));
    expect(keptBy('nightly', 'app').sort()).toEqual(['2024-01-04', '2024-01-05']);
    expect(keptBy('nightly', 'billing').sort()).toEqual(['2024-01-04', '2024-01-05']);
    expect(keptBy('hourly', 'app').sort()).toEqual(['2024-01-04', '2024-01-05']);
  });

  it('never deletes the newest verified backup, even when the policy would drop it', () => {
    const all = backups(everyDay('2024-01-01', '2024-01-10'));
    all[2]!.verification = { ok: true }; // 2024-01-03
    all[6]!.verification = { ok: false }; // a failed verification is no verification
    const result = selectToKeep(all, { keepLast: 2 });
    expect(kept(result)).toEqual(['2024-01-03', '2024-01-09', '2024-01-10']);
    expect(result[2]!.reasons).toEqual([{ rule: 'newest-verified' }]);
  });

  it('keeps the newest backup when none is verified', () => {
    const result = selectToKeep(backups(everyDay('2024-01-01', '2024-01-03')), { keepMonthly: 1 });
    expect(result.map((d) => d.reasons.map((r) => r.rule))).toEqual([[], [], ['keep-monthly', 'newest']]);
  });

  it.each([[{}], [{ keepLast: 0, keepDaily: 0 }], [null], [undefined]])('keeps everything and says so under the empty policy %p', (policy) => {
    const result = selectToKeep(twoYears.slice(0, 5), policy);
    expect(result.every((d) => d.keep && d.reasons.length === 1 && d.reasons[0]!.rule === 'no-policy')).toBe(true);
  });

  it('orders a second run in the same second after the first', () => {
    const at = '2024-05-01T01:00:00.000Z';
    const first = { id: 'a', profile: 'p', database: 'd', startedAt: at, file: 'p-d-20240501T010000Z.zip' };
    const second = { ...first, id: 'b', file: 'p-d-20240501T010000Z-2.zip' };
    const tenth = { ...first, id: 'c', file: 'p-d-20240501T010000Z-10.zip' };
    expect(selectToKeep([tenth, first, second], { keepLast: 1 }).map((d) => d.keep)).toEqual([true, false, false]);
  });

  it('gives the same answer in any local time zone', async () => {
    const times = [...everyDay('2024-12-20', '2025-01-05', 0), ...everyDay('2024-12-20', '2025-01-05', 23)];
    const policy = { keepDaily: 5, keepWeekly: 3, keepMonthly: 2, keepYearly: 2 };
    const answers = await Promise.all(['UTC', 'Pacific/Kiritimati', 'America/Los_Angeles', 'Asia/Kolkata'].map((zone) => keptInZone(zone, times, policy)));
    // Proof that the zones really differ where it matters: 23:00 UTC on New Year's Eve is already 1 January in Kiritimati.
    expect(answers.map((a) => a.localDay)).toEqual([31, 1, 31, 1]);
    expect(new Set(answers.map((a) => a.kept.join()))).toHaveProperty('size', 1);
    expect(answers[0]!.kept).toContain('2024-12-31T23:00:00.000Z');
  });
});
