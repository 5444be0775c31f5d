// The console federation endpoint (signin.aws.amazon.com/federation): trade temporary credentials for a sign-in
// token, then "log in" with it. The login page is a small HTML page an end-to-end test can read.
import { randomBytes } from 'node:crypto';
import type { Identities, SessionRecord } from './identities';
import { escapeXml } from './xml';

/** AWS sign-in tokens are good for 15 minutes. */
const TOKEN_LIFETIME_MS = 15 * 60_000;

export interface FederationResponse {
  status: number;
  contentType: string;
  body: string;
}

interface SigninToken {
  session: SessionRecord;
  issuedAtMs: number;
  sessionDurationSeconds?: number;
}

const failure = (message: string): FederationResponse => ({ status: 400, contentType: 'text/plain; charset=utf-8', body: `${message}\n` });

function parseSession(raw: string | null): { sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown } | undefined {
  try {
    const parsed: unknown = raw === null ? undefined : JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export class Federation {
  private readonly tokens = new Map<string, SigninToken>();

  constructor(private readonly identities: Identities) {}

  handle(query: URLSearchParams): FederationResponse {
    switch (query.get('Action')) {
      case 'getSigninToken':
        return this.getSigninToken(query);
      case 'login':
        return this.login(query);
      default:
        return failure(`Unsupported federation Action: ${query.get('Action') ?? '(none)'}`);
    }
  }

  private getSigninToken(query: URLSearchParams): FederationResponse {
    const input = parseSession(query.get('Session'));
    if (!input) return failure('The Session parameter must be URL-encoded JSON with sessionId, sessionKey and sessionToken.');
    const { sessionId, sessionKey, sessionToken } = input;
    if (typeof sessionId !== 'string' || typeof sessionKey !== 'string') {
      return failure('The Session parameter lacks sessionId or sessionKey.');
    }
    if (this.identities.isLongTermKey(sessionId)) {
      return failure(
        'Long-term access keys cannot sign in to the console: use temporary credentials from AssumeRole or GetFederationToken.',
      );
    }
    const session = this.identities.findSession({
      accessKeyId: sessionId,
      secretAccessKey: sessionKey,
      sessionToken: String(sessionToken),
    });
    if (!session || this.identities.now() >= session.expiresAtMs) {
      return failure('The credentials in the Session parameter are invalid or expired.');
    }
    if (session.kind === 'session-token') return failure('Credentials from GetSessionToken cannot sign in to the console.');
    const duration = query.get('SessionDuration');
    if (duration !== null) {
      if (session.chained) return failure('SessionDuration is not allowed for credentials obtained by role chaining.');
      const seconds = Number(duration);
      if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43200) {
        return failure('SessionDuration must be an integer from 900 to 43200.');
      }
    }
    const token = randomBytes(48).toString('base64url');
    this.tokens.set(token, {
      session,
      issuedAtMs: this.identities.now(),
      sessionDurationSeconds: duration === null ? undefined : Number(duration),
    });
    return { status: 200, contentType: 'application/json', body: JSON.stringify({ SigninToken: token }) };
  }

  private login(query: URLSearchParams): FederationResponse {
    const token = this.tokens.get(query.get('SigninToken') ?? '');
    if (!token || this.identities.now() - token.issuedAtMs > TOKEN_LIFETIME_MS) {
      return {
        ...failure(''),
        contentType: 'text/html; charset=utf-8',
        body: page('Sign-in failed', '<p>The sign-in token is invalid or has expired.</p>'),
      };
    }
    const destination = query.get('Destination') ?? 'https://console.aws.amazon.com/';
    const issuer = query.get('Issuer') ?? '';
    const body = [
      `<h1 id="signed-in">Signed in to the AWS console as ${escapeXml(token.session.arn)}</h1>`,
      `<p>Destination: <a id="destination" href="${escapeXml(destination)}">${escapeXml(destination)}</a></p>`,
      `<p>Issuer: <span id="issuer">${escapeXml(issuer)}</span></p>`,
      token.sessionDurationSeconds
        ? `<p>Session duration: <span id="session-duration">${token.sessionDurationSeconds}</span> seconds</p>`
        : '',
    ].join('\n');
    return { status: 200, contentType: 'text/html; charset=utf-8', body: page('AWS Management Console', body) };
  }
}

function page(title: string, body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body>\n${body}\n</body></html>\n`;
}
