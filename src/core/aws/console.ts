// "Open AWS Console as Role": the federation sign-in flow. getSigninToken turns the role session into a
// sign-in token; the login URL carries it to the console page for the session's region.
import { partitionOf } from './arn';
import { BodyTooLarge, readTextCapped } from '../boundedBody';
import type { Identity } from '../session';
import { cancelled, UserError } from '../userError';
import { deadlineSignals } from '../deadline';

/** Real sign-in answers are a few KB; anything near this is not one. */
const MAX_SIGNIN_ANSWER_BYTES = 256 * 1024;

/** A region name as AWS spells them (`eu-west-1`, `us-gov-west-1`), the only thing allowed into the console host. */
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

interface ConsoleOptions {
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
  if (!REGION_NAME.test(region)) {
    // The region becomes part of a host name: anything else could send the sign-in somewhere else.
    throw new UserError(
      `'${region.slice(0, 40)}' is not an AWS region name (such as eu-west-1): fix the region of the role or iamSwitchboard.region.`,
      'InvalidRegion',
    );
  }
  const host = { aws: 'console.aws.amazon.com', 'aws-us-gov': 'console.amazonaws-us-gov.com', 'aws-cn': 'console.amazonaws.cn' }[
    partitionOf(region)
  ];
  return `https://${region}.${host}/console/home?region=${encodeURIComponent(region)}`;
}

/** A one-time sign-in URL for `identity` (the URL itself grants access: never log it). */
export async function consoleSigninUrl(identity: Identity, options: ConsoleOptions): Promise<string> {
  const { credentials } = identity;
  if (!credentials.sessionToken) {
    throw new UserError('The AWS console sign-in works only with temporary role credentials: assume a role first.', 'NotTemporary');
  }
  const destination = consoleDestination(identity.region); // checked before the credentials leave
  const session = JSON.stringify({
    sessionId: credentials.accessKeyId,
    sessionKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
  });
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
  loginUrl.searchParams.set('Destination', destination);
  loginUrl.searchParams.set('SigninToken', token);
  return loginUrl.toString();
}

async function fetchSigninToken(url: URL, options: ConsoleOptions): Promise<string> {
  const { deadline, signal } = deadlineSignals(options.timeoutMs, options.signal);
  const where = `${url.origin}${url.pathname}`;
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (options.signal?.aborted) {
      throw cancelled();
    }
    if (deadline.aborted) {
      throw new UserError(
        `The AWS sign-in endpoint ${where} did not answer in time: check your network or iamSwitchboard.consoleSigninEndpoint.`,
        'Timeout',
      );
    }
    const code = (error as { cause?: { code?: string } }).cause?.code ?? 'network error';
    throw new UserError(
      `Could not reach the AWS sign-in endpoint ${where} (${code}): check your network or iamSwitchboard.consoleSigninEndpoint.`,
      code,
    );
  }
  if (!response.ok) {
    throw new UserError(
      `The AWS sign-in endpoint refused the role session (HTTP ${response.status}): assume the role again, then open the console.`,
      `HTTP${response.status}`,
    );
  }
  const token = await readSigninToken(response, options, deadline, where);
  if (!token) {
    throw new UserError(
      `The AWS sign-in endpoint ${where} answered without a sign-in token: check iamSwitchboard.consoleSigninEndpoint.`,
      'NoSigninToken',
    );
  }
  return token;
}

/** The SigninToken in the body, or undefined when the body is not the JSON answer; cancels and timeouts stay what they are. */
async function readSigninToken(
  response: Response,
  options: ConsoleOptions,
  deadline: AbortSignal,
  where: string,
): Promise<string | undefined> {
  let text: string;
  try {
    text = await readTextCapped(response, MAX_SIGNIN_ANSWER_BYTES);
  } catch (error) {
    if (options.signal?.aborted) {
      throw cancelled();
    }
    if (deadline.aborted) {
      throw new UserError(
        `The AWS sign-in endpoint ${where} did not finish its answer in time: check your network or iamSwitchboard.consoleSigninEndpoint.`,
        'Timeout',
      );
    }
    if (error instanceof BodyTooLarge) {
      throw new UserError(
        `The AWS sign-in endpoint ${where} sent more than ${MAX_SIGNIN_ANSWER_BYTES / 1024} KB, which no sign-in answer is: check iamSwitchboard.consoleSigninEndpoint.`,
        'ResponseTooLarge',
      );
    }
    const code = (error as { cause?: { code?: string } }).cause?.code ?? 'network error';
    throw new UserError(`The connection to the AWS sign-in endpoint ${where} broke (${code}): try again.`, code);
  }
  try {
    const token = (JSON.parse(text) as { SigninToken?: unknown } | null)?.SigninToken;
    return typeof token === 'string' && token ? token : undefined;
  } catch {
    return undefined; // Not JSON (a proxy's page): never quoted, it is no business of the message.
  }
}
