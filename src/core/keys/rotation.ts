// Rotate Access Key: CreateAccessKey → wait until AWS accepts the new key → store it where the profile's key is kept
// (the KeyHolder, never a file) → DeleteAccessKey of the old one. With an MFA session when the user's policy asks
// for aws:MultiFactorAuthPresent; with the person's yes before a second, unused key is deleted to make room (IAM
// allows two). Whatever step fails, a working key stays in place and one sentence says which key is in use and what
// to do; a new key that will not be used is deleted again.
import type { AccessKey, KeyHolder } from './accessKey';
import { type IamKeysClient, type KeyCallSettings, callOptions, failureCode, iamKeysClient, isAccessDenied, nextStep } from './iamKeys';
import { type KeyFacts, listKeyFacts } from './keyAge';
import type { AwsCredentials } from '../session';
import { isMfaCode } from '../sts/assumeRole';
import { send } from '../sts/clients';
import { waitUntilUsable } from '../sts/waitForKeys';
import { cancelled, UserError } from '../userError';

export interface RotateOptions extends KeyCallSettings {
  profile: string;
  holder: KeyHolder;
  /** The user's MFA device (the profile's mfa_serial, or its roles'), for a policy that asks for MFA. */
  mfaSerial?: string;
  /** Asks for a code from the device; undefined when the person cancels. */
  mfaCode?: (serial: string) => Promise<string | undefined>;
  /** The user has two keys: may `other`, the one the profile does not use, be deleted to make room? */
  confirmDeleteOther: (other: KeyFacts) => Promise<boolean>;
  /** How long AWS may take to accept the new key (default 60 s: IAM usually needs a few). */
  acceptWithinMs?: number;
}

export interface Rotation {
  oldKeyId: string;
  newKeyId: string;
  /** The unused second key deleted to make room, when there was one and the person agreed. */
  deletedOtherKeyId?: string;
  /** Whether the IAM calls ran in an MFA session. */
  withMfa: boolean;
  /** When a check first saw AWS accept the new key, and when all was done (ms since the epoch). */
  acceptedAt: number;
  doneAt: number;
}

/** Between checks of the new key at most this long: done within a second of AWS accepting it. */
const MAX_POLL_DELAY_MS = 400;
const MFA_SESSION_SECONDS = 900;

/** The IAM calls of one rotation: with the old key, or with an MFA session of it once the policy asked for one. */
class Caller {
  private iam: IamKeysClient | undefined;
  withMfa = false;

  constructor(
    private readonly old: AccessKey,
    private readonly options: RotateOptions,
  ) {}

  /** Runs `call`; refused (AccessDenied) without MFA and a device known, runs it again in an MFA session. */
  async run<T>(call: (iam: IamKeysClient) => Promise<T>): Promise<T> {
    this.iam ??= await iamKeysClient(this.old, this.options);
    try {
      return await call(this.iam);
    } catch (error) {
      if (!isAccessDenied(error) || this.withMfa || !this.options.mfaSerial) throw error;
    }
    const session = await this.mfaSession(this.options.mfaSerial);
    this.iam.client.destroy();
    this.iam = await iamKeysClient(session, this.options);
    this.withMfa = true;
    return call(this.iam);
  }

