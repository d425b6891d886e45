// restore --clean on partitioned tables: the partitions' attached constraints are
// listed before their parents', so that pg_restore drops the parents' first.
import { reorderForClean } from '../../../lib/restore/clean-order.js';

const toc = [
  ';',
  '; Archive created at 2026-12-04 20:45:00 UTC',
  ';',
  '214; 1259 16385 TABLE public customer postgres',
  '215; 1259 16392 TABLE public payment postgres',
  '216; 1259 16402 TABLE public payment_p2022_01 postgres',
  '217; 1259 16410 TABLE my schema odd table postgres',
  '3217; 0 0 TABLE ATTACH public payment_p2022_01 postgres',
  '3398; 0 16385 TABLE DATA public customer postgres',
  '3225; 2606 16391 CONSTRAINT public customer customer_pkey postgres',
  '3228; 2606 16396 CONSTRAINT public payment payment_pkey postgres',
  '3233; 2606 16406 CONSTRAINT public payment_p2022_01 payment_p2022_01_pkey postgres',
  '3234; 2606 16407 CONSTRAINT my schema odd table odd pkey postgres',
  '3226; 1259 16426 INDEX public payment_customer_idx postgres',
  '3230; 1259 16427 INDEX public payment_p2022_01_customer_id_idx postgres',
  '3244; 0 0 INDEX ATTACH public payment_p2022_01_customer_id_idx postgres',
  '3246; 0 0 INDEX ATTACH public payment_p2022_01_pkey postgres',
  '3247; 0 0 INDEX ATTACH my schema odd pkey postgres',
  '3253; 2606 16397 FK CONSTRAINT public payment payment_customer_id_fkey postgres',
  '',
].join('\n');

describe('reorderForClean', () => {
  it("moves the partitions' attached constraints before the first constraint, everything else in place", () => {
    const lines = reorderForClean(toc)!.split('\n');
    expect(lines.filter((line) => /CONSTRAINT/.test(line))).toEqual([
      '3233; 2606 16406 CONSTRAINT public payment_p2022_01 payment_p2022_01_pkey postgres',
      '3234; 2606 16407 CONSTRAINT my schema odd table odd pkey postgres',
      '3225; 2606 16391 CONSTRAINT public customer customer_pkey postgres',
      '3228; 2606 16396 CONSTRAINT public payment payment_pkey postgres',
      '3253; 2606 16397 FK CONSTRAINT public payment payment_customer_id_fkey postgres',
    ]);
    expect([...lines].sort()).toEqual(toc.split('\n').sort());
    // Data entries keep their place: a dump streamed from stdin cannot seek back.
    expect(lines.indexOf('3398; 0 16385 TABLE DATA public customer postgres')).toBe(toc.split('\n').indexOf('3398; 0 16385 TABLE DATA public customer postgres'));
  });

  it('returns null when nothing is attached (no partitioned table with a key)', () => {
    expect(reorderForClean(toc.split('\n').filter((line) => !line.includes('INDEX ATTACH')).join('\n'))).toBeNull();
    expect(reorderForClean(toc.split('\n').filter((line) => !line.includes('ATTACH public payment_p2022_01_pkey') && !line.includes('odd pkey')).join('\n'))).toBeNull();
  });
});
