// Lines of an ini file as the SDK's parser sees them, found by position in the text: splitting 100,000 lines into
// strings and trimming each was a large part of loading 20,000 profiles. No imports, so that both the lazily
// loaded ini parser (./iniLoader) and the broken-line check of ./awsConfig can use it.

const BRACKET_OPEN = 0x5b;
const BRACKET_CLOSE = 0x5d;

/**
 * The lines of a text, each as the SDK sees it after `line.split(/(^|\s)[;#]/)[0].trim()`: `start`..`end` is
 * what is left of the line, `lineStart` where the raw line began. Lines end at '\n'; a '\r' before it is
 * whitespace that the trim drops, as the SDK's split at /\r?\n/ does.
 */
export class LineScanner {
  /** The line's number, from 1. */
  number = 0;
  lineStart = 0;
  start = 0;
  end = 0;
  private cursor = 0;
  // The next '#', ';' and '=' at or after the current line, found once and reused until passed: searching from
  // each line would rescan the rest of the file for a character it does not contain.
  private hash = -2;
  private semicolon = -2;
  private equals = -2;

  constructor(private readonly text: string) {}

  /** Moves to the next line; false after the last. */
  next(): boolean {
    const text = this.text;
    if (this.cursor > text.length) {
      return false;
    }
    const lineStart = this.cursor;
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    this.cursor = lineEnd + 1;
    this.number++;
    this.lineStart = lineStart;
    const end = trimEnd(text, lineStart, this.commentStart(lineStart, lineEnd));
    this.start = trimStart(text, lineStart, end);
    this.end = end;
    return true;
  }

  /** Whether the trimmed line is `[...]`. */
  isSection(): boolean {
    return this.text.charCodeAt(this.start) === BRACKET_OPEN && this.text.charCodeAt(this.end - 1) === BRACKET_CLOSE;
  }

  /** The first '=' of the trimmed line, or -1. */
  equalsSign(): number {
    if (this.equals !== -1 && this.equals < this.start) {
      this.equals = this.text.indexOf('=', this.start);
    }
    return this.equals !== -1 && this.equals < this.end ? this.equals : -1;
  }

  /** Where the comment starts (a ';' or '#' at the line's start or after whitespace), else lineEnd. */
  private commentStart(lineStart: number, lineEnd: number): number {
    if (this.hash !== -1 && this.hash < lineStart) {
      this.hash = this.text.indexOf('#', lineStart);
    }
    if (this.semicolon !== -1 && this.semicolon < lineStart) {
      this.semicolon = this.text.indexOf(';', lineStart);
    }
    const first = Math.min(this.hash === -1 ? lineEnd : this.hash, this.semicolon === -1 ? lineEnd : this.semicolon);
    for (let i = first; i < lineEnd; i++) {
      const c = this.text.charCodeAt(i);
      if ((c === 0x23 || c === 0x3b) && (i === lineStart || isSpace(this.text, i - 1))) {
        return i;
      }
    }
    return lineEnd;
  }
}

/** Whitespace as trim() and the regular expression \s see it (the same set, by the language's definition). */
export function isSpace(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && WHITESPACE.test(text[i]));
}

const WHITESPACE = /\s/;

export function trimStart(text: string, start: number, end: number): number {
  while (start < end && isSpace(text, start)) {
    start++;
  }
  return start;
}

export function trimEnd(text: string, start: number, end: number): number {
  while (end > start && isSpace(text, end - 1)) {
    end--;
  }
  return end;
}
