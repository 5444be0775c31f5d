// AssumeRole as the AWS CLI does it for a profile: source credentials from the source profile (through the SDK's
// own providers), from the environment, or from another role assumed first (chaining); MFA through one
// GetSessionToken per source that later roles reuse; external id; a session name that names the person.
import * as fs from 'node:fs';
import { callerName, parseRoleArn } from '../aws/arn';
import { isSourceProblem, type AwsConfig, type AwsProfile } from '../aws/config';
import { type AwsCallContext, toUserError } from '../aws/errors';
import { credentialProcessCommand, processCredentials } from '../aws/credentialProcess';
import { namesKeychainProfile } from '../keys/keychainSocket';
import { loginCacheStamp } from '../aws/loginSession';
import { describeSource, type RoleEntry, roleDefinedIn, roleFromProfile } from '../catalog/roleCatalog';
import type { AwsCredentials, Identity } from '../session';
import { send, StsClientPool } from './clients';
import { cancelled, UserError } from '../userError';

export interface StsSettings {
  /** STS endpoint URL; undefined for AWS's regional endpoint. */
  endpoint?: string;
  /** Region for STS calls and for the session when the role names none. */
  region: string;
  timeoutMs: number;
  /** iamSwitchboard.roleSessionName; empty means the source user's name. */
  sessionName?: string;
  /** iamSwitchboard.sessionDurationSeconds; a profile's duration_seconds wins. */
  durationSeconds?: number;
}

export interface AssumeOptions extends StsSettings {
  config: AwsConfig;
  /** Asks the person for a code from the MFA device; undefined means they cancelled. */
  mfaCode?: (serial: string) => Promise<string | undefined>;
  cache?: StsCache;
  signal?: AbortSignal;
  /** Where `credential_source = Environment` reads from. */
  env?: NodeJS.ProcessEnv;
  /** Log lines: what is called for which role, never a secret. */
  log?: (line: string) => void;
  /**
   * Credentials of a source profile with sso_account_id/sso_role_name from our own IAM Identity Center sign-in
   * (identityCenter/); without it the SDK's provider reads the AWS CLI's token cache.
   */
  ssoCredentials?: (profile: AwsProfile) => Promise<AwsCredentials>;
  /**
   * The long-lived key of a profile whose key the person moved into VS Code's keychain (keys/), read there rather
   * than through its credential_process line, which asks this very window.
   */
  keychainKey?: (profile: string) => Promise<AwsCredentials | undefined>;
}

interface CallerIdentity {
  arn: string;
  account: string;
  userId: string;
}

const MFA_SESSION_SECONDS = 3600;
const CHAINING_LIMIT_SECONDS = 3600;
/** An MFA session this close to its end is not reused: the role would outlive it by too little. */
const MFA_REUSE_MARGIN_MS = 5 * 60 * 1000;

/**
 * What the STS path remembers between calls, in memory only: MFA sessions per source profile and device (so the
 * next role within the hour needs no code), the caller name per source (for session names), each source's own
 * credentials (resolved once per loaded config, not per switch) and the long-lived STS clients. Whoever owns the
 * cache calls clear() when done with it: that closes the clients' connections.
 */
export class StsCache {
  private readonly mfaSessions = new Map<string, AwsCredentials>();
  private readonly callerNames = new Map<string, string>();
  /** Keyed by source; valid only for the config it was resolved from: a re-read config resolves again. */
  private readonly sources = new Map<string, { config: AwsConfig; credentials: AwsCredentials; stamp?: string }>();
  readonly clients = new StsClientPool();

  /** `stamp`: what the credentials were read from (an `aws login` cache file); another stamp means stale. */
  sourceCredentials(key: string, config: AwsConfig, now = Date.now(), stamp?: string): AwsCredentials | undefined {
    const entry = this.sources.get(key);
    if (entry && (entry.config !== config || entry.stamp !== stamp || expiresWithin(entry.credentials, MFA_REUSE_MARGIN_MS, now))) {
      this.sources.delete(key);
      if (entry.stamp !== stamp) {
        this.callerNames.delete(key); // a new sign-in may be another person
      }
      return undefined;
    }
    return entry?.credentials;
  }

