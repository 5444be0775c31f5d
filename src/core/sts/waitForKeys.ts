// Waiting for new iam_user keys from Vault: IAM is eventually consistent, so STS refuses brand-new keys for a few
// seconds. Polls GetCallerIdentity on one keep-alive client, starting fast and backing off to a gentle ceiling, so
// "ready" comes within a second of AWS accepting the keys without hammering it; network trouble and throttling
// are retried within the same budget and, if they last, reported as what they are.
import type { AwsCredentials } from '../session';
import { checkStsSettings, newStsClient } from './clients';
import { cancelled, UserError } from '../userError';
import { deadlineSignals } from '../deadline';

interface WaitOptions {
  endpoint?: string;
  region: string;
  signal?: AbortSignal;
  /** The whole budget, stalled requests included (default 60 s). */
  timeoutMs?: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

interface UsableKeys {
  arn: string;
  account: string;
  attempts: number;
  elapsedMs: number;
}

const FIRST_DELAY_MS = 100;
/** The ceiling between polls while the keys are refused: "ready" comes at most this (plus one request) late. */
const MAX_DELAY_MS = 800;
/** The ceiling while AWS throttles or cannot be reached: back off further, those are not about our keys. */
const MAX_TROUBLE_DELAY_MS = 5000;

// What AWS answers while a brand-new access key has not propagated yet.
const NOT_YET_VALID = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException']);
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
]);

type Trouble = { kind: 'notYet' | 'throttled' | 'network' | 'serverError' | 'stalled'; code: string };
type Outcome = Trouble | { kind: 'fatal'; error: UserError };

/** Polls until AWS accepts `credentials`, for at most `timeoutMs`. Cancel with `signal`. */
export async function waitUntilUsable(credentials: AwsCredentials, options: WaitOptions): Promise<UsableKeys> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const settings = checkStsSettings({ endpoint: options.endpoint, region: options.region, timeoutMs });
  const sdk = await import('./stsSdk');
  // maxAttempts 1: the retries are ours, paced by the backoff below.
  const sts = newStsClient(sdk, settings, credentials, 1);
  const started = Date.now();
  const remaining = () => settings.timeoutMs - (Date.now() - started);
  let delay = options.firstDelayMs ?? FIRST_DELAY_MS;
  let last: Trouble | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(options.signal);
      // Each attempt gets only what is left of the budget, so a stalled STS endpoint cannot hang the caller.
      const { deadline, signal: abortSignal } = deadlineSignals(Math.max(remaining(), 1), options.signal);
      try {
        const out = await sts.send(new sdk.GetCallerIdentityCommand({}), { abortSignal });
        return { arn: out.Arn ?? '', account: out.Account ?? '', attempts: attempt, elapsedMs: Date.now() - started };
      } catch (error) {
        throwIfAborted(options.signal);
        if (deadline.aborted) {
          // What the earlier attempts heard, if anything; else the stall is what happened.
          throw giveUp(last ?? { kind: 'stalled', code: 'Timeout' }, settings.timeoutMs, options.endpoint);
        }
        const outcome = classify(error);
        if (outcome.kind === 'fatal') {
          throw outcome.error;
        }
        last = outcome;
      }
      if (remaining() <= 0) {
        throw giveUp(last, settings.timeoutMs, options.endpoint);
      }
      await sleep(Math.min(delay, remaining()), options.signal);
      const ceiling = last.kind === 'notYet' ? (options.maxDelayMs ?? MAX_DELAY_MS) : MAX_TROUBLE_DELAY_MS;
      delay = Math.min(delay * 2, ceiling);
    }
  } finally {
    sts.destroy();
  }
}

function classify(error: unknown): Outcome {
  const e = (error ?? {}) as { name?: string; code?: string; cause?: { code?: string }; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const network = e.code ?? e.cause?.code;
  if (network && NETWORK.has(network)) {
    return { kind: 'network', code: network };
  }
  if (NOT_YET_VALID.has(name)) {
    return { kind: 'notYet', code: name };
  }
  if (THROTTLING.has(name)) {
    return { kind: 'throttled', code: name };
  }
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) {
    return { kind: 'serverError', code: `HTTP ${e.$metadata!.httpStatusCode}` };
  }
  const code = /^\w{1,64}$/.test(name) ? name : 'Error';
  return {
    kind: 'fatal',
    error: new UserError(`AWS rejected the new Vault credentials; lease new ones or check the Vault role: ${code}`, code),
  };
}

/** Says what kept the keys from being confirmed: AWS refusing them, or something between us and AWS. */
function giveUp(last: Trouble, timeoutMs: number, endpoint: string | undefined): UserError {
  const seconds = Number((timeoutMs / 1000).toFixed(1));
  const where = endpoint || 'AWS STS';
  switch (last.kind) {
    case 'notYet':
      return new UserError(
        `AWS did not accept the new Vault keys within ${seconds} s; wait a minute and try them again: ${last.code}`,
        'KeysNotYetUsable',
      );
    case 'throttled':
      return new UserError(
        `AWS throttled every check of the new Vault keys for ${seconds} s; they may work already, try them in a minute: ${last.code}`,
        'Throttling',
      );
    case 'serverError':
      return new UserError(
        `STS at ${where} kept failing for ${seconds} s, so the new Vault keys are unchecked; try them in a minute: ${last.code}`,
        'KeysNotChecked',
      );
    case 'stalled':
      return new UserError(
        `STS at ${where} did not answer within ${seconds} s, so the new Vault keys are unchecked; check your network or iamSwitchboard.stsEndpoint: ${last.code}`,
        'KeysNotChecked',
      );
    case 'network':
      return new UserError(
        `Could not reach STS at ${where} for ${seconds} s to check the new Vault keys; check your network or iamSwitchboard.stsEndpoint: ${last.code}`,
        'KeysNotChecked',
      );
  }
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    throw cancelled();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
