// A compact line diff for definitions: only the lines that differ, so a
// 40-line function whose one line changed shows that line, not 80.

export interface LineDiff {
  /** Lines only in the first text, in order. */
  removed: string[];
  /** Lines only in the second text, in order. */
  added: string[];
}

/** Lines of `before` and `after` not in their longest common subsequence. */
export function diffLines(before: string, after: string): LineDiff {
  const a = splitLines(before);
  const b = splitLines(after);
  // Common head and tail first: definitions mostly differ in a few lines.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const keep = lcsMask(midA, midB);
  return {
    removed: midA.filter((_, i) => !keep.a[i]),
    added: midB.filter((_, i) => !keep.b[i]),
  };
}

function splitLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''))
    .filter((line) => line !== '');
}

// Marks the lines of each side that belong to one longest common subsequence
// (dynamic programming; the middle parts are small after trimming).
function lcsMask(a: string[], b: string[]): { a: boolean[]; b: boolean[] } {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const table = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * cols + j] = a[i] === b[j] ? table[(i + 1) * cols + j + 1]! + 1 : Math.max(table[(i + 1) * cols + j]!, table[i * cols + j + 1]!);
    }
  }
  const maskA = a.map(() => false);
  const maskB = b.map(() => false);
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      maskA[i] = true;
      maskB[j] = true;
      i++;
      j++;
    } else if (table[(i + 1) * cols + j]! >= table[i * cols + j + 1]!) i++;
    else j++;
  }
  return { a: maskA, b: maskB };
}