  setSourceCredentials(key: string, config: AwsConfig, credentials: AwsCredentials, stamp?: string): void {
    this.sources.set(key, { config, credentials, stamp });
  }

  mfaSession(key: string, now = Date.now()): AwsCredentials | undefined {
    const session = this.mfaSessions.get(key);
    if (session?.expiration && session.expiration.getTime() - now < MFA_REUSE_MARGIN_MS) {
      this.mfaSessions.delete(key);
      return undefined;
    }
    return session;
  }

  setMfaSession(key: string, credentials: AwsCredentials): void {
    this.mfaSessions.set(key, credentials);
  }

  /** The MFA sessions still worth reusing (core/sts/mfaSessionMemory.ts keeps them in SecretStorage for a reload). */
  mfaSessionEntries(now = Date.now()): Array<[string, AwsCredentials]> {
    return [...this.mfaSessions.keys()].flatMap((key): Array<[string, AwsCredentials]> => {
      const session = this.mfaSession(key, now);
      return session ? [[key, session]] : [];
    });
  }

  callerName(key: string): string | undefined {
    return this.callerNames.get(key);
  }

  setCallerName(key: string, name: string): void {
    this.callerNames.set(key, name);
  }

  forget(key: string): void {
    this.mfaSessions.delete(key);
    this.callerNames.delete(key);
    this.sources.delete(key);
  }

  /**
   * Everything made from a source profile's own credentials: them, its caller name and its MFA sessions (every
   * device). A rotated, replaced or moved key must leave nothing made from the old one to reuse.
   */
  forgetProfile(profile: string): void {
    this.forget(profileSourceKey(profile));
    for (const key of [...this.mfaSessions.keys()]) {
      if (isMfaKeyOf(key, profile)) this.mfaSessions.delete(key);
    }
  }

  clear(): void {
    this.mfaSessions.clear();
    this.callerNames.clear();
    this.sources.clear();
    this.clients.dispose();
  }
}

function expiresWithin(credentials: AwsCredentials, marginMs: number, now: number): boolean {
  return credentials.expiration !== undefined && credentials.expiration.getTime() - now < marginMs;
}

/** Source credentials and what to call them in messages. */
interface Source {
  credentials: AwsCredentials;
  /** `profile default`, or the ARN of the role session it came from. */
  description: string;
  /** Key for the caches. */
  key: string;
  /** The caller ARN, when already known (a chained role's session). */
  callerArn?: string;
  chained: boolean;
  /** MFA was already satisfied by an MFA session (so AssumeRole needs no code). */
  mfaDone: boolean;
  mfaKey?: string;
}

