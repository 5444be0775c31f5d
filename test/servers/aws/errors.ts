// AWS Query-protocol errors: the HTTP status, the machine code the SDK turns into error.name, and AWS's wording.
export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

export function accessDenied(callerArn: string, action: string, resource: string): AwsError {
  return new AwsError(403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`);
}

export function validationError(message: string): AwsError {
  return new AwsError(400, 'ValidationError', message);
}

/** The "1 validation error detected" shape AWS uses for parameter constraints. */
export function constraintError(value: string | undefined, member: string, constraint: string): AwsError {
  const shown = value === undefined ? 'null' : `'${value}'`;
  return validationError(`1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`);
}

export const invalidClientTokenId = (): AwsError =>
  new AwsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');

export const expiredToken = (): AwsError => new AwsError(403, 'ExpiredToken', 'The security token included in the request is expired');

export const signatureDoesNotMatch = (): AwsError =>
  new AwsError(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );

export const mfaFailed = (): AwsError =>
  new AwsError(403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.');

export const throttling = (): AwsError => new AwsError(400, 'Throttling', 'Rate exceeded');

export function serverError(status: number): AwsError {
  return status === 503
    ? new AwsError(503, 'ServiceUnavailable', 'Service is unable to handle request.', 'Receiver')
    : new AwsError(
        status,
        'InternalFailure',
        'The request processing has failed because of an unknown error, exception or failure.',
        'Receiver',
      );
}

export function noSuchEntity(message: string): AwsError {
  return new AwsError(404, 'NoSuchEntity', message);
}

/** 20261125T133441Z, as SigV4 and AWS's skew messages write times. */
export function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** What AWS answers to a signature more than 15 minutes from its own clock (the SDK's clock-skew trigger). */
export function signatureSkewed(signedMs: number, serverMs: number): AwsError {
  const window = 15 * 60_000;
  const message =
    signedMs < serverMs
      ? `Signature expired: ${amzDate(signedMs)} is now earlier than ${amzDate(serverMs - window)} (${amzDate(serverMs)} - 15 min.)`
      : `Signature not yet current: ${amzDate(signedMs)} is still later than ${amzDate(serverMs + window)} (${amzDate(serverMs)} + 15 min.)`;
  return new AwsError(403, 'SignatureDoesNotMatch', message);
}

/**
 * Errors real AWS sends that the local world does not produce by itself, for the failure switch: the HTTP status
 * and code from botocore's service models (sts, organizations 2016-11-28), AWS's wording for the message.
 * Organizations speaks JSON 1.1 (every error HTTP 400); the others are STS Query errors.
 */
export const SERVICE_ERRORS = {
  RegionDisabledException: {
    status: 403,
    message:
      'STS is not activated in this region for account:111111111111. Your account administrator can activate STS in this region using the IAM Console.',
  },
  PackedPolicyTooLarge: { status: 400, message: 'Packed policy consumes 112% of allotted space, please use smaller policy.' },
  IDPRejectedClaim: { status: 403, message: 'Incorrect token audience' },
  AWSOrganizationsNotInUseException: { status: 400, message: 'Your account is not a member of an organization.' },
  AccessDeniedException: { status: 400, message: "You don't have permissions to access this resource." },
} as const;

export type ServiceErrorCode = keyof typeof SERVICE_ERRORS;

export function isServiceErrorCode(code: unknown): code is ServiceErrorCode {
  return typeof code === 'string' && Object.hasOwn(SERVICE_ERRORS, code);
}

export function serviceError(code: ServiceErrorCode): AwsError {
  return new AwsError(SERVICE_ERRORS[code].status, code, SERVICE_ERRORS[code].message);
}
