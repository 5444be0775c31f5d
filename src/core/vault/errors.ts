// Turns what node-vault rejects with (an HTTP status plus Vault's `errors[]`, or a network error code) into one
// UserError sentence with a next step. Branches on status, Vault's error strings and socket codes only.
import { UserError } from '../userError';

/** What a failed Vault call told us, with nothing secret in it (an error object may carry the request and its token). */
interface VaultFailure {
  status?: number;
  errors: string[];
  /** Socket, TLS or timeout code (`ECONNREFUSED`, `ECONNABORTED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...). */
  networkCode?: string;
}

export function readFailure(error: unknown): VaultFailure {
  const e = error as { response?: { statusCode?: number; body?: { errors?: unknown } }; code?: unknown; message?: unknown };
  if (e?.response && typeof e.response.statusCode === 'number') {
    const errors = Array.isArray(e.response.body?.errors) ? e.response.body.errors.map(String) : [];
    return { status: e.response.statusCode, errors };
  }
  const code = typeof e?.code === 'string' ? e.code : undefined;
  return { errors: [], networkCode: code ?? 'UNKNOWN' };
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE']);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Where the request went and what it needed, so a message can name the path and the missing capability. */
export interface FailureContext {
  address: string;
  path: string;
  capability: 'read' | 'list' | 'update' | 'create';
  timeoutMs: number;
  /** The token's policies, when known (a 403 with a still-valid token is then an ACL denial). */
  policies?: string[];
  /** False when a lookup-self after a 403 was refused too: the token itself is gone. */
  tokenValid?: boolean;
  signedIn: boolean;
  /** The token was just pasted or handed over, not one that worked before: "not accepted", not "no longer". */
  newToken?: boolean;
}

function includes(failure: VaultFailure, text: string): boolean {
  return failure.errors.some((e) => e.toLowerCase().includes(text.toLowerCase()));
}

/** Vault's multierror strings ("1 error occurred:\n\t* permission denied\n\n") reduced to their text. */
export function vaultMessage(failure: VaultFailure): string {
  const text = failure.errors
    .map((e) =>
      e
        .replace(/^\d+ errors? occurred:\s*/, '')
        .replace(/^\s*\*\s*/gm, '')
        .trim(),
    )
    .join('; ');
  return text || (failure.status ? `HTTP ${failure.status}` : (failure.networkCode ?? 'unknown error'));
}

function detail(failure: VaultFailure, ctx: FailureContext): string {
  const what = failure.status ? `status ${failure.status}` : failure.networkCode;
  return `${ctx.capability} ${ctx.path}: ${what}: ${vaultMessage(failure)}`;
}

export function toUserError(error: unknown, ctx: FailureContext): UserError {
  if (error instanceof UserError) {
    return error;
  }
  const failure = readFailure(error);
  const fail = (message: string, code: string) => new UserError(message, code, detail(failure, ctx));
  const code = failure.networkCode;
  if (code) {
    if (code === 'ERESPONSETOOLARGE') {
      return fail(
        `Vault at ${ctx.address} sent more than 4 MB for ${ctx.path}, which no Vault answer is; check the address and what is in front of Vault.`,
        'VaultResponseTooLarge',
      );
    }
    if (TIMEOUT_CODES.has(code)) {
      return fail(
        `Vault at ${ctx.address} did not answer within ${Number((ctx.timeoutMs / 1000).toFixed(1))} s; check that it is up or raise iamSwitchboard.requestTimeoutSeconds.`,
        'VaultTimeout',
      );
    }
    if (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) {
      return fail(
        `Could not verify the TLS certificate of Vault at ${ctx.address}; set caCert for this server (or tlsSkipVerify for a lab server only): ${code}`,
        'VaultTls',
      );
    }
    if (UNREACHABLE_CODES.has(code)) {
      return fail(`Could not reach Vault at ${ctx.address}; check the address and that Vault is running: ${code}`, 'VaultUnreachable');
    }
    return fail(`The request to Vault at ${ctx.address} failed; check the address and your network: ${code}`, 'VaultUnreachable');
  }
  return fromResponse(failure, ctx, fail);
}

function fromResponse(failure: VaultFailure, ctx: FailureContext, fail: (message: string, code: string) => UserError): UserError {
  const status = failure.status;
  // Checked before "sealed": an uninitialised Vault answers 503 "Vault is not initialized" on every path but health.
  if (status === 501 || includes(failure, 'not initialized')) {
    return fail(`Vault at ${ctx.address} is not initialised; ask an operator to initialise and unseal it.`, 'VaultNotInitialized');
  }
  if (includes(failure, 'Vault is sealed')) {
    return fail(`Vault at ${ctx.address} is sealed; ask an operator to unseal it, then try again.`, 'VaultSealed');
  }
  if (status === 403) {
    if (!ctx.signedIn) {
      return fail(`You are not signed in to Vault at ${ctx.address}; run "Sign in to Vault" first.`, 'VaultNotSignedIn');
    }
    if (ctx.tokenValid === false || includes(failure, 'invalid token') || includes(failure, 'bad token')) {
      if (ctx.newToken) {
        return fail(
          `Vault at ${ctx.address} did not accept that token (it is mistyped, expired or revoked); paste another, or sign in another way.`,
          'VaultTokenNotAccepted',
        );
      }
      return fail(
        `Vault at ${ctx.address} no longer accepts your token (it expired, was revoked or is mistyped); run "Sign in to Vault" again.`,
        'VaultTokenExpired',
      );
    }
    const policies = ctx.policies?.length ? ctx.policies.join(', ') : 'unknown';
    return fail(
      `Vault denied "${ctx.capability}" on ${ctx.path}: none of your token's policies (${policies}) grants it; ask your Vault admin for a policy with the "${ctx.capability}" capability on "${ctx.path}".`,
      'VaultPermissionDenied',
    );
  }
  // userpass says the first, the LDAP backend the second.
  if (includes(failure, 'invalid username or password') || includes(failure, 'failed to bind as user')) {
    return fail('Vault rejected that username or password; check them and sign in again.', 'VaultLoginFailed');
  }
  const roleMissing = failure.errors.map((e) => /^Role "(.*)" not found/i.exec(e)).find(Boolean);
  if (roleMissing) {
    return fail(`Vault has no AWS role "${roleMissing[1]}"; refresh the Vault view and pick an existing role.`, 'VaultRoleNotFound');
  }
  if (includes(failure, 'no handler for route')) {
    return fail(
      `Vault has nothing mounted at ${ctx.path}; check the server's AWS mounts in iamSwitchboard.vault.servers.`,
      'VaultMountNotFound',
    );
  }
  if (includes(failure, 'lease is not renewable')) {
    return fail(
      'This lease cannot be renewed: STS credentials from Vault stay valid until they expire; lease new credentials when you need more time.',
      'VaultLeaseNotRenewable',
    );
  }
  if (includes(failure, 'lease expired')) {
    return fail('This lease has already expired; lease new credentials.', 'VaultLeaseExpired');
  }
  if (includes(failure, 'lease not found') || includes(failure, 'invalid lease')) {
    return fail('Vault no longer knows this lease (it was revoked or has expired); lease new credentials.', 'VaultLeaseNotFound');
  }
  if (includes(failure, 'unable to determine one')) {
    return fail('This Vault role has several role ARNs and none was chosen; lease again and pick a role ARN.', 'VaultRoleArnRequired');
  }
  if (includes(failure, 'not in allowed role arns')) {
    return fail(
      `Vault refused that role ARN for this role; pick one of the role's ARNs: ${vaultMessage(failure)}`,
      'VaultRoleArnNotAllowed',
    );
  }
  // The AWS secrets engine prefixes every AWS failure with "Error <doing something>: <AWS error>".
  if (failure.errors.some((e) => /^Error (assuming role|creating IAM user|generating STS keys|[a-z ]+):/i.test(e))) {
    return fail(
      `Vault could not get credentials from AWS; check the Vault role and Vault's own AWS access: ${vaultMessage(failure)}`,
      'VaultAwsError',
    );
  }
  if (status === 404 && failure.errors.length === 0) {
    return fail(`Vault found nothing at ${ctx.path}; refresh the Vault view.`, 'VaultNotFound');
  }
  return fail(`Vault could not ${ctx.capability} ${ctx.path}; see the log for details: ${vaultMessage(failure)}`, 'VaultRequestFailed');
}