  private async mfaSession(serial: string): Promise<AwsCredentials> {
    const code = this.options.mfaCode ? (await this.options.mfaCode(serial))?.trim() : undefined;
    if (code === undefined) throw cancelled();
    if (!isMfaCode(code)) {
      throw new UserError(`An MFA code is 6 digits: key ${this.old.accessKeyId} is still in use and nothing changed.`, 'InvalidMfaCode');
    }
    const { endpoint, source } = { endpoint: this.options.stsEndpoint, source: `profile ${this.options.profile} (MFA device ${serial})` };
    this.options.log?.(`GetSessionToken for profile ${this.options.profile} with MFA device ${serial}, to rotate its key`);
    const out = await send(
      { endpoint, region: this.options.region, timeoutMs: this.options.timeoutMs, signal: this.options.signal },
      this.old,
      { action: 'GetSessionToken', source, endpoint, timeoutMs: this.options.timeoutMs },
      (client, abortSignal, sdk) =>
        client.send(new sdk.GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code, DurationSeconds: MFA_SESSION_SECONDS }), {
          abortSignal,
        }),
    ).catch((error: unknown) => {
      if (!(error instanceof UserError)) throw error;
      throw new UserError(
        `${error.message.replace(/\.$/, '')} — key ${this.old.accessKeyId} is still in use and nothing changed.`,
        error.code,
      );
    });
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new UserError(
        `STS answered GetSessionToken without credentials: key ${this.old.accessKeyId} is still in use; try again.`,
        'NoCredentials',
      );
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }

  destroy(): void {
    this.iam?.client.destroy();
  }
}

/** Rotates the key of `options.profile` kept by `options.holder`. Throws a UserError naming the key in use. */
export async function rotateAccessKey(options: RotateOptions): Promise<Rotation> {
  const { profile, holder } = options;
  const old = await holder.read(profile);
  if (!old) {
    throw new UserError(
      `Profile ${profile} has no access key in the keychain: run Move Keys to Keychain for it first, then rotate.`,
      'NoKeyInKeychain',
    );
  }
  const caller = new Caller(old, options);
  const stopped = (step: string, action: string) => (error: unknown) => {
    if (error instanceof UserError || options.signal?.aborted) throw options.signal?.aborted ? cancelled() : error;
    const code = failureCode(error);
    throw new UserError(
      `Could not ${step} (${code}): key ${old.accessKeyId} is still in use and nothing changed; ${nextStep(code, action)}.`,
      code,
    );
  };
  try {
    const keys = await caller
      .run((iam) => listKeyFacts(iam, old.accessKeyId, options))
      .catch(stopped('list your access keys', 'ListAccessKeys'));
    const deletedOtherKeyId = await makeRoom(keys, old, caller, options);
    options.log?.(`IAM CreateAccessKey for profile ${profile}`);
    const created = await caller
      .run((iam) => iam.client.send(new iam.sdk.CreateAccessKeyCommand({}), callOptions(options)))
      .catch(stopped('create a new access key', 'CreateAccessKey'));
    const id = created.AccessKey?.AccessKeyId;
    const secret = created.AccessKey?.SecretAccessKey;
    if (!id || !secret) {
      throw new UserError(
        `IAM answered CreateAccessKey without a key: key ${old.accessKeyId} is still in use; try again.`,
        'NoCredentials',
      );
    }
    const fresh: AccessKey = { accessKeyId: id, secretAccessKey: secret };
    const acceptedAt = await waitForAcceptance(fresh, old, caller, options);
    await store(fresh, old, caller, options);
    await deleteKey(caller, old.accessKeyId, options).catch((error: unknown) => {
      if (options.signal?.aborted) throw cancelled();
      const code = failureCode(error);
      throw new UserError(
        `The new key ${id} is in use, but AWS did not delete the old key ${old.accessKeyId} (${code}): delete it in the IAM console, it still works until then.`,
        code,
      );
    });
    options.log?.(`Rotated the key of profile ${profile}: ${old.accessKeyId} → ${id}`);
    return { oldKeyId: old.accessKeyId, newKeyId: id, deletedOtherKeyId, withMfa: caller.withMfa, acceptedAt, doneAt: Date.now() };
  } finally {
    caller.destroy();
  }
}

