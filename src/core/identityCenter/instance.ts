// What every Identity Center call needs to know: which instance (start URL and its region), where its two APIs
// live (AWS's regional endpoints unless a test or demo overrides them), and the call's deadline and cancellation.

export interface IdentityCenterInstance {
  /** The AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start. */
  startUrl: string;
  /** The region the instance lives in (sso_region). */
  region: string;
  /** The `[sso-session NAME]` it came from, when it came from ~/.aws/config (the CLI names its cache file after it). */
  sessionName?: string;
}

export interface IdentityCenterSettings {
  /** SSO OIDC endpoint; undefined for https://oidc.<region>.amazonaws.com. */
  oidcEndpoint?: string;
  /** SSO portal endpoint; undefined for https://portal.sso.<region>.amazonaws.com. */
  portalEndpoint?: string;
  /** Per request. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** The clock token expiry is judged by (tests move it). */
  now?: () => number;
}

/**
 * Where the caller keeps secrets: the edge passes VS Code's SecretStorage as is (same three methods). Tokens and
 * client secrets go here and nowhere else.
 */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export const now = (settings: Pick<IdentityCenterSettings, 'now'>): number => (settings.now ?? Date.now)();

/** Secret keys per instance: one registered client and one token each. */
export function secretKey(instance: IdentityCenterInstance, what: 'client' | 'token'): string {
  return `iamSwitchboard.identityCenter.${what}:${instance.region}:${instance.startUrl}`;
}