/** Assumes `role` and returns the new identity. Throws UserError with one sentence and a next step. */
export async function assumeRole(role: RoleEntry, options: AssumeOptions): Promise<Identity> {
  parseRoleArn(role.arn, role.origin === 'profile' ? `role_arn of profile '${role.profile}'` : 'role ARN');
  checkUsable(role);
  const own = role.source!;
  if (own.kind === 'webIdentity') {
    return assumeWithWebIdentity(role, own.tokenFile, options);
  }
  const source = await sourceFor(role, own, options);
  const sessionName = await roleSessionName(role, source, options);
  const durationSeconds = durationFor(role, options);
  const ctx: AwsCallContext = {
    action: 'AssumeRole',
    roleArn: role.arn,
    source: source.description,
    endpoint: options.endpoint,
    timeoutMs: options.timeoutMs,
    durationSeconds,
    chained: source.chained,
  };
  let mfa: { SerialNumber: string; TokenCode: string } | undefined;
  if (role.needsMfa && !source.mfaDone) {
    mfa = { SerialNumber: role.mfaSerial!, TokenCode: await askMfaCode(role.mfaSerial!, options) };
  }
  options.log?.(
    `AssumeRole ${role.arn} from ${source.description} as '${sessionName}' for ${durationSeconds ?? 'default'} s${mfa ? ' with MFA' : ''}`,
  );
  const response = await send(
    options,
    source.credentials,
    ctx,
    (client, abortSignal, sdk) =>
      client.send(
        new sdk.AssumeRoleCommand({
          RoleArn: role.arn,
          RoleSessionName: sessionName,
          DurationSeconds: durationSeconds,
          ExternalId: role.externalId,
          ...mfa,
        }),
        { abortSignal },
      ),
    options.cache?.clients,
  ).catch((error: unknown) => {
    if (error instanceof UserError && error.code === 'ExpiredToken') {
      // An expired MFA session (or source session) must not be offered again.
      options.cache?.forget(source.mfaKey ?? source.key);
      options.cache?.forget(source.key);
    }
    throw error;
  });
  return identityFrom(role, options.region, 'AssumeRole', response, role.needsMfa);
}

/** What may assume a role again, and how: for an agent's session of the same role, narrowed by session policies. */
export interface RoleSource {
  roleArn: string;
  externalId?: string;
  credentials: AwsCredentials;
  /** `profile default`, or the ARN of the role session it came from: for messages and logs, never a secret. */
  description: string;
  /** The source is itself a role session (AWS then caps the new session at an hour). */
  chained: boolean;
}

/**
 * The source credentials `assumeRole` would use for `role` (cached per loaded config; an MFA role reuses the MFA
 * session, asking for a code only when there is none). Undefined for roles a token or Identity Center assumes
 * (web identity, permission sets): nothing there can assume them again with a session policy.
 */
export async function roleSource(role: RoleEntry, options: AssumeOptions): Promise<RoleSource | undefined> {
  if (role.sso || role.source?.kind === 'webIdentity') {
    return undefined;
  }
  checkUsable(role);
  const source = await sourceFor(role, role.source as KeySource, options);
  return {
    roleArn: role.arn,
    externalId: role.externalId,
    credentials: source.credentials,
    description: source.description,
    chained: source.chained,
  };
}

/**
 * role_arn + web_identity_token_file: AssumeRoleWithWebIdentity, unsigned, with the token read fresh each time
 * (the files rotate). The token is a credential: it goes to STS only, never to a log line or an error.
 */
async function assumeWithWebIdentity(role: RoleEntry, tokenFile: string, options: AssumeOptions): Promise<Identity> {
  const token = await readTokenFile(tokenFile);
  const sessionName = sanitizeSessionName(role.roleSessionName || options.sessionName || 'iam-switchboard');
  const durationSeconds = durationFor(role, options);
  const ctx: AwsCallContext = {
    action: 'AssumeRoleWithWebIdentity',
    roleArn: role.arn,
    source: describeSource(role.source),
    endpoint: options.endpoint,
    timeoutMs: options.timeoutMs,
    durationSeconds,
  };
  options.log?.(
    `AssumeRoleWithWebIdentity ${role.arn} from the token in ${tokenFile} as '${sessionName}' for ${durationSeconds ?? 'default'} s`,
  );
  // No pool and no real keys: the SDK sends this action unsigned, so the placeholder is never used.
  const response = await send(options, UNSIGNED, ctx, (client, abortSignal, sdk) =>
    client.send(
      new sdk.AssumeRoleWithWebIdentityCommand({
        RoleArn: role.arn,
        RoleSessionName: sessionName,
        WebIdentityToken: token,
        DurationSeconds: durationSeconds,
      }),
      { abortSignal },
    ),
  );
  return identityFrom(role, options.region, 'AssumeRoleWithWebIdentity', response, false);
}

