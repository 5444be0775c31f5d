// ~/.aws/config and ~/.aws/credentials as the AWS CLI reads them: ./iniLoader parses the files as the SDK's
// shared-ini loader does, and this module turns the sections into profiles, resolving source_profile chains the way
// botocore does.
// A broken profile gets warnings; the others still load.
import * as os from 'node:os';
import * as path from 'node:path';
import { type RoleArn, tryParseRoleArn } from './arn';
import { type CliRejection, cliRejectedLines, LineScanner } from './iniLines';
import { UserError } from '../userError';

export interface AwsConfigFiles {
  configPath: string;
  credentialsPath: string;
}

/** Where a role profile's source credentials come from. */
export type ProfileSource =
  /** Another profile's own credentials: static keys, credential_process, SSO, `aws login`, web identity. */
  | { kind: 'profile'; profile: string }
  /** Another role profile, assumed first (role chaining). */
  | { kind: 'role'; profile: string }
  /** `credential_source`: Environment, Ec2InstanceMetadata or EcsContainer. */
  | { kind: 'credentialSource'; name: string }
  /** `web_identity_token_file` beside role_arn: the role itself is assumed with AssumeRoleWithWebIdentity. */
  | { kind: 'webIdentity'; tokenFile: string };

type CredentialKind = 'static' | 'process' | 'sso' | 'login' | 'webIdentity' | 'none';

export interface AwsProfile {
  name: string;
  roleArn?: string;
  /** role_arn parsed once, here, for the catalog; undefined when absent or not a role ARN. */
  roleArnParts?: RoleArn;
  sourceProfile?: string;
  credentialSource?: string;
  mfaSerial?: string;
  externalId?: string;
  roleSessionName?: string;
  webIdentityTokenFile?: string;
  durationSeconds?: number;
  region?: string;
  /** How the profile's own credentials are obtained (ignoring role_arn). */
  credentialKind: CredentialKind;
  /** For role profiles: where the source credentials come from; undefined when broken. */
  source?: ProfileSource;
  /** IAM Identity Center settings (sso_session's section resolved, or the legacy keys), when it has any. */
  sso?: SsoProfile;
  /** `login_session` (AWS CLI 2.32+ `aws login`): the console identity whose cached sign-in supplies credentials. */
  loginSession?: string;
  /** Things wrong with this profile. A role profile with warnings may be unusable. */
  warnings: ProfileWarning[];
}

/** Something wrong with a profile (or a setting's account): a code to branch on, and the sentence to show. */
export interface ProfileWarning {
  code: ProfileWarningCode;
  message: string;
}

type ProfileWarningCode =
  | 'IgnoredLine'
  | 'CliRejectedLine'
  | 'DuplicateProfile'
  | 'MixedCaseKey'
  | 'InvalidDuration'
  | 'InvalidRoleArn'
  | 'InvalidAccountId'
  | 'ConflictingSources'
  | 'UnknownCredentialSource'
  | 'NoSource'
  | 'UnknownSourceProfile'
  | 'SourceProfileLoop'
  | 'BrokenSourceProfile'
  | 'UnknownSsoSession'
  | 'UnreadableConfig';

/** The warnings that explain why a role has no usable source credentials, as opposed to side remarks. */
const SOURCE_PROBLEMS: ReadonlySet<ProfileWarningCode> = new Set<ProfileWarningCode>([
  'CliRejectedLine',
  'ConflictingSources',
  'UnknownCredentialSource',
  'NoSource',
  'UnknownSourceProfile',
  'SourceProfileLoop',
  'BrokenSourceProfile',
]);

export function isSourceProblem(warning: ProfileWarning): boolean {
  return SOURCE_PROBLEMS.has(warning.code);
}

export interface AwsConfig {
  files: AwsConfigFiles;
  profiles: Map<string, AwsProfile>;
  /** The `[sso-session NAME]` sections. */
  ssoSessions?: SsoSession[];
}

/** A profile's IAM Identity Center keys; startUrl and region come from its sso-session when it names one. */
interface SsoProfile {
  session?: string;
  startUrl?: string;
  region?: string;
  accountId?: string;
  roleName?: string;
}

interface SsoSession {
  name: string;
  startUrl?: string;
  region?: string;
}

