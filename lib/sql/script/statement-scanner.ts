// The lexical state of a SQL script between statements, one byte at a time, so
// that a chunk may end anywhere (inside `--`, `''`, `$tag$`, `\r\n`…) without
// lookahead. It follows psql's lexer (src/fe_utils/psqlscan.l) where it decides
// what ends a statement: a `;` outside quotes, comments, parentheses and the
// BEGIN … END of a SQL-standard function body.
//
// Bytes, not characters: every byte that matters is ASCII, and in the encodings a
// server can store (UTF8, LATIN*, EUC_*) a byte below 0x80 is always ASCII.

const Normal = 0;
const Dash = 1; // saw `-`: a `--` comment or an operator
const Slash = 2; // saw `/`: a `/*` comment or an operator
const LineComment = 3;
const Block = 4;
const BlockStar = 5;
const BlockSlash = 6;
const Squote = 7;
const SquoteQuote = 8; // saw `'` in a string: `''` or its end
const Estring = 9;
const EstringEscape = 10;
const EstringQuote = 11;
const Dquote = 12;
const DquoteQuote = 13;
const DollarTag = 14; // after `$`: an opening `$tag$`, a `$1` parameter, or an operator
const DollarBody = 15;
const Word = 16;

const NL = 0x0a;
const BACKSLASH = 0x5c;

/** What {@link StatementScanner.scan} stopped at. */
export type ScanStop =
  /** `end` is just after a `;` that ends the statement. */
  | 'semicolon'
  /** `end` is at a `\` that starts a psql meta-command (outside any quote). */
  | 'meta'
  /** The buffer was used up inside the statement. */
  | null;

/** Where the scanner is inside quotes or comments (for "the file ends inside …"). */
export interface OpenConstruct {
  what: string;
  line: number;
}

const MAX_WORD = 16;
const MAX_TAG = 1024;

export class StatementScanner {
  /** 1-based line of the next byte. */
  line = 1;
  /** Whether the statement holds anything besides whitespace and comments. */
  hasContent = false;
  /** The line of the statement's first token (kept after the statement ends). */
  statementLine = 1;
  /** `standard_conforming_strings`: off makes `\` an escape in plain '' strings. */
  standardStrings = true;
  /** Whether the next byte starts a line; at a `'meta'` stop, whether the `\` does. */
  atLineStart = true;
  /**
   * The first line (0: none) of a string literal psql may read otherwise than
   * this scanner: a plain '…' literal with a quote right after an odd run of
   * backslashes (with standard_conforming_strings on the string ends there, off it
   * goes on), or an escape string with a backslash right after a non-ASCII byte
   * (in SJIS, BIG5, GBK… the two are one character). psql follows the server's
   * settings, which a script can change in ways no scanner can follow
   * (set_config, RESET…): there a scan cannot be sure where psql's strings end.
   */
  ambiguousStringLine = 0;

  private state = Normal;
  private parenDepth = 0;
  private beginDepth = 0;
  private blockDepth = 0;
  private openedOn = 0;
  private word = '';
  private wordLength = 0;
  // psql's heuristic for BEGIN ATOMIC bodies: the first letters of the first four
  // words when they are CREATE / OR / REPLACE / FUNCTION / PROCEDURE.
  private words = 0;
  private lead = ['', '', '', ''];
  private tag: number[] = [];
  // The byte before the current one.
  private previous = 0;
  // In a plain '…' literal: an odd run of backslashes ends at the current byte.
  private oddBackslashes = false;
  // The literal in Estring is a plain '…' read with standard_conforming_strings off (not E'…').
  private plainEscaped = false;
  private delimiter: number[] = [];
  private matched = 0;

  /** Forgets the statement just ended (or abandoned); keeps the line and string mode. */
  resetStatement(): void {
    this.state = Normal;
    this.parenDepth = 0;
    this.beginDepth = 0;
    this.hasContent = false;
    this.words = 0;
    this.lead = ['', '', '', ''];
    this.word = '';
    this.wordLength = 0;
  }