const UNSIGNED: AwsCredentials = { accessKeyId: 'UNSIGNED', secretAccessKey: 'UNSIGNED' };

/** The error names the file only: what is in it is the token. */
async function readTokenFile(tokenFile: string): Promise<string> {
  let token: string;
  try {
    token = (await fs.promises.readFile(tokenFile, 'utf8')).trim();
  } catch {
    throw new UserError(
      `Cannot read the web identity token file ${tokenFile}: check that it exists and is readable.`,
      'WebIdentityTokenFile',
    );
  }
  if (!token) {
    throw new UserError(`The web identity token file ${tokenFile} is empty: check what writes the token there.`, 'WebIdentityTokenFile');
  }
  return token;
}

/** GetCallerIdentity for `credentials`, e.g. what a terminal would use. */
export async function getCallerIdentity(
  credentials: AwsCredentials,
  settings: StsSettings & { signal?: AbortSignal; cache?: StsCache },
  source = 'these credentials',
): Promise<CallerIdentity> {
  const ctx: AwsCallContext = { action: 'GetCallerIdentity', source, endpoint: settings.endpoint, timeoutMs: settings.timeoutMs };
  const response = await send(
    settings,
    credentials,
    ctx,
    (client, abortSignal, sdk) => client.send(new sdk.GetCallerIdentityCommand({}), { abortSignal }),
    settings.cache?.clients,
  );
  return { arn: response.Arn ?? '', account: response.Account ?? '', userId: response.UserId ?? '' };
}

/**
 * True when assuming `role` now would ask for an MFA code (for auto-refresh: refresh silently only when not).
 * Chained MFA roles always need one: GetSessionToken cannot be called with a role's credentials.
 */
export function needsMfaCode(role: RoleEntry, cache: StsCache, now = Date.now()): boolean {
  if (!role.needsMfa) {
    return false;
  }
  return role.source?.kind !== 'profile' || !cache.mfaSession(mfaKey(role.source.profile, role.mfaSerial!), now);
}

/** A role without source credentials fails here, with the warning that explains why (not some side remark). */
function checkUsable(role: RoleEntry): void {
  if (role.source) {
    return;
  }
  const problem = role.warnings.find(isSourceProblem);
  const reason = problem?.message ?? 'it has no usable source credentials.';
  throw new UserError(
    `Cannot assume ${role.label}: ${reason.replace(/\.$/, '')}. Fix ${roleDefinedIn(role)}.`,
    problem?.code === 'UnknownSourceProfile' ? 'UnknownSourceProfile' : 'BrokenProfile',
    problem?.code,
  );
}

/** Source credentials come from somewhere else for every kind but webIdentity, which assumes the role itself. */
type KeySource = Exclude<RoleEntry['source'], undefined | { kind: 'webIdentity' }>;

async function sourceFor(role: RoleEntry, source: KeySource, options: AssumeOptions): Promise<Source> {
  if (source.kind === 'role') {
    const profile = options.config.profiles.get(source.profile);
    const first = profile ? roleFromProfile(profile) : undefined;
    if (!first) {
      throw new UserError(
        `Cannot assume ${role.label}: its source profile '${source.profile}' is broken. Fix it in ~/.aws/config.`,
        'BrokenProfile',
      );
    }
    // Role chaining: assume the source role first, then use its session.
    const identity = await assumeRole(first, options);
    return {
      credentials: identity.credentials,
      description: identity.arn ?? first.arn,
      key: `role:${first.key}`,
      callerArn: identity.arn,
      chained: true,
      mfaDone: false,
    };
  }
  const description = describeSource(source);
  const key = source.kind === 'profile' ? profileSourceKey(source.profile) : `credentialSource:${source.name}`;
  const base = await cachedBaseCredentials(source, key, description, options);
  if (role.needsMfa && source.kind === 'profile') {
    const credentials = await mfaSession(source.profile, role.mfaSerial!, base, options);
    return { credentials, description, key, chained: false, mfaDone: true, mfaKey: mfaKey(source.profile, role.mfaSerial!) };
  }
  return { credentials: base, description, key, chained: false, mfaDone: false };
}

