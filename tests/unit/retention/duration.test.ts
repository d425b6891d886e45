import { parseDuration } from '../../../lib/retention/duration.js';
import { formatAge, formatUtc } from '../../../lib/retention/format-time.js';

describe('parseDuration', () => {
  it.each([
    ['26h', 26 * 3_600_000],
    ['90m', 90 * 60_000],
    ['90min', 90 * 60_000],
    ['7d', 7 * 86_400_000],
    ['1w', 7 * 86_400_000],
    ['1d12h', 36 * 3_600_000],
    ['30s', 30_000],
    ['1.5h', 90 * 60_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['26', '', 'h', '-1h', '0h', '2 days', '1y', '1h garbage'])('refuses %p with a usage error', (text) => {
    expect(() => parseDuration(text)).toThrow(expect.objectContaining({ code: 'USAGE', exitCode: 2 }));
  });
});

describe('formatAge and formatUtc', () => {
  it('shows ages the way people read them', () => {
    expect([45_000, 12 * 60_000, 5 * 3_600_000 + 3 * 60_000, 26 * 3_600_000, (3 * 24 + 4) * 3_600_000, -120_000].map(formatAge)).toEqual([
      '45s',
      '12m',
      '5h 3m',
      '26h',
      '3d 4h',
      '-2m',
    ]);
  });

  it('shows times in UTC without milliseconds', () => {
    expect(formatUtc('2024-02-29T01:02:03.456Z')).toBe('2024-02-29 01:02:03Z');
  });
});