  /**
   * Advances from `start` to a statement end, a meta-command or the end of `buf`.
   * The state carries over: call again with the next chunk.
   */
  scan(buf: Uint8Array, start: number): { end: number; stop: ScanStop } {
    for (let i = start; i < buf.length; i++) {
      const c = buf[i]!;
      const stop = this.step(c);
      this.previous = c;
      if (stop === 'meta') return { end: i, stop };
      this.atLineStart = c === NL;
      if (c === NL) this.line++;
      if (stop === 'semicolon') return { end: i + 1, stop };
    }
    return { end: buf.length, stop: null };
  }

  /**
   * At the end of the input: settles a pending `-` or `/`, and says which quote or
   * comment is still open (null when the script ends cleanly).
   */
  finish(): OpenConstruct | null {
    if (this.state === Dash || this.state === Slash) {
      this.markContent();
      this.state = Normal;
    }
    if (this.state === Word || this.state === DollarTag || this.state === SquoteQuote || this.state === EstringQuote || this.state === DquoteQuote) {
      this.state = Normal;
    }
    const what = openConstructs[this.state];
    return what === undefined ? null : { what, line: this.openedOn };
  }

  private noteAmbiguous(): void {
    if (this.ambiguousStringLine === 0) this.ambiguousStringLine = this.line;
  }

  private markContent(): void {
    if (!this.hasContent) this.statementLine = this.line;
    this.hasContent = true;
  }

  private step(c: number): ScanStop {
    // A loop, not recursion: a byte that ends a construct is looked at again in Normal.
    for (;;) {
      switch (this.state) {
        case Normal:
          return this.normal(c);
        case Dash:
          if (c === 0x2d) {
            this.state = LineComment;
            return null;
          }
          this.markContent();
          this.state = Normal;
          continue;
        case Slash:
          if (c === 0x2a) {
            this.state = Block;
            this.blockDepth = 1;
            this.openedOn = this.line;
            return null;
          }
          this.markContent();
          this.state = Normal;
          continue;
        case LineComment:
          if (c === NL) this.state = Normal;
          return null;
        case Block:
          if (c === 0x2a) this.state = BlockStar;
          else if (c === 0x2f) this.state = BlockSlash;
          return null;
        case BlockStar:
          if (c === 0x2f) {
            this.blockDepth--;
            this.state = this.blockDepth === 0 ? Normal : Block;
          } else if (c !== 0x2a) this.state = Block;
          return null;
        case BlockSlash:
          if (c === 0x2a) {
            this.blockDepth++;
            this.state = Block;
          } else if (c !== 0x2f) this.state = Block;
          return null;
        case Squote:
          if (c === 0x27) {
            if (this.oddBackslashes) this.noteAmbiguous();
            this.state = SquoteQuote;
          }
          this.oddBackslashes = c === BACKSLASH && !this.oddBackslashes;
          return null;
        case SquoteQuote:
          if (c === 0x27) {
            this.state = Squote;
            return null;
          }
          this.state = Normal;
          continue;
        case Estring:
          // In SJIS, BIG5, GBK… a backslash can be the second byte of a character:
          // psql, switched to such a client encoding, would not read an escape there.
          if (c === BACKSLASH && this.previous >= 0x80) this.noteAmbiguous();
          if (c === BACKSLASH) this.state = EstringEscape;
          else if (c === 0x27) this.state = EstringQuote;
          return null;
        case EstringEscape:
          if (c === 0x27 && this.plainEscaped) this.noteAmbiguous();
          this.state = Estring;
          return null;
        case EstringQuote:
          if (c === 0x27) {
            this.state = Estring;
            return null;
          }
          this.state = Normal;
          continue;
        case Dquote:
          if (c === 0x22) this.state = DquoteQuote;
          return null;
        case DquoteQuote:
          if (c === 0x22) {
            this.state = Dquote;
            return null;
          }
          this.state = Normal;
          continue;
        case DollarTag:
          if (isIdentStart(c) || (isDigit(c) && this.tag.length > 0)) {
            if (this.tag.length >= MAX_TAG) {
              this.failDollar();
              continue;
            }
            this.tag.push(c);
            return null;
          }
          if (c === 0x24) {
            this.delimiter = [0x24, ...this.tag, 0x24];
            this.matched = 0;
            this.state = DollarBody;
            return null;
          }
          // `$1` (a parameter), `$tag` without its closing `$`, or a lone `$`.
          this.failDollar();
          continue;
        case DollarBody:
          if (c === this.delimiter[this.matched]) {
            this.matched++;
            if (this.matched === this.delimiter.length) this.state = Normal;
          } else {
            // A tag holds no `$`, so a mismatch can only restart the match at a `$`.
            this.matched = c === 0x24 ? 1 : 0;
          }
          return null;
        case Word:
          if (isIdentCont(c)) {
            if (this.wordLength < MAX_WORD) this.word += String.fromCharCode(c | (c >= 0x41 && c <= 0x5a ? 0x20 : 0));
            this.wordLength++;
            return null;
          }
          this.endWord();
          if (c === 0x27 && this.wordLength === 1 && this.word === 'e') {
            this.openedOn = this.line;
            this.state = Estring;
            this.plainEscaped = false;
            return null;
          }
          this.state = Normal;
          continue;
        default:
          throw new Error(`unreachable scanner state ${this.state}`);
      }
    }
  }