/**
 * The source's own credentials, resolved once per loaded config (a credential_process runs once, not per switch).
 * An `aws login` source also once per sign-in: a new `aws login` (or the SDK's refresh) rewrites its cache file, and
 * the next switch reads the new session at once. Failures are never remembered, so a sign-in right after one works.
 */
async function cachedBaseCredentials(
  source: BaseSource,
  key: string,
  description: string,
  options: AssumeOptions,
): Promise<AwsCredentials> {
  const loginSession = source.kind === 'profile' ? options.config.profiles.get(source.profile)?.loginSession : undefined;
  const stamp = loginSession === undefined ? undefined : await loginCacheStamp(loginSession); // process.env, where the SDK looks too
  const cached = options.cache?.sourceCredentials(key, options.config, Date.now(), stamp);
  if (cached) {
    return cached;
  }
  const credentials = await baseCredentials(source, description, options);
  options.cache?.setSourceCredentials(key, options.config, credentials, stamp);
  return credentials;
}

type BaseSource = Exclude<KeySource, { kind: 'role' }>;

/** A non-role profile's own credentials, or credential_source's, through the SDK's providers. */
async function baseCredentials(source: BaseSource, description: string, options: AssumeOptions): Promise<AwsCredentials> {
  const sdk = await import('./stsSdk');
  const ctx: AwsCallContext = { action: 'SourceCredentials', source: description };
  try {
    const ssoProfile = source.kind === 'profile' ? options.config.profiles.get(source.profile) : undefined;
    if (ssoProfile?.sso?.accountId && ssoProfile.sso.roleName && options.ssoCredentials) {
      return await options.ssoCredentials(ssoProfile);
    }
    if (source.kind === 'profile' && options.config.profiles.get(source.profile)?.credentialKind === 'process') {
      // The keychain's key only while the file's line still asks this extension's helper for it.
      const line = options.keychainKey && (await credentialProcessCommand(source.profile, options.config.files));
      const kept = line && namesKeychainProfile(line, source.profile) ? await options.keychainKey?.(source.profile) : undefined;
      if (kept) {
        return kept;
      }
      // Ours, not the SDK's: bounded by the timeout, cancellable, and its errors quote no command line or stderr.
      return await processCredentials(source.profile, options.config.files, {
        timeoutMs: options.timeoutMs,
        signal: options.signal,
        env: options.env,
      });
    }
    if (source.kind === 'profile' && options.config.profiles.get(source.profile)?.credentialKind === 'login') {
      return await loginCredentials(source.profile, options, sdk);
    }
    if (source.kind === 'profile') {
      const { configPath, credentialsPath } = options.config.files;
      // ignoreCache: the STS bundle has its own copy of the SDK's file cache, which no reload of ours refreshes.
      // This runs once per source and loaded config (StsCache), so reading the files again costs little.
      return await sdk.fromIni({ profile: source.profile, configFilepath: configPath, filepath: credentialsPath, ignoreCache: true })();
    }
    return await credentialSourceCredentials(source.name, options.env ?? process.env, sdk);
  } catch (error) {
    throw toUserError(error, ctx);
  }
}

/**
 * An `aws login` profile's credentials through the SDK's own provider (fromIni hands login_session to
 * @aws-sdk/credential-provider-login), which refreshes the cached session when it is near its end. When there is
 * no sign-in, or it can no longer be refreshed, the person is told to sign in again, never shown the cache's text.
 */
