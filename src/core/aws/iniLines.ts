// Lines of an ini file as the SDK's parser sees them, found by position in the text: splitting 100,000 lines into
// strings and trimming each was a large part of loading 20,000 profiles. No imports, so that both the lazily
// loaded ini parser (./iniLoader) and the broken-line check of ./config can use it.

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

/** Why the AWS CLI and boto3 refuse a file (botocore reads it with Python's configparser, strict). */
export type CliRejection = 'NoSection' | 'NotKeyValue' | 'EmptyKey' | 'DuplicateSection' | 'DuplicateKey';

export interface CliRejectedLine {
  /** The line's number, from 1. */
  line: number;
  reason: CliRejection;
}

/**
 * The lines for which botocore stops with "Unable to parse config file" (the CLI exits 255, boto3 raises
 * ConfigParseError): Python's RawConfigParser._read (3.11), which botocore's raw_config_parse uses with the
 * defaults: comments only on their own line (`#`, `;`), `=` or `:` between key and value, a line indented deeper
 * than its key's line continues the value, strict (a section or a key twice is an error). The SDK for JavaScript
 * reads such a file without a word (it skips the line), so this is what tells the two apart.
 */
export function cliRejectedLines(text: string): CliRejectedLine[] {
  const rejected: CliRejectedLine[] = [];
  const sections = new Set<string>();
  // One set reused for every section's keys: a set per section showed at 20,000 profiles.
  const keys = new Set<string>();
  let inSection = false;
  let hasKey = false;
  let indentLevel = 0;
  let number = 0;
  for (let lineStart = 0; lineStart <= text.length;) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const start = trimStart(text, lineStart, lineEnd);
    const end = trimEnd(text, start, lineEnd);
    const indent = start - lineStart;
    lineStart = lineEnd + 1;
    number++;
    const first = text.charCodeAt(start);
    if (start === end || first === 0x23 || first === 0x3b) {
      continue; // blank lines and comments keep a value going (empty_lines_in_values)
    }
    if (inSection && hasKey && indent > indentLevel) {
      continue; // a continuation of the key above
    }
    indentLevel = indent;
    // configparser's header is `\[(.+)\]` matched from the start: the last ']' closes it, text after it is ignored.
    const close = first === BRACKET_OPEN ? text.lastIndexOf(']', end - 1) : -1;
    if (close > start + 1) {
      const header = text.substring(start + 1, close);
      if (sections.has(header)) {
        rejected.push({ line: number, reason: 'DuplicateSection' });
      }
      sections.add(header);
      keys.clear();
      inSection = true;
      hasKey = false;
      continue;
    }
    if (!inSection) {
      rejected.push({ line: number, reason: 'NoSection' });
      continue;
    }
    const separator = firstSeparator(text, start, end);
    if (separator === -1) {
      rejected.push({ line: number, reason: 'NotKeyValue' });
      continue;
    }
    const written = text.substring(start, trimEnd(text, start, separator));
    // toLowerCase() copies even when nothing changes: only keys it could change are given to it.
    const key = /[^a-z0-9_]/.test(written) ? written.toLowerCase() : written;
    if (key === '') {
      rejected.push({ line: number, reason: 'EmptyKey' });
    } else if (keys.has(key)) {
      rejected.push({ line: number, reason: 'DuplicateKey' });
    }
    keys.add(key);
    hasKey = key !== '';
  }
  return rejected;
}

/** The first '=' or ':' in start..end, or -1. */
function firstSeparator(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d || c === 0x3a) {
      return i;
    }
  }
  return -1;
}