  private normal(c: number): ScanStop {
    switch (c) {
      case 0x20:
      case 0x09:
      case NL:
      case 0x0d:
      case 0x0c:
      case 0x0b:
        return null;
      case 0x2d:
        this.state = Dash;
        return null;
      case 0x2f:
        this.state = Slash;
        return null;
      case BACKSLASH:
        return 'meta';
    }
    this.markContent();
    switch (c) {
      case 0x3b:
        if (this.parenDepth === 0 && this.beginDepth === 0) {
          this.resetStatement();
          return 'semicolon';
        }
        return null;
      case 0x27:
        this.openedOn = this.line;
        this.state = this.standardStrings ? Squote : Estring;
        this.oddBackslashes = false;
        this.plainEscaped = !this.standardStrings;
        return null;
      case 0x22:
        this.openedOn = this.line;
        this.state = Dquote;
        return null;
      case 0x24:
        this.openedOn = this.line;
        this.tag = [];
        this.state = DollarTag;
        return null;
      case 0x28:
        this.parenDepth++;
        return null;
      case 0x29:
        if (this.parenDepth > 0) this.parenDepth--;
        return null;
    }
    if (isIdentStart(c)) {
      this.word = String.fromCharCode(c | (c >= 0x41 && c <= 0x5a ? 0x20 : 0));
      this.wordLength = 1;
      this.state = Word;
    }
    return null;
  }

  // What psql does with `$abc` not followed by `$`: the `$` is a character of its
  // own and `abc` is read again as a word.
  private failDollar(): void {
    if (this.tag.length === 0) {
      this.state = Normal;
      return;
    }
    this.word = String.fromCharCode(...this.tag.slice(0, MAX_WORD).map((c) => c | (c >= 0x41 && c <= 0x5a ? 0x20 : 0)));
    this.wordLength = this.tag.length;
    this.state = Word;
  }

  private endWord(): void {
    const word = this.wordLength <= MAX_WORD ? this.word : '';
    if (this.words < 4 && (word === 'create' || word === 'function' || word === 'procedure' || word === 'or' || word === 'replace')) {
      this.lead[this.words] = word[0]!;
    }
    this.words++;
    const [a, b, c, d] = this.lead;
    const createsRoutine = a === 'c' && (b === 'f' || b === 'p' || (b === 'o' && c === 'r' && (d === 'f' || d === 'p')));
    if (!createsRoutine || this.parenDepth !== 0) return;
    if (word === 'begin') this.beginDepth++;
    // CASE also ends with END; it only matters inside a BEGIN block.
    else if (word === 'case' && this.beginDepth > 0) this.beginDepth++;
    else if (word === 'end' && this.beginDepth > 0) this.beginDepth--;
  }
}

const openConstructs: Record<number, string> = {
  [Block]: 'a /* comment */',
  [BlockStar]: 'a /* comment */',
  [BlockSlash]: 'a /* comment */',
  [Squote]: "a quoted string ('…')",
  [Estring]: "an escaped string (E'…')",
  [EstringEscape]: "an escaped string (E'…')",
  [Dquote]: 'a quoted identifier ("…")',
  [DollarBody]: 'a dollar-quoted body ($…$)',
};

function isIdentStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isIdentCont(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 0x24;
}