/** Two keys already: the person says whether the unused one may go; it is deleted before the new one is made. */
async function makeRoom(keys: KeyFacts[], old: AccessKey, caller: Caller, options: RotateOptions): Promise<string | undefined> {
  const others = keys.filter((k) => k.accessKeyId !== old.accessKeyId);
  if (keys.length < 2) return undefined;
  if (others.length > 1 || !keys.some((k) => k.inUse)) {
    throw new UserError(
      `Key ${old.accessKeyId} of profile ${options.profile} is not one of your IAM user's two keys (${others.map((k) => k.accessKeyId).join(', ')}): check the profile's key, nothing changed.`,
      'KeyNotListed',
    );
  }
  const other = others[0];
  if (!(await options.confirmDeleteOther(other))) throw cancelled('kept the second key');
  await deleteKey(caller, other.accessKeyId, options).catch((error: unknown) => {
    if (options.signal?.aborted) throw cancelled();
    const code = failureCode(error);
    throw new UserError(
      `Could not delete the unused key ${other.accessKeyId} to make room (${code}): key ${old.accessKeyId} is still in use and nothing changed; ${nextStep(code, 'DeleteAccessKey')}.`,
      code,
    );
  });
  return other.accessKeyId;
}

function deleteKey(caller: Caller, accessKeyId: string, options: RotateOptions): Promise<unknown> {
  options.log?.(`IAM DeleteAccessKey ${accessKeyId} for profile ${options.profile}`);
  return caller.run((iam) => iam.client.send(new iam.sdk.DeleteAccessKeyCommand({ AccessKeyId: accessKeyId }), callOptions(options)));
}

/** Polls STS with the new key (no fixed sleep); not accepted in time, the new key is deleted and the old one stays. */
async function waitForAcceptance(fresh: AccessKey, old: AccessKey, caller: Caller, options: RotateOptions): Promise<number> {
  try {
    await waitUntilUsable(fresh, {
      endpoint: options.stsEndpoint,
      region: options.region,
      signal: options.signal,
      timeoutMs: options.acceptWithinMs ?? 60_000,
      maxDelayMs: MAX_POLL_DELAY_MS,
    });
    return Date.now();
  } catch (error) {
    const why =
      error instanceof UserError && error.code !== 'Cancelled'
        ? `AWS did not accept the new key ${fresh.accessKeyId} in time (${error.code})`
        : undefined;
    throw await undo(fresh, old, caller, options, why ?? `Rotation was cancelled`, error);
  }
}

/** Stores the new key; if the holder failed and does not hold it, the new key is deleted and the old one stays. */
async function store(fresh: AccessKey, old: AccessKey, caller: Caller, options: RotateOptions): Promise<void> {
  try {
    await options.holder.replace(options.profile, fresh);
  } catch (error) {
    // The holder may have stored it before failing: then the new key is the one in use.
    const held = await options.holder.read(options.profile).catch(() => undefined);
    if (held?.accessKeyId === fresh.accessKeyId) return;
    // Never the holder's message: it may quote what the keychain said.
    const name =
      error instanceof UserError
        ? (error.code ?? 'UserError')
        : error instanceof Error && /^\w{1,64}$/.test(error.name)
          ? error.name
          : 'Error';
    throw await undo(fresh, old, caller, options, `Could not store the new key in the keychain (${name})`, error);
  }
}

/** Deletes the new key that will not be used; the sentence says the old key is in use, and what is left to do. */
async function undo(
  fresh: AccessKey,
  old: AccessKey,
  caller: Caller,
  options: RotateOptions,
  why: string,
  cause: unknown,
): Promise<UserError> {
  const code = cause instanceof UserError && cause.code ? cause.code : 'RotationFailed';
  try {
    // Not cancellable: a cancelled rotation must still take back the key it made.
    await deleteKey(caller, fresh.accessKeyId, { ...options, signal: undefined });
  } catch (error) {
    return new UserError(
      `${why}: key ${old.accessKeyId} is still in use; delete the unused new key ${fresh.accessKeyId} in the IAM console (${failureCode(error)}) before you rotate again.`,
      code,
    );
  }
  if (code === 'Cancelled') return cancelled('new key deleted again');
  return new UserError(
    `${why}: key ${old.accessKeyId} is still in use and the new key was deleted again; try Rotate Access Key later.`,
    code,
  );
}