async function loginCredentials(profile: string, options: AssumeOptions, sdk: typeof import('./stsSdk')): Promise<AwsCredentials> {
  const { configPath, credentialsPath } = options.config.files;
  try {
    return await sdk.fromIni({ profile, configFilepath: configPath, filepath: credentialsPath, ignoreCache: true })();
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name !== 'CredentialsProviderError') {
      throw error;
    }
    throw new UserError(
      `Profile '${profile}' has no current console sign-in: run 'Sign in with Console Credentials' (aws login --profile ${profile}), then try again.`,
      'LoginRequired',
      `SourceCredentials profile ${profile}: ${e.message ?? ''}`,
    );
  }
}

/** The SDK's providers behind credential_source, passed in so tests can check which one is used. */
export type MetadataProviders = Pick<typeof import('./stsSdk'), 'fromInstanceMetadata' | 'fromContainerMetadata'>;

/**
 * credential_source as the AWS CLI reads it: each value names one place. Never the default chain, where keys in
 * the environment, AWS_PROFILE or the default profile would win over the instance's or container's role.
 */
export async function credentialSourceCredentials(
  name: string,
  env: NodeJS.ProcessEnv,
  providers: MetadataProviders,
): Promise<AwsCredentials> {
  switch (name) {
    case 'Environment':
      return envCredentials(env);
    case 'Ec2InstanceMetadata':
      return providers.fromInstanceMetadata()();
    case 'EcsContainer':
      return providers.fromContainerMetadata()();
    default:
      throw new UserError(
        `credential_source '${name}' is not one of Environment, Ec2InstanceMetadata, EcsContainer: fix it in ~/.aws/config.`,
        'UnknownCredentialSource',
      );
  }
}

/**
 * The AWS_* keys of `env`, read directly as the SDK's fromEnv reads them from process.env: substituting another
 * environment must never mean writing it into process.env, which every extension in the host shares.
 */
function envCredentials(env: NodeJS.ProcessEnv): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new UserError(
      'credential_source = Environment needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment VS Code started with: set them there and restart VS Code, or use a source_profile instead.',
      'NoEnvironmentCredentials',
    );
  }
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined, expiration };
}

/** The caches' key for a source profile's own credentials. */
function profileSourceKey(profile: string): string {
  return `profile:${profile}`;
}

/** An MFA session's key: the source profile, then the device (an ARN or a serial number, neither holds '|'). */
function mfaKey(profile: string, serial: string): string {
  return `${profile}|${serial}`;
}

/** Whether an MFA session's key (as the cache and its kept copy name it) is one of `profile`'s. */
export function isMfaKeyOf(key: string, profile: string): boolean {
  return key.slice(0, key.lastIndexOf('|')) === profile;
}

/** One GetSessionToken with an MFA code per source and device, reused by the next roles for up to an hour. */
async function mfaSession(profile: string, serial: string, base: AwsCredentials, options: AssumeOptions): Promise<AwsCredentials> {
  const key = mfaKey(profile, serial);
  const cached = options.cache?.mfaSession(key);
  if (cached) {
    return cached;
  }
  const code = await askMfaCode(serial, options);
  const ctx: AwsCallContext = {
    action: 'GetSessionToken',
    source: `profile ${profile} (MFA device ${serial})`,
    endpoint: options.endpoint,
    timeoutMs: options.timeoutMs,
  };
  options.log?.(`GetSessionToken for profile ${profile} with MFA device ${serial}`);
  const response = await send(
    options,
    base,
    ctx,
    (client, abortSignal, sdk) =>
      client.send(new sdk.GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code, DurationSeconds: MFA_SESSION_SECONDS }), {
        abortSignal,
      }),
    options.cache?.clients,
  );
  const c = response.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw new UserError(
      'STS answered GetSessionToken without credentials: try again, and check the endpoint if it persists.',
      'NoCredentials',
    );
  }
  const session = {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  };
  options.cache?.setMfaSession(key, session);
  return session;
}

