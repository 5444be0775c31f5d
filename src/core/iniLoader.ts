// ~/.aws/config and ~/.aws/credentials read as the SDK reads them, bundled apart from ./stsSdk (dist/iniLoader.js,
// a few KB) so that showing the role tree loads no STS client and no node-vault.
// The parsing is a port of the SDK's own (@smithy/core/config parseIni + getConfigData, same rules, same output,
// checked against it in test/core/iniLoader.test.ts): the SDK's splits every line with a regular expression and
// copies the whole file into new objects twice, which was half the time of loading 20,000 profiles.
import { readFile } from '@smithy/shared-ini-file-loader';

export { readFile };

export type IniSection = Record<string, string | undefined>;
export type ParsedIni = Record<string, IniSection | undefined>;

/** The section prefixes the SDK keeps (its IniSectionType), joined to the name with a dot. */
const SECTION_TYPES = new Set(['profile', 'sso-session', 'services']);
const PREFIXED = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/;
const FORBIDDEN = new Set(['__proto__', 'profile __proto__']);

/**
 * The SDK's parseIni, rule for rule; `[__proto__]` throws, as there (the loader then treats the file as empty).
 * It walks the text by position instead of splitting it into line strings, and cuts a string only for what it
 * keeps: at 20,000 profiles the SDK's per-line split, regular expressions and trims were most of the time.
 */
export function parseIni(text: string): ParsedIni {
  const map: ParsedIni = {};
  const lines = new LineScanner(text);
  // A key string cut from the text is a new string each time, and storing a property under a new string is V8's
  // slow path; reusing the first copy of each key name made parsing twice as fast.
  const keys = new Map<string, string>();
  let section: IniSection | undefined;
  let sectionName: string | undefined;
  let subSection: string | undefined;
  while (lines.next()) {
    const { start, end } = lines;
    if (start === end) {
      continue;
    }
    if (text.charCodeAt(start) === BRACKET_OPEN && text.charCodeAt(end - 1) === BRACKET_CLOSE) {
      const name = text.substring(start + 1, end - 1);
      const match = PREFIXED.exec(name);
      sectionName = match ? (SECTION_TYPES.has(match[1]) ? `${match[1]}.${match[3]}` : undefined) : name;
      section = undefined;
      subSection = undefined;
      if (FORBIDDEN.has(name)) {
        throw new Error(`Found invalid profile name "${name}"`);
      }
      continue;
    }
    // Truthiness, as in the SDK: the values under `[]` belong to no section.
    if (!sectionName) {
      continue;
    }
    const eq = lines.equalsSign();
    if (eq === -1 || eq === start) {
      continue;
    }
    const key = internedKey(keys, text.substring(start, trimEnd(text, start, eq)));
    const valueStart = trimStart(text, eq + 1, end);
    if (valueStart === end) {
      subSection = key;
      continue;
    }
    // A value line that does not start with whitespace ends the nested block.
    if (subSection && !isSpace(text, lines.lineStart)) {
      subSection = undefined;
    }
    // Created on the first value, as in the SDK: a section without values is no section.
    section = section ?? (map[sectionName] ??= {});
    section[subSection ? `${subSection}.${key}` : key] = text.substring(valueStart, end);
  }
  return map;
}

function internedKey(keys: Map<string, string>, key: string): string {
  const known = keys.get(key);
  if (known !== undefined) {
    return known;
  }
  keys.set(key, key);
  return key;
}

const BRACKET_OPEN = 0x5b;
const BRACKET_CLOSE = 0x5d;

/**
 * The lines of a text, each as the SDK sees it after `line.split(/(^|\s)[;#]/)[0].trim()`: `start`..`end` is
 * what is left of the line, `lineStart` where the raw line began. Lines end at '\n'; a '\r' before it is
 * whitespace that the trim drops, as the SDK's split at /\r?\n/ does.
 */
class LineScanner {
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
    this.lineStart = lineStart;
    const end = trimEnd(text, lineStart, this.commentStart(lineStart, lineEnd));
    this.start = trimStart(text, lineStart, end);
    this.end = end;
    return true;
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
function isSpace(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && WHITESPACE.test(text[i]));
}

const WHITESPACE = /\s/;

function trimStart(text: string, start: number, end: number): number {
  while (start < end && isSpace(text, start)) {
    start++;
  }
  return start;
}

function trimEnd(text: string, start: number, end: number): number {
  while (end > start && isSpace(text, end - 1)) {
    end--;
  }
  return end;
}

/** The SDK's getConfigData: `profile x` becomes `x`, other known prefixes stay, unprefixed sections but default go. */
export function configData(data: ParsedIni): ParsedIni {
  const result: ParsedIni = {};
  if (data.default) {
    result.default = data.default;
  }
  for (const key of Object.keys(data)) {
    const dot = key.indexOf('.');
    if (dot === -1) {
      continue;
    }
    const prefix = key.substring(0, dot);
    if (SECTION_TYPES.has(prefix)) {
      result[prefix === 'profile' ? key.substring(dot + 1) : key] = data[key];
    }
  }
  return result;
}

/** The SDK's loadSharedConfigFiles for explicit paths: a file that cannot be read or parsed counts as empty. */
export async function loadSharedConfigFiles(init: {
  configFilepath: string;
  filepath: string;
  ignoreCache?: boolean;
}): Promise<{ configFile: ParsedIni; credentialsFile: ParsedIni }> {
  const options = { ignoreCache: init.ignoreCache };
  const [configFile, credentialsFile] = await Promise.all([
    readFile(init.configFilepath, options)
      .then((text) => configData(parseIni(text)))
      .catch((): ParsedIni => ({})),
    readFile(init.filepath, options)
      .then(parseIni)
      .catch((): ParsedIni => ({})),
  ]);
  return { configFile, credentialsFile };
}
