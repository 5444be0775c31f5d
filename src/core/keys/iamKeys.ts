// IAM calls about a user's own access keys, on the lazily loaded IAM client (../discovery/iamSdk, the bundle Discover
// Roles loads too): one client per credentials, a deadline on every call, and failures reduced to AWS's machine code
// so each caller can say in one sentence what happened to which key.
import type { AwsCredentials } from '../session';

export interface KeyCallSettings {
  /** IAM endpoint URL (iamSwitchboard.iamEndpoint); undefined for AWS's. */
  iamEndpoint?: string;
  /** STS endpoint URL (iamSwitchboard.stsEndpoint); undefined for AWS's. */
  stsEndpoint?: string;
  region: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** What is called for which profile and key id; never a secret. */
  log?: (line: string) => void;
}

type Sdk = typeof import('../discovery/iamSdk');
export type IamKeysClient = { sdk: Sdk; client: InstanceType<Sdk['IAMClient']> };

export async function iamKeysClient(credentials: AwsCredentials, settings: KeyCallSettings): Promise<IamKeysClient> {
  const sdk = await import('../discovery/iamSdk');
  const client = new sdk.IAMClient({
    region: settings.region,
    endpoint: settings.iamEndpoint || undefined,
    credentials,
    maxAttempts: 3,
    requestHandler: { requestTimeout: settings.timeoutMs, connectionTimeout: settings.timeoutMs },
  });
  return { sdk, client };
}

/** Options for one IAM call: the caller's cancel and a deadline of the request timeout. */
export function callOptions(settings: KeyCallSettings): { abortSignal: AbortSignal } {
  const deadline = AbortSignal.timeout(settings.timeoutMs);
  return { abortSignal: settings.signal ? AbortSignal.any([settings.signal, deadline]) : deadline };
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT']);

/**
 * AWS's code for a failed call, as IAM sends it (the SDK adds "Exception" to modelled errors: LimitExceeded, not
 * LimitExceededException), a Node network code, or Timeout. Never the message: it can quote what a server said.
 */
export function failureCode(error: unknown): string {
  const e = (error ?? {}) as { name?: string; code?: string; cause?: { code?: string } };
  const network = e.code ?? e.cause?.code;
  if (network && NETWORK.has(network)) return network;
  const name = e.name ?? 'Error';
  if (name === 'TimeoutError' || name === 'AbortError' || name === 'RequestTimeout') return 'Timeout';
  const code = name.replace(/Exception$/, '');
  return /^\w{1,64}$/.test(code) ? code : 'Error';
}

export const isAccessDenied = (error: unknown): boolean => failureCode(error) === 'AccessDenied';

/** What to do after an IAM call failed with `code`, as the end of a sentence. */
export function nextStep(code: string, action: string): string {
  if (code === 'AccessDenied') {
    return `ask your administrator to allow iam:${action} on your own user (with MFA, if your policy asks for it, give the profile an mfa_serial)`;
  }
  if (NETWORK.has(code) || code === 'Timeout') return 'check your network or the iamSwitchboard.iamEndpoint setting, then try again';
  if (code === 'Throttling') return 'wait a minute, then try again';
  return 'try again, and see the IAM Switchboard log if it persists';
}