async function askMfaCode(serial: string, options: AssumeOptions): Promise<string> {
  if (!options.mfaCode) {
    throw new UserError(
      `This role needs a code from MFA device ${serial}, and nothing here can ask for one: assume it with Switch Role or from the AWS Roles view, which ask for the code.`,
      'MfaRequired',
    );
  }
  const code = (await options.mfaCode(serial))?.trim();
  if (code === undefined || options.signal?.aborted) {
    throw cancelled();
  }
  if (!isMfaCode(code)) {
    throw new UserError(`An MFA code is 6 digits, and '${code}' is not: enter the code your device shows for ${serial}.`, 'InvalidMfaCode');
  }
  return code;
}

/** An MFA device's code is 6 digits (STS's TokenCode); the prompt checks it as it is typed, this before it is sent. */
export function isMfaCode(code: string): boolean {
  return /^\d{6}$/.test(code);
}

/** The profile's role_session_name, else the setting, else the name of the person behind the source. */
async function roleSessionName(role: RoleEntry, source: Source, options: AssumeOptions): Promise<string> {
  const explicit = role.roleSessionName || options.sessionName;
  if (explicit) {
    return sanitizeSessionName(explicit);
  }
  let name = source.callerArn ? callerName(source.callerArn) : options.cache?.callerName(source.key);
  if (!name) {
    const caller = await getCallerIdentity(source.credentials, { ...options }, source.description);
    name = callerName(caller.arn);
    if (name) {
      options.cache?.setCallerName(source.key, name);
    }
  }
  return sanitizeSessionName(name ?? 'iam-switchboard');
}

/** RoleSessionName allows 2-64 of [\w+=,.@-]. */
function sanitizeSessionName(name: string): string {
  const cleaned = name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `${cleaned}--`.slice(0, 2);
}

/** The profile's duration wins; the setting is a default, capped at the hour AWS allows for chained roles. */
function durationFor(role: RoleEntry, options: StsSettings): number | undefined {
  if (role.durationSeconds !== undefined) {
    return role.durationSeconds;
  }
  if (options.durationSeconds === undefined) {
    return undefined;
  }
  return role.chained ? Math.min(options.durationSeconds, CHAINING_LIMIT_SECONDS) : options.durationSeconds;
}

/**
 * The credentials a new terminal would use with no role active: AWS_* keys in the environment, else the
 * AWS_PROFILE (or default) profile, a role profile being assumed through our own endpoint settings.
 */
export async function terminalDefaultCredentials(options: AssumeOptions): Promise<{ credentials: AwsCredentials; description: string }> {
  const env = options.env ?? process.env;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { credentials: envCredentials(env), description: 'the AWS_ACCESS_KEY_ID in the environment' };
  }
  const name = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE || 'default';
  const profile = options.config.profiles.get(name);
  if (!profile) {
    throw new UserError(
      `Terminals have no AWS credentials: there is no active role and no profile '${name}'. Assume a role or add the profile to ~/.aws/config.`,
      'NoCredentials',
    );
  }
  const role = roleFromProfile(profile);
  if (role && profile.credentialKind !== 'static') {
    const identity = await assumeRole(role, options);
    return { credentials: identity.credentials, description: `profile ${name}` };
  }
  const description = `profile ${name}`;
  return { credentials: await baseCredentials({ kind: 'profile', profile: name }, description, options), description };
}

/** The identity an AssumeRole or AssumeRoleWithWebIdentity answer gives `role`; a UserError when it holds no keys. */
function identityFrom(
  role: RoleEntry,
  region: string,
  action: string,
  response: {
    Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
    AssumedRoleUser?: { Arn?: string };
  },
  needsMfa: boolean,
): Identity {
  const c = response.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw new UserError(
      `STS answered ${action} for ${role.arn} without credentials: try again, and check the endpoint if it persists.`,
      'NoCredentials',
    );
  }
  return {
    label: role.label,
    arn: response.AssumedRoleUser?.Arn,
    accountId: role.accountId,
    region: role.region ?? region,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration },
    origin: { kind: 'sts', roleArn: role.arn, profile: role.profile, needsMfa },
  };
}
