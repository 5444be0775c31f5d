// Verifies AWS Signature Version 4 by re-signing the received request with the SDK's own signer and the secret
// this server issued, so a wrong secret fails here exactly as it would on AWS.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsError, signatureDoesNotMatch } from './errors';
import type { Caller, Identities } from './identities';

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-case names, as Node delivers them. */
  headers: Record<string, string>;
  body: string;
}

export interface AuthorizationHeader {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): AuthorizationHeader | undefined {
  const match = header ? AUTH_PATTERN.exec(header.trim()) : null;
  if (!match) return undefined;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** 20261125T133441Z → Date */
function parseAmzDate(value: string | undefined): Date | undefined {
  const match = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
}

async function computeSignature(
  request: ReceivedRequest,
  auth: AuthorizationHeader,
  secretAccessKey: string,
  signingDate: Date,
): Promise<string> {
  // Only the headers the client signed take part, so hop-by-hop headers added on the way don't matter.
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    if (request.headers[name] !== undefined) headers[name] = request.headers[name];
  }
  const host = request.headers.host ?? '';
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: host.replace(/:\d+$/, ''),
      path: request.path,
      query: request.query,
      headers,
      body: request.body,
    }),
    { signingDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const resigned = parseAuthorization(signed.headers.authorization);
  // A signed-headers list that differs (e.g. a header the client signed but did not send) also fails.
  if (!resigned || resigned.signedHeaders.join(';') !== auth.signedHeaders.join(';')) return '';
  return resigned.signature;
}

function sameSignature(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** Returns the authenticated caller and the service named in the credential scope, or throws AWS's error. */
export async function verifySignature(request: ReceivedRequest, identities: Identities): Promise<{ caller: Caller; service: string }> {
  const auth = parseAuthorization(request.headers.authorization);
  if (!request.headers.authorization) {
    throw new AwsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  if (!auth) {
    throw new AwsError(
      400,
      'IncompleteSignature',
      `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.`,
    );
  }
  const signingDate = parseAmzDate(request.headers['x-amz-date']);
  if (!signingDate || !auth.signedHeaders.includes('host')) throw signatureDoesNotMatch();
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (payloadHash && payloadHash !== createHash('sha256').update(request.body).digest('hex')) throw signatureDoesNotMatch();
  const sessionToken = request.headers['x-amz-security-token'];
  const { caller, secretAccessKey } = identities.resolve(auth.accessKeyId, sessionToken);
  const expected = await computeSignature(request, auth, secretAccessKey, signingDate);
  if (!sameSignature(expected, auth.signature)) throw signatureDoesNotMatch();
  if (caller.kind === 'user') identities.recordUse(auth.accessKeyId, auth.service, auth.region);
  return { caller, service: auth.service };
}
