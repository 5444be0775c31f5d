// ~/.aws/config and ~/.aws/credentials read as the SDK reads them, bundled apart from ../sts/stsSdk (dist/iniLoader.js,
// a few KB) so that showing the role tree loads no STS client and no node-vault.
// The parsing is a port of the SDK's own (@smithy/core/config parseIni + getConfigData, same rules, same output,
// checked against it in test/core/aws/iniLoader.test.ts, random files included). It differs in how, not what: it walks
// the text by position, and keeps sections in Maps. The SDK's per-line regular expressions, line strings and
// objects of 20,000 names copied twice were most of the time of loading 20,000 profiles.
import { readFile } from '@smithy/shared-ini-file-loader';
import { LineScanner, isSpace, trimEnd, trimStart } from './iniLines';

export { readFile };

export type IniSection = Record<string, string | undefined>;
type ParsedIni = Record<string, IniSection | undefined>;
/**
 * Sections by name, in the order the SDK's object lists them. A Map, not an object: with 20,000 names an object
 * is a hash table that is slow to fill and to walk (listing its names sorts them), a Map is fast at both.
 */
export type IniSections = Map<string, IniSection>;

/** The section prefixes the SDK keeps (its IniSectionType), joined to the name with a dot. */
const SECTION_TYPES = new Set(['profile', 'sso-session', 'services']);
const PREFIXED = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/;
// What PREFIXED's last group matches, from `[profile ` on to the end.
const PLAIN_PROFILE_NAME = /[\w-@+.%:/]+$/y;

/**
 * The SDK's parseIni, rule for rule, as a Map; `[__proto__]` throws, as there (the loader then treats the file as
 * empty). Strings are cut from the text only for what is kept: names, keys and values.
 */
function parseIniSections(text: string): IniSections {
  return inObjectOrder(parseSections(text, sdkSectionName)!);
}

/**
 * parseIniSections then configSections, in one pass that names each section as configSections would: the Map of
 * 20,000 names is filled once, not twice. When two of the SDK's names could become one (`[default]` and
 * `[profile default]`, `[sso-session x]` and `[profile sso-session.x]`), the two steps decide which wins.
 */
function parseConfigSections(text: string): IniSections {
  const sections = parseSections(text, configSectionName);
  return sections ? inObjectOrder(defaultFirst(sections)) : configSections(parseIniSections(text));
}

/**
 * The sections in the order their first values came, named by `nameOf` (values under an undefined name are
 * dropped); undefined as soon as `nameOf` gives null.
 */
