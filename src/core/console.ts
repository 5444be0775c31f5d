// "Open AWS Console as Role": the federation sign-in flow. getSigninToken turns the role session into a
// sign-in token; the login URL carries it to the console page for the session's region.
import { partitionOf } from './arn';
import type { Identity } from './session';
import { UserError } from './userError';

export interface ConsoleOptions {
  /** The federation endpoint, e.g. https://signin.aws.amazon.com/federation (configurable for tests). */
  endpoint: string;
  /** Whether the session came from role chaining: AWS refuses SessionDuration then. */
  chained: boolean;
  /** Console session length, 900-43200; only sent when not chained. */
  sessionDurationSeconds?: number;
  issuer?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** The console home page for a region, in the identity's partition. */
export function consoleDestination(region: string): string {
  const host = { aws: 'console.aws.amazon.com', 'aws-us-gov': 'console.amazonaws-us-gov.com', 'aws-cn': 'console.amazonaws.cn' }[partitionOf(region)];
  return `https://${region}.${host}/console/home?region=${encodeURIComponent(region)}`;
}

/** A one-time sign-in URL for `identity` (the URL itself grants access: never log it). */
export async function consoleSigninUrl(identity: Identity, options: ConsoleOptions): Promise<string> {
  const { credentials } = identity;
  if (!credentials.sessionToken) {
    throw new UserError('The AWS console sign-in works only with temporary role credentials: assume a role first.', 'NotTemporary');
  }
  const session = JSON.stringify({ sessionId: credentials.accessKeyId, sessionKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken });
  const tokenUrl = new URL(options.endpoint);
  tokenUrl.searchParams.set('Action', 'getSigninToken');
  if (!options.chained && options.sessionDurationSeconds !== undefined) {
    tokenUrl.searchParams.set('SessionDuration', String(options.sessionDurationSeconds));
  }
  tokenUrl.searchParams.set('Session', session);
  const token = await fetchSigninToken(tokenUrl, options);
  const loginUrl = new URL(options.endpoint);
  loginUrl.searchParams.set('Action', 'login');
  loginUrl.searchParams.set('Issuer', options.issuer ?? 'iam-switchboard');
  loginUrl.searchParams.set('Destination', consoleDestination(identity.region));
  loginUrl.searchParams.set('SigninToken', token);
  return loginUrl.toString();
}

async function fetchSigninToken(url: URL, options: ConsoleOptions): Promise<string> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const where = `${url.origin}${url.pathname}`;
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (options.signal?.aborted) {
      throw new UserError('Cancelled.', 'Cancelled');
    }
    if (deadline.aborted) {
      throw new UserError(`The AWS sign-in endpoint ${where} did not answer in time: check your network or iamSwitchboard.consoleSigninEndpoint.`, 'Timeout');
    }
    const code = ((error as { cause?: { code?: string } }).cause?.code) ?? 'network error';
    throw new UserError(`Could not reach the AWS sign-in endpoint ${where} (${code}): check your network or iamSwitchboard.consoleSigninEndpoint.`, code);
  }
  if (!response.ok) {
    throw new UserError(
      `The AWS sign-in endpoint refused the role session (HTTP ${response.status}): assume the role again, then open the console.`,
      `HTTP${response.status}`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { SigninToken?: string };
  if (!body.SigninToken) {
    throw new UserError(`The AWS sign-in endpoint ${where} answered without a sign-in token: check iamSwitchboard.consoleSigninEndpoint.`, 'NoSigninToken');
  }
  return body.SigninToken;
}
