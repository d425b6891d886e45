/**
 * The candidate closest to `word`, for "did you mean …?": the same name in
 * another case or separator style (`keep_last`, `exclude-tables`) first, else the
 * nearest by edit distance (insertions, deletions, substitutions, swaps of two
 * neighbours) when it is close enough to be a typo; null otherwise.
 */
export function closest(word: string, candidates: Iterable<string>): string | null {
  const list = [...candidates];
  const normal = normalize(word);
  const same = list.find((candidate) => normalize(candidate) === normal);
  if (same !== undefined) return same === word ? null : same;
  const limit = Math.max(1, Math.floor(normal.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(normal, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : null;
}

/** ` (did you mean "x"?)`, or '' when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match === null ? '' : ` (did you mean "${match}"?)`;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring).
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
