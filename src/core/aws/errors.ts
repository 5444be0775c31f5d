// SDK errors → one sentence with a next step. Branches on the error's machine name (the STS error Code, or the
// Node network code), never on its English message; the message only goes into the log detail.
import { UserError } from '../userError';

export interface AwsCallContext {
  action: 'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'GetSessionToken' | 'GetCallerIdentity' | 'GetSigninToken' | 'SourceCredentials';
  /** The role being assumed, when there is one. */
  roleArn?: string;
  /** Who is calling: a profile, a caller ARN, an MFA session. */
  source?: string;
  /** The STS endpoint, for "could not reach" messages. */
  endpoint?: string;
  timeoutMs?: number;
  durationSeconds?: number;
  chained?: boolean;
  /** The deadline's own signal fired (as opposed to the person cancelling). */
  timedOut?: boolean;
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  cause?: unknown;
}

const THROTTLING = ['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded'];
const NETWORK = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT'];

/** Turns anything thrown by an STS call into a UserError (UserErrors pass through unchanged). */
export function toUserError(error: unknown, ctx: AwsCallContext): UserError {
  if (error instanceof UserError) {
    return error;
  }
  const e = (error ?? {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const detail = `${ctx.action}${ctx.roleArn ? ` ${ctx.roleArn}` : ''}: ${name}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''}: ${e.message ?? ''}`;
  const make = (message: string, code: string) => new UserError(message, code, detail);
  const role = ctx.roleArn ?? 'the role';
  const source = ctx.source ?? 'the source credentials';
  const where = ctx.endpoint ?? 'the STS endpoint';

  // Checked first: the SDK names a reset socket `TimeoutError` too, with the real cause in `code`.
  const network = networkCode(e);
  if (!ctx.timedOut && network && network !== 'ETIMEDOUT' && NETWORK.includes(network)) {
    return make(
      `Could not reach STS at ${where} (${network}): check your network or the iamSwitchboard.stsEndpoint setting, then try again.`,
      network,
    );
  }
  if (ctx.timedOut || name === 'TimeoutError' || name === 'RequestTimeout' || network === 'ETIMEDOUT') {
    const seconds = ctx.timeoutMs ? ` within ${Math.round(ctx.timeoutMs / 1000)} s` : '';
    return make(
      `STS at ${where} did not answer${seconds}: check your network or the iamSwitchboard.stsEndpoint setting, then try again.`,
      'Timeout',
    );
  }
  if (name === 'AbortError') {
    return make('Cancelled.', 'Cancelled');
  }
  if (isDeserializationError(error)) {
    const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
    return make(
      `STS at ${where} answered with something that is not an AWS answer${status}: check the iamSwitchboard.stsEndpoint setting or a proxy in between, then try again.`,
      'MalformedResponse',
    );
  }
  if (THROTTLING.includes(name)) {
    return make('AWS is throttling STS requests even after retries: wait a minute, then try again.', 'Throttling');
  }
  switch (name) {
    case 'AccessDenied':
    case 'AccessDeniedException':
      if (ctx.action === 'GetSessionToken') {
        // GetSessionToken with an MFA code fails only on the code (or device) itself.
        return make(`AWS rejected the MFA code for ${source}: wait for the next code from your device and try again.`, 'MfaFailed');
      }
      if (ctx.action === 'AssumeRole') {
        // AWS sends the same AccessDenied when the trust policy refuses and when the caller's own policies lack (or
        // deny) sts:AssumeRole on the role, which is fixed in the caller's account: name both.
        return make(
          `${source} is not allowed to assume ${role}: check that the role's trust policy${inAccount(ctx.roleArn)} lets it in (with any MFA or external ID condition), and that its own policies in its account allow sts:AssumeRole on this role with no Deny, or pick another role.`,
          'AccessDenied',
        );
      }
      return make(`AWS denied ${ctx.action} for ${source}: check its permissions.`, 'AccessDenied');
    case 'ExpiredToken':
    case 'ExpiredTokenException':
      if (ctx.action === 'AssumeRoleWithWebIdentity') {
        return make(`The token in the ${source} has expired: let whatever writes that file renew it, then try again.`, 'ExpiredToken');
      }
      return make(
        `The credentials of ${source} have expired: refresh them (for SSO run 'aws sso login'; for a role, assume it again) and try again.`,
        'ExpiredToken',
      );
    case 'InvalidIdentityToken':
    case 'InvalidIdentityTokenException':
      return make(
        `STS refused the token in the ${source}: check the token's issuer and audience, and what writes the file.`,
        'InvalidIdentityToken',
      );
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
      return make(`AWS does not recognise the access key of ${source}: check its keys in ~/.aws/credentials.`, 'InvalidClientTokenId');
    case 'SignatureDoesNotMatch':
      // The same code means a skewed clock; only AWS's wording tells them apart ("Signature expired: ... - 15 min.").
      if (/^Signature (expired|not yet current)/.test(e.message ?? '')) {
        return make(
          `AWS says this computer's clock is more than 15 minutes off, so it refused the signature of ${source}: set the clock right (turn on automatic time sync), then try again.`,
          'ClockSkew',
        );
      }
      return make(
        `AWS rejected the signature of ${source}, so its secret access key is wrong: check it in ~/.aws/credentials.`,
        'SignatureDoesNotMatch',
      );
    case 'ValidationError':
      return validationError(ctx, make, e.message ?? '');
    case 'RegionDisabledException':
      return make(
        `STS is not activated in this region for the account of ${role}: activate the region in the account's IAM settings, or set iamSwitchboard.region to another region.`,
        name,
      );
    case 'PackedPolicyTooLarge':
    case 'PackedPolicyTooLargeException':
      return make(
        `AWS refused to assume ${role} because its session tags and policies are too large once packed: remove session tags or transitive tags, or shorten the session policy.`,
        'PackedPolicyTooLarge',
      );
    case 'IDPRejectedClaim':
    case 'IDPRejectedClaimException':
      return make(
        `The identity provider rejected the token in the ${source} for ${role}: check the provider and the token's claims (audience, subject), then let whatever writes that file renew it.`,
        'IDPRejectedClaim',
      );
    case 'CredentialsProviderError':
    case 'TokenProviderError':
      return make(
        `Could not get credentials for ${source}: ${e.message ?? name}. Check that profile (for SSO run 'aws sso login').`,
        'SourceCredentials',
      );
    default:
      return make(`${ctx.action} failed for ${role}: ${name}. See the IAM Switchboard log for details.`, name);
  }
}

/** " in account 333333333333", when the role ARN names one. */
function inAccount(roleArn: string | undefined): string {
  const account = roleArn === undefined ? undefined : /^arn:[\w-]+:iam::(\d{12}):/.exec(roleArn)?.[1];
  return account ? ` in account ${account}` : '';
}

function validationError(ctx: AwsCallContext, make: (message: string, code: string) => UserError, message: string): UserError {
  const seconds = ctx.durationSeconds;
  if (ctx.action === 'AssumeRole' && seconds !== undefined && seconds > 3600 && ctx.chained) {
    return make(
      `AWS limits roles assumed from another role to one hour, and ${seconds} s was asked for ${ctx.roleArn}: set duration_seconds to 3600 or less.`,
      'ChainingDurationLimit',
    );
  }
  if (ctx.action === 'AssumeRole' && seconds !== undefined && seconds > 3600) {
    return make(
      `${seconds} s is longer than the maximum session duration of ${ctx.roleArn}: lower duration_seconds (or iamSwitchboard.sessionDurationSeconds) or raise the role's maximum.`,
      'DurationTooLong',
    );
  }
  return make(`STS rejected the ${ctx.action} request for ${ctx.roleArn ?? 'the role'}: ${message}`, 'ValidationError');
}

/** The SDK could not parse the answer (it keeps the raw response in a hidden `$response`; service errors have `$fault`). */
function isDeserializationError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$response' in error && !('$fault' in error);
}

/** The Node network error code, which the SDK keeps on the error or its cause. */
function networkCode(e: SdkErrorShape): string | undefined {
  const cause = e.cause as SdkErrorShape | undefined;
  return e.code ?? cause?.code;
}
