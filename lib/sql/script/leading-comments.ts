/**
 * Removes the whitespace and comments (`--` lines, nested `/* *\/` blocks) before
 * a statement's first token, and counts the line ends removed: the statement's
 * line in the file is where its first token is.
 */
export function stripLeadingComments(text: string): { sql: string; lines: number } {
  let i = 0;
  let lines = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) {
      if (text[i] === '\n') lines++;
      i++;
    }
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      if (end === -1) return { sql: '', lines };
      lines++;
      i = end + 1;
    } else if (text.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (text.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (text.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else {
          if (text[i] === '\n') lines++;
          i++;
        }
      } while (depth > 0 && i < text.length);
    } else {
      return { sql: text.slice(i), lines };
    }
  }
}