function parseSections(text: string, nameOf: (header: string) => string | null | undefined): IniSections | undefined {
  const map: IniSections = new Map();
  const lines = new LineScanner(text);
  // A key string cut from the text is a new string each time, and storing a property under a string V8 has not
  // seen is its slow path: reusing the first copy of each key name halved the time of filling the sections.
  const keys = new Map<string, string>();
  let section: IniSection | undefined;
  let sectionName: string | undefined;
  let subSection: string | undefined;
  while (lines.next()) {
    const { start, end } = lines;
    if (start === end) {
      continue;
    }
    if (lines.isSection()) {
      const name = text.substring(start + 1, end - 1);
      const named = nameOf(name);
      if (named === null) {
        return undefined;
      }
      sectionName = named;
      section = undefined;
      subSection = undefined;
      if (name === '__proto__' || name === 'profile __proto__') {
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
    section ??= map.get(sectionName) ?? newSection(map, sectionName);
    section[subSection ? `${subSection}.${key}` : key] = text.substring(valueStart, end);
  }
  return map;
}

/** The SDK's name for a section: `profile.x` for `[profile x]`, undefined for an unknown prefix. */
function sdkSectionName(header: string): string | undefined {
  const plain = plainProfileName(header);
  if (plain !== undefined) {
    return `profile.${plain}`;
  }
  const match = PREFIXED.exec(header);
  return match ? (SECTION_TYPES.has(match[1]) ? `${match[1]}.${match[3]}` : undefined) : header;
}

/**
 * The name in the most common header, `profile <plain name>`, which PREFIXED matches as that: found without its
 * match array and strings.
 */
function plainProfileName(header: string): string | undefined {
  if (!header.startsWith('profile ')) {
    return undefined;
  }
  PLAIN_PROFILE_NAME.lastIndex = 8;
  return PLAIN_PROFILE_NAME.test(header) ? header.substring(8) : undefined;
}

/** configSections' name for the section of a header: undefined when it drops it, null when names could meet. */
function configSectionName(header: string): string | null | undefined {
  const plain = plainProfileName(header);
  const sdkName = plain === undefined ? sdkSectionName(header) : undefined;
  if (plain === undefined && !sdkName?.startsWith('profile.')) {
    return sdkName === 'default' || sdkName?.startsWith('sso-session.') || sdkName?.startsWith('services.') ? sdkName : undefined;
  }
  const name = plain ?? sdkName!.substring(8);
  if (name === 'default' || name.startsWith('sso-session.') || name.startsWith('services.')) {
    return null;
  }
  return name === '__proto__' ? undefined : name;
}

/** configSections lists `[default]` first. */
function defaultFirst(sections: IniSections): IniSections {
  const defaultSection = sections.get('default');
  if (!defaultSection || sections.keys().next().value === 'default') {
    return sections;
  }
  const ordered: IniSections = new Map([['default', defaultSection]]);
  sections.forEach((section, name) => ordered.set(name, section));
  return ordered;
}

function newSection(map: IniSections, name: string): IniSection {
  const section: IniSection = {};
  map.set(name, section);
  return section;
}

function internedKey(keys: Map<string, string>, key: string): string {
  const known = keys.get(key);
  if (known !== undefined) {
    return known;
  }
  keys.set(key, key);
  return key;
}

/**
 * The SDK's getConfigData: `profile x` becomes `x`, other known prefixes stay, unprefixed sections but default go;
 * `[profile default]` replaces `[default]`, which is listed first when it exists.
 */
function configSections(data: IniSections): IniSections {
  const result: IniSections = new Map();
  const defaultSection = data.get('default');
  if (defaultSection) {
    result.set('default', defaultSection);
  }
  // forEach, not for...of: a Map iterator makes an entry array and a result object per step until V8 optimizes it.
  data.forEach((section, key) => {
    // The prefix is what comes before the first dot: one of the SDK's section types, or the section is dropped.
    const name = key.startsWith('profile.')
      ? key.substring(8)
      : key.startsWith('sso-session.') || key.startsWith('services.')
        ? key
        : undefined;
    // The SDK's object takes a section named __proto__ for its prototype, which is no profile: leave it out.
    if (name !== undefined && name !== '__proto__') {
      result.set(name, section);
    }
  });
  return inObjectOrder(result);
}

/**
 * An object lists the names that are array indices ('0', '7', not '07' or '123456789012') first, in numeric order,
 * then the others as they were added; the SDK's objects do, so the sections are put in that order too.
 */
function inObjectOrder(sections: IniSections): IniSections {
  const indices: string[] = [];
  sections.forEach((_, name) => {
    if (isArrayIndex(name)) {
      indices.push(name);
    }
  });
  if (indices.length === 0) {
    return sections;
  }
  indices.sort((a, b) => Number(a) - Number(b));
  const ordered: IniSections = new Map();
  for (const name of indices) {
    ordered.set(name, sections.get(name)!);
  }
  for (const [name, section] of sections) {
    ordered.set(name, section);
  }
  return ordered;
}

const MAX_ARRAY_INDEX = 2 ** 32 - 2;

function isArrayIndex(name: string): boolean {
  const first = name.charCodeAt(0);
  return first >= 0x30 && first <= 0x39 && /^(?:0|[1-9]\d*)$/.test(name) && Number(name) <= MAX_ARRAY_INDEX;
}

interface SharedConfigInit {
  configFilepath: string;
  filepath: string;
  ignoreCache?: boolean;
}

/** The SDK's loadSharedConfigFiles for explicit paths: a file that cannot be read or parsed counts as empty. */
export async function loadSharedConfigFiles(init: SharedConfigInit): Promise<{ configFile: ParsedIni; credentialsFile: ParsedIni }> {
  const { configFile, credentialsFile } = await loadSharedConfigSections(init);
  return { configFile: Object.fromEntries(configFile), credentialsFile: Object.fromEntries(credentialsFile) };
}

/** The same, as Maps. */
export async function loadSharedConfigSections(init: SharedConfigInit): Promise<{ configFile: IniSections; credentialsFile: IniSections }> {
  const options = { ignoreCache: init.ignoreCache };
  const [configFile, credentialsFile] = await Promise.all([
    readFile(init.configFilepath, options)
      .then(parseConfigSections)
      .catch((): IniSections => new Map()),
    readFile(init.filepath, options)
      .then(parseIniSections)
      .catch((): IniSections => new Map()),
  ]);
  return { configFile, credentialsFile };
}
