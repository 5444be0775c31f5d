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
