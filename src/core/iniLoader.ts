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
const COMMENT = /(^|\s)[;#]/;
const FORBIDDEN = new Set(['__proto__', 'profile __proto__']);

/** The SDK's parseIni, line for line; `[__proto__]` throws, as there (the loader then treats the file as empty). */
export function parseIni(text: string): ParsedIni {
  const map: ParsedIni = {};
  let section: IniSection | undefined;
  let sectionName: string | undefined;
  let subSection: string | undefined;
  // Split at '\n' only: a '\r' left at a line's end is trimmed below, and trimStart() never sees it.
  for (const line of text.split('\n')) {
    // Only lines with a comment character need the regular expression.
    const trimmed = (line.includes('#') || line.includes(';') ? line.split(COMMENT)[0] : line).trim();
    if (trimmed[0] === '[' && trimmed[trimmed.length - 1] === ']') {
      const name = trimmed.substring(1, trimmed.length - 1);
      const match = PREFIXED.exec(name);
      sectionName = match ? (SECTION_TYPES.has(match[1]) ? `${match[1]}.${match[3]}` : undefined) : name;
      section = undefined;
      subSection = undefined;
      if (FORBIDDEN.has(name)) {
        throw new Error(`Found invalid profile name "${name}"`);
      }
      continue;
    }
    if (sectionName === undefined) {
      continue;
    }
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      continue;
    }
    const key = trimmed.substring(0, eq).trim();
    const value = trimmed.substring(eq + 1).trim();
    if (value === '') {
      subSection = key;
      continue;
    }
    if (subSection && line.trimStart() === line) {
      subSection = undefined;
    }
    // Created on the first value, as in the SDK: a section without values is no section.
    section = section ?? (map[sectionName] ??= {});
    section[subSection ? `${subSection}.${key}` : key] = value;
  }
  return map;
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