type IniSection = Record<string, string | undefined>;
/** Parsed files by section name: the loader's Maps, or plain objects (as the SDK's loader gives them). */
type IniData = ReadonlyMap<string, IniSection | undefined> | Record<string, IniSection | undefined>;
type IniSections = ReadonlyMap<string, IniSection | undefined>;

function sections(data: IniData): IniSections {
  return data instanceof Map ? data : new Map(Object.entries(data));
}

const CREDENTIAL_SOURCES = ['Environment', 'Ec2InstanceMetadata', 'EcsContainer'];

/** The files the AWS CLI would read, honouring AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE. */
export function awsConfigFiles(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): AwsConfigFiles {
  const expand = (p: string) => (p.startsWith('~/') ? path.join(home, p.slice(2)) : p);
  return {
    configPath: expand(env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config')),
    credentialsPath: expand(env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials')),
  };
}

/** Reads both files fresh (no cache: they are watched and re-read on change). Missing files mean no profiles. */
export async function loadAwsConfig(files: AwsConfigFiles = awsConfigFiles()): Promise<AwsConfig> {
  const ini = await import('./iniLoader');
  const { configFile, credentialsFile } = await ini.loadSharedConfigSections({
    configFilepath: files.configPath,
    filepath: files.credentialsPath,
    ignoreCache: true,
  });
  // The loader skips lines it cannot parse without a word; read the same (cached) text to say where they are.
  // It also takes an unreadable file for an empty one: that we must say.
  const [configText, credentialsText] = await Promise.all([
    readConfigText(ini, files.configPath),
    readConfigText(ini, files.credentialsPath),
  ]);
  const broken = [...brokenLines(configText, files.configPath, true), ...brokenLines(credentialsText, files.credentialsPath, false)];
  return { files, profiles: profilesFromIni(configFile, credentialsFile, broken), ssoSessions: ssoSessionsFromIni(configFile) };
}

/** The file's text; '' when it does not exist; a UserError when it exists and cannot be read as UTF-8 text. */
async function readConfigText(ini: typeof import('./iniLoader'), file: string): Promise<string> {
  let text: string;
  try {
    text = await ini.readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    if (code === 'ENOENT') {
      return '';
    }
    throw new UserError(`${file} exists but cannot be read (${code}): make it a readable file, or remove it.`, 'UnreadableConfig');
  }
  // UTF-16 (what some Windows editors save) decodes to NULs and replacement characters: the AWS CLI refuses it too.
  if (text.includes('\u0000') || text.startsWith('\ufffd\ufffd')) {
    throw new UserError(
      `${file} is not UTF-8 text (it looks like UTF-16): save it as UTF-8, as the AWS CLI needs too.`,
      'UnreadableConfig',
    );
  }
  return text;
}

interface BrokenLine {
  profile: string;
  message: string;
  code?: ProfileWarningCode;
}

/**
 * Lines inside a profile section that are neither `key = value`, a nested-value line, a comment nor blank.
 * Mirrors the SDK parser's rules (comments start at `#`/`;` after whitespace) so we flag exactly what it drops.
 */
function brokenLines(text: string, file: string, isConfigFile: boolean): BrokenLine[] {
  const result: BrokenLine[] = [];
  const sectionLines = new Map<string, number>();
  const rejected = cliRejectedLines(text);
  let nextRejected = 0;
  let profile: string | undefined;
  const lines = new LineScanner(text);
  while (lines.next()) {
    const { start, end, number } = lines;
    if (rejected[nextRejected]?.line === number) {
      const { reason } = rejected[nextRejected++];
      // A repeated header is said below (DuplicateProfile). Any other: the SDK reads the lines after it into this
      // profile (a header without its ']' is no header), so this profile is the one whose keys may be wrong.
      if (reason !== 'DuplicateSection') {
        // One warning per profile: its first such line (the keys after a broken header repeat the profile's own).
        if (profile !== undefined && !result.some((b) => b.profile === profile && b.code === 'CliRejectedLine')) {
          result.push({ profile, message: cliRejectedMessage(file, number, reason, profile), code: 'CliRejectedLine' });
        }
        continue;
      }
    }
    if (start === end) {
      continue;
    }
    if (lines.isSection()) {
      profile = sectionProfile(text.substring(start + 1, end - 1).trim(), isConfigFile);
      if (profile !== undefined) {
        const first = sectionLines.get(profile);
        if (first !== undefined) {
          // The AWS CLI refuses the whole file then; the SDKs merge the two. Say so rather than pick silently.
          const message = `it is defined twice in ${path.basename(file)} (lines ${first} and ${number}); the AWS CLI refuses such a file, so keep one section.`;
          result.push({ profile, message, code: 'DuplicateProfile' });
        } else {
          sectionLines.set(profile, number);
        }
      }
      continue;
    }
    const eq = lines.equalsSign();
    if (profile !== undefined && (eq === -1 || eq === start)) {
      const line = text.substring(start, end);
      result.push({
        profile,
        message: `${path.basename(file)} line ${number} ${brokenLineHint(line, isConfigFile)}is not 'key = value' and was ignored`,
      });
    }
  }
  return result;
}

const REJECTION_TEXT: Record<CliRejection, string> = {
  NoSection: 'comes before any [section] header',
  NotKeyValue: "is neither 'key = value' nor a [section] header",
  EmptyKey: 'has no key before its = or :',
  DuplicateSection: 'repeats a [section] header of the same file',
  DuplicateKey: 'sets a key a second time in its section',
};

/**
 * A line botocore refuses makes the AWS CLI and boto3 refuse the whole file, and the SDK reads the lines after it
 * into `profile`: say the line, what the CLI does, and that the profile is not used. Never the line's text.
 */
function cliRejectedMessage(file: string, line: number, reason: CliRejection, profile: string): string {
  const where = file.startsWith(os.homedir() + path.sep) ? `~${file.slice(os.homedir().length)}` : file;
  return (
    `${where} line ${line} ${REJECTION_TEXT[reason]}: the AWS CLI and boto3 refuse the whole file ("Unable to parse config file") ` +
    `until it is fixed, and IAM Switchboard does not use profile '${profile}', whose keys it may have changed.`
  );
}

/**
 * Never echo the line: it may hold a secret. In the config file the key name (if any) helps find it; in the
 * credentials file even that is left out, since a wrapped secret can look like a key name.
 */
function brokenLineHint(line: string, isConfigFile: boolean): string {
  if (!isConfigFile) {
    return '';
  }
  // A key counts only when a separator follows it, so a wrapped value (base64: no spaces or colons) is never named.
  const key = /^([A-Za-z][\w.-]{0,63})\s*[:\s]/.exec(line)?.[1];
  return key ? `(starting with '${key}') ` : '';
}

function sectionProfile(section: string, isConfigFile: boolean): string | undefined {
  if (!isConfigFile || section === 'default') {
    return section;
  }
  // Most headers are `profile <name>` with one space and no quotes, which SECTION_PROFILE reads as <name>: found
  // without it, as its match array and strings were a tenth of what loading 20,000 profiles allocated.
  if (section.length > 8 && section.startsWith('profile ') && !/\s/.test(section[8]) && !section.includes('"') && !section.includes("'")) {
    return section.substring(8);
  }
  return SECTION_PROFILE.exec(section)?.[1];
}

const SECTION_PROFILE = /^profile\s+["']?([^"']+)["']?$/;

/** Profiles from the parsed files (config first, credentials file values win, as in the CLI). */
export function profilesFromIni(configData: IniData, credentialsData: IniData, broken: BrokenLine[] = []): Map<string, AwsProfile> {
  const configFile = sections(configData);
  const credentialsFile = sections(credentialsData);
  const profiles = new Map<string, AwsProfile>();
  const add = (name: string, inConfig: IniSection | undefined, inCredentials: IniSection | undefined) => {
    if (name.includes('.')) {
      return; // sso-session.x, services.x: not profiles (the loader keeps them prefixed)
    }
    // Merged only when both files have the section: a copy per profile was a tenth of the time at 20,000.
    const section = inConfig && inCredentials ? { ...inConfig, ...inCredentials } : (inConfig ?? inCredentials ?? {});
    const profile = profileFrom(name, section);
    const sso = ssoProfile(section, configFile, profile.warnings);
    if (sso) {
      profile.sso = sso;
    }
    profiles.set(name, profile);
  };
  // Config file first, then what only the credentials file has. forEach, not for...of, over the Maps of 20,000: each
  // step of a Map iterator makes an entry array and a result object until V8 has optimized the loop.
  configFile.forEach((section, name) => add(name, section, credentialsFile.get(name)));
  credentialsFile.forEach((section, name) => {
    if (!configFile.has(name)) {
      add(name, undefined, section);
    }
  });
  const refused = new Set<string>();
  for (const { profile, message, code } of broken) {
    profiles.get(profile)?.warnings.push({ code: code ?? 'IgnoredLine', message });
    if (code === 'CliRejectedLine') {
      refused.add(profile);
    }
  }
  const chainEnds = new Map<string, ChainEnd>();
  profiles.forEach((profile) => {
    if (profile.roleArn !== undefined && !refused.has(profile.name)) {
      resolveSource(profile, profiles, chainEnds);
      if (refused.size > 0) {
        refuseChainThroughRefused(profile, profiles, refused);
      }
    }
  });
  return profiles;
}

/** A role whose source_profile chain passes a refused profile is not used either: its source may be the wrong one. */
function refuseChainThroughRefused(profile: AwsProfile, profiles: Map<string, AwsProfile>, refused: Set<string>): void {
  const seen = new Set<string>([profile.name]);
  for (let name = profile.sourceProfile; name !== undefined && !seen.has(name); name = profiles.get(name)?.sourceProfile) {
    seen.add(name);
    if (refused.has(name)) {
      profile.source = undefined;
      profile.warnings.push({
        code: 'BrokenSourceProfile',
        message: `its source_profile chain passes profile '${name}', which is not used: ${profiles.get(name)?.warnings.find((w) => w.code === 'CliRejectedLine')?.message ?? ''}`,
      });
      return;
    }
  }
}

function profileFrom(name: string, section: IniSection): AwsProfile {
  const warnings: ProfileWarning[] = [];
  const s = lowerCaseKeys(section, warnings);
  const profile: AwsProfile = {
    name,
    roleArn: s.role_arn,
    sourceProfile: s.source_profile,
    credentialSource: s.credential_source,
    mfaSerial: s.mfa_serial,
    externalId: s.external_id,
    roleSessionName: s.role_session_name,
    webIdentityTokenFile: s.web_identity_token_file,
    region: s.region,
    credentialKind: credentialKind(s),
    warnings,
  };
  if (s.login_session) {
    profile.loginSession = s.login_session;
  }
  if (s.duration_seconds !== undefined) {
    // Decimal digits only: the AWS CLI's int() refuses 0x384, 9e2 and 900.0, which Number() would take.
    const seconds = /^\d{1,6}$/.test(s.duration_seconds) ? Number(s.duration_seconds) : NaN;
    if (seconds >= 900 && seconds <= 43200) {
      profile.durationSeconds = seconds;
    } else {
      warnings.push({
        code: 'InvalidDuration',
        message: `duration_seconds '${s.duration_seconds}' is not a whole number from 900 to 43200; the default is used.`,
      });
    }
  }
  if (profile.roleArn !== undefined) {
    profile.roleArnParts = tryParseRoleArn(profile.roleArn);
  }
  if (profile.roleArn !== undefined && !profile.roleArnParts) {
    warnings.push({
      code: 'InvalidRoleArn',
      message: `role_arn '${profile.roleArn}' is not a role ARN (arn:aws:iam::<12-digit account>:role/<name>).`,
    });
  }
  return profile;
}

/**
 * Keys as the AWS CLI reads them: case-insensitively (Role_Arn is role_arn). The SDKs read them as written, so
 * tools in a terminal would ignore such a key: warn, so the person can fix it for both.
 */
function lowerCaseKeys(section: IniSection, warnings: ProfileWarning[]): IniSection {
  // Copied only when a key needs it: nearly every section has none, and a copy per profile showed at 20,000.
  let result: IniSection | undefined;
  for (const key in section) {
    // toLowerCase() makes a new string even when nothing changes: only keys it could change are given to it.
    const lower = MAY_HAVE_UPPER_CASE.test(key) ? key.toLowerCase() : key;
    if (lower !== key) {
      result ??= { ...section };
      result[lower] ??= section[key];
      warnings.push({
        code: 'MixedCaseKey',
        message: `key '${key}' is read as '${lower}' by the AWS CLI, but SDK-based tools ignore it: write it in lower case.`,
      });
    }
  }
  return result ?? section;
}

/** A character toLowerCase() could change: ASCII upper case, or anything outside ASCII. */
const MAY_HAVE_UPPER_CASE = /[A-Z\u0080-\uffff]/;

function credentialKind(s: IniSection): CredentialKind {
  if (s.aws_access_key_id && s.aws_secret_access_key) {
    return 'static';
  }
  if (s.credential_process) {
    return 'process';
  }
  if (s.sso_session || s.sso_start_url) {
    return 'sso';
  }
  if (s.login_session) {
    return 'login';
  }
  return s.web_identity_token_file ? 'webIdentity' : 'none';
}

/**
 * Sets `source` on a role profile, following botocore: a source profile with static keys is used as is (even if
 * it has a role_arn too), a source profile with a role_arn is assumed first, anything else supplies its own
 * credentials through the SDK's providers. Unknown profiles and loops become warnings.
 */
function resolveSource(profile: AwsProfile, profiles: Map<string, AwsProfile>, chainEnds: Map<string, ChainEnd>): void {
  if (profile.sourceProfile !== undefined && profile.credentialSource !== undefined) {
    profile.warnings.push({ code: 'ConflictingSources', message: 'it sets both source_profile and credential_source; keep one.' });
    return;
  }
  if (profile.credentialSource !== undefined) {
    if (CREDENTIAL_SOURCES.includes(profile.credentialSource)) {
      profile.source = { kind: 'credentialSource', name: profile.credentialSource };
    } else {
      profile.warnings.push({
        code: 'UnknownCredentialSource',
        message: `credential_source '${profile.credentialSource}' is not one of ${CREDENTIAL_SOURCES.join(', ')}.`,
      });
    }
    return;
  }
  if (profile.sourceProfile === undefined && profile.webIdentityTokenFile) {
    profile.source = { kind: 'webIdentity', tokenFile: profile.webIdentityTokenFile };
    return;
  }
  if (profile.sourceProfile === undefined) {
    profile.warnings.push({ code: 'NoSource', message: 'it has a role_arn but no source_profile or credential_source.' });
    return;
  }
  const problem = chainProblem(profile, profiles, chainEnds);
  if (problem) {
    profile.warnings.push(problem);
    return;
  }
  const source = profiles.get(profile.sourceProfile)!;
  const assumeFirst = source.roleArn !== undefined && source.credentialKind !== 'static';
  profile.source = { kind: assumeFirst ? 'role' : 'profile', profile: source.name };
}

/** Where a profile's source_profile links end: in credentials, at a missing profile, or in a loop. */
type ChainEnd = { kind: 'ok' } | { kind: 'unknown'; at: AwsProfile } | { kind: 'loop'; members: string[]; index: Map<string, number> };

const CHAIN_OK: ChainEnd = { kind: 'ok' };
/** A loop longer than this is shown by its ends: thousands of names in every member's warning help nobody. */
const LOOP_NAMES_SHOWN = 8;

/**
 * Walks source_profile links to the first profile with its own credentials; reports a missing link or a loop.
 * Every profile on a walk shares its end, remembered in `ends`, so a config's chains cost one step per profile
 * in all (not one walk per profile, with a linear search at each step).
 */
function chainProblem(start: AwsProfile, profiles: Map<string, AwsProfile>, ends: Map<string, ChainEnd>): ProfileWarning | undefined {
  const end = chainEnd(start, profiles, ends);
  if (end.kind === 'unknown') {
    const message = `source_profile '${end.at.sourceProfile}'${end.at === start ? '' : ` (of profile '${end.at.name}')`} does not exist.`;
    return { code: 'UnknownSourceProfile', message };
  }
  if (end.kind === 'loop') {
    const own = end.index.get(start.name);
    const from = own ?? 0;
    const path = loopNames(end.members, from);
    const message = own === undefined ? `its source_profile chain runs into a loop: ${path}.` : `its source_profile chain loops: ${path}.`;
    return { code: 'SourceProfileLoop', message };
  }
  return undefined;
}

/** Marks the profiles of the walk in progress, so that meeting one again is a loop. */
const WALKING: ChainEnd = { kind: 'ok' };

function chainEnd(start: AwsProfile, profiles: Map<string, AwsProfile>, ends: Map<string, ChainEnd>): ChainEnd {
  // Most roles name a source with credentials of its own: that end is known after one look-up, so not remembered.
  const first = start.credentialSource === undefined && start.sourceProfile !== undefined ? profiles.get(start.sourceProfile) : undefined;
  if (first && (first.credentialKind === 'static' || first.roleArn === undefined)) {
    return CHAIN_OK;
  }
  // Most walks are one step (a role whose source has keys): no per-walk Map or array beyond this one.
  const path: AwsProfile[] = [];
  let current = start;
  let end: ChainEnd;
  for (;;) {
    const known = ends.get(current.name);
    if (known === WALKING) {
      const members = path.slice(path.indexOf(current)).map((p) => p.name);
      end = { kind: 'loop', members, index: new Map(members.map((name, i) => [name, i])) };
      break;
    }
    if (known) {
      end = known;
      break;
    }
    ends.set(current.name, WALKING);
    path.push(current);
    const next = current.sourceProfile === undefined ? undefined : profiles.get(current.sourceProfile);
    // A web identity role is assumed from its token file, so the chain ends there like at credential_source.
    if (current.credentialSource !== undefined || (current.sourceProfile === undefined && current.webIdentityTokenFile)) {
      end = CHAIN_OK;
      break;
    }
    if (!next) {
      end = { kind: 'unknown', at: current };
      break;
    }
    // A profile may name itself as source when it has static keys: the CLI allows it.
    if (next.credentialKind === 'static' || next.roleArn === undefined) {
      end = CHAIN_OK;
      break;
    }
    current = next;
  }
  for (const p of path) {
    ends.set(p.name, end);
  }
  return end;
}

/** `a → b → c → a` from member `from`, the middle of a long loop left out. */
function loopNames(members: string[], from: number): string {
  const at = (i: number) => members[(from + i) % members.length];
  if (members.length <= LOOP_NAMES_SHOWN) {
    return [...members.map((_, i) => at(i)), at(0)].join(' → ');
  }
  const head = [0, 1, 2, 3].map(at);
  const tail = [members.length - 2, members.length - 1].map(at);
  return `${[...head, '…', ...tail, at(0)].join(' → ')} (${members.length} profiles)`;
}

/** The profiles that have a role_arn, in file order. */
export function roleProfiles(profiles: Map<string, AwsProfile>): AwsProfile[] {
  return [...profiles.values()].filter((p) => p.roleArn !== undefined);
}

/** The shared-ini loader keeps `[sso-session NAME]` as the key `sso-session.NAME`. */
const SSO_SESSION_PREFIX = 'sso-session.';

function ssoSessionsFromIni(configFile: IniData): SsoSession[] {
  const result: SsoSession[] = [];
  sections(configFile).forEach((s, key) => {
    if (key.startsWith(SSO_SESSION_PREFIX)) {
      result.push({ name: key.slice(SSO_SESSION_PREFIX.length), startUrl: s?.sso_start_url, region: s?.sso_region });
    }
  });
  return result;
}

/** The profile's sso_* keys, with sso_session's start URL and region filled in as the CLI does. */
function ssoProfile(s: IniSection, configFile: IniSections, warnings: ProfileWarning[]): SsoProfile | undefined {
  if (!s.sso_session && !s.sso_start_url && !s.sso_account_id) {
    return undefined;
  }
  const sso: SsoProfile = { startUrl: s.sso_start_url, region: s.sso_region, accountId: s.sso_account_id, roleName: s.sso_role_name };
  if (s.sso_session) {
    sso.session = s.sso_session;
    const session = configFile.get(SSO_SESSION_PREFIX + s.sso_session);
    if (session) {
      sso.startUrl = session.sso_start_url;
      sso.region = session.sso_region;
    } else {
      warnings.push({
        code: 'UnknownSsoSession',
        message: `sso_session '${s.sso_session}' has no [sso-session ${s.sso_session}] section.`,
      });
    }
  }
  return sso;
}
