// One place that builds the SDK's SSO OIDC and portal clients (@aws-sdk/client-sso-oidc and @aws-sdk/client-sso,
// loaded lazily from ./ssoSdk) and runs a call with a deadline, cancellation and the error mapping. The operations
// used are unsigned in the service models (the clients pick `smithy.api#noAuth` for them): tokens and client
// secrets travel in the request itself.
import type { Command } from '@smithy/core/client';
import { type IdentityCenterCallContext, toIdentityCenterError } from './errors';
import type { IdentityCenterInstance, IdentityCenterSettings } from './instance';

type Sdk = typeof import('./ssoSdk');

/** A command's output type, read off its middleware stack (the SDK's own commands and ours alike). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- only the output type is inferred; the rest is any command
type OutputOf<C> = C extends Command<any, infer O, any, any, any> ? O : never;

/** The clients as the calls here use them: `send` takes any command of the service. */
interface Sender {
  send<C extends object>(command: C, options: { abortSignal?: AbortSignal }): Promise<OutputOf<C>>;
  destroy(): void;
}
type OidcClient = Sender;
type PortalClient = Sender;

interface Call<C, T> {
  api: 'oidc' | 'portal';
  ctx: Omit<IdentityCenterCallContext, 'instance' | 'endpoint' | 'timeoutMs' | 'timedOut'>;
  run: (client: C, sdk: Sdk, abortSignal: AbortSignal | undefined) => Promise<T>;
}

function clientConfig(instance: IdentityCenterInstance, settings: IdentityCenterSettings, endpoint: string | undefined) {
  return {
    region: instance.region,
    endpoint: endpoint || undefined,
    // The portal's throttling is retried by discovery with its own backoff; one attempt here keeps that the only policy.
    maxAttempts: 1,
    requestHandler: { requestTimeout: settings.timeoutMs, connectionTimeout: settings.timeoutMs },
  };
}

/**
 * Runs one call; SDK errors become UserErrors. Each request is bounded by the client's requestTimeout and
 * connectionTimeout (so no timer per call across discovery's thousand calls); the caller's signal cancels.
 */
async function run<T>(
  client: Sender,
  sdk: Sdk,
  instance: IdentityCenterInstance,
  settings: IdentityCenterSettings,
  endpoint: string | undefined,
  call: Omit<Call<Sender, T>, 'api'>,
): Promise<T> {
  try {
    return await call.run(client, sdk, settings.signal);
  } catch (error) {
    throw Object.assign(toIdentityCenterError(error, { ...call.ctx, instance, endpoint, timeoutMs: settings.timeoutMs }), {
      // Kept for the callers that branch on the service's answer (polling, throttling, re-registration).
      serviceError: settings.signal?.aborted ? 'AbortError' : (error as { name?: string }).name,
      retryAfterMs: retryAfterMsOf(error),
    });
  }
}

async function open(api: 'oidc' | 'portal', instance: IdentityCenterInstance, settings: IdentityCenterSettings) {
  const sdk = await import('./ssoSdk');
  const endpoint = api === 'oidc' ? settings.oidcEndpoint : settings.portalEndpoint;
  const config = clientConfig(instance, settings, endpoint);
  const client = (api === 'oidc' ? new sdk.SSOOIDCClient(config) : new sdk.SSOClient(config)) as unknown as Sender;
  return { client, sdk, endpoint };
}

/** One OIDC call on a client of its own. */
export async function oidcCall<T>(
  instance: IdentityCenterInstance,
  settings: IdentityCenterSettings,
  call: Omit<Call<OidcClient, T>, 'api'>,
): Promise<T> {
  const { client, sdk, endpoint } = await open('oidc', instance, settings);
  try {
    return await run(client, sdk, instance, settings, endpoint, call);
  } finally {
    client.destroy();
  }
}

/**
 * Where the OIDC API lives, as the SDK resolves it (the override, else oidc.<region>.amazonaws.com or the
 * partition's host): the un-modelled /authorize page is on the same host, as the AWS CLI finds it.
 */
export async function oidcBaseUrl(instance: IdentityCenterInstance, settings: IdentityCenterSettings): Promise<string> {
  const { client } = await open('oidc', instance, settings);
  try {
    const config = (client as unknown as { config: { endpointProvider: (p: Record<string, unknown>) => { url: URL } } }).config;
    const url = config.endpointProvider({ Region: instance.region, Endpoint: settings.oidcEndpoint || undefined }).url;
    return url.href.replace(/\/+$/, '');
  } finally {
    client.destroy();
  }
}

/** One portal call on a client of its own. */
export async function portalCall<T>(
  instance: IdentityCenterInstance,
  settings: IdentityCenterSettings,
  call: Omit<Call<PortalClient, T>, 'api'>,
): Promise<T> {
  const session = await portalSession(instance, settings);
  try {
    return await session.call(call);
  } finally {
    session.close();
  }
}

export interface PortalSession {
  call<T>(call: Omit<Call<PortalClient, T>, 'api'>): Promise<T>;
  close(): void;
}

/**
 * One portal client for many calls (discovery's thousand): building a client resolves its whole configuration and
 * opens new connections, which costs more than the call itself on a fast network.
 */
export async function portalSession(instance: IdentityCenterInstance, settings: IdentityCenterSettings): Promise<PortalSession> {
  const { client, sdk, endpoint } = await open('portal', instance, settings);
  return { call: (call) => run(client, sdk, instance, settings, endpoint, call), close: () => client.destroy() };
}

/**
 * A Retry-After the service sent with its error (seconds, as RFC 9110 §10.2.3 allows; an HTTP date is ignored), read
 * off the raw response the SDK keeps on its errors ($response), as the SDK's own retry strategy reads it.
 */
function retryAfterMsOf(error: unknown): number | undefined {
  const headers = (error as { $response?: { headers?: Record<string, string | undefined> } } | undefined)?.$response?.headers ?? {};
  const name = Object.keys(headers).find((key) => key.toLowerCase() === 'retry-after');
  const seconds = name === undefined ? NaN : Number(headers[name]);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** The Retry-After of a UserError thrown by oidcCall/portalCall, when the service sent one. */
export function retryAfterOf(error: unknown): number | undefined {
  return (error as { retryAfterMs?: number } | undefined)?.retryAfterMs;
}

/** The exception the service answered with, on a UserError thrown by oidcCall/portalCall. */
export function serviceErrorOf(error: unknown): string | undefined {
  return (error as { serviceError?: string } | undefined)?.serviceError;
}
