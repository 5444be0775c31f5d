// STS clients and the one place STS is called: a long-lived client per (endpoint, region, timeout, credentials)
// with keep-alive connections, so a switch costs one round trip and no new TLS handshake; a deadline on every
// call; a cap on every answer's size; and every failure, bad settings included, a UserError.
import { type AwsCallContext, toUserError } from '../aws/errors';
import type { AwsCredentials } from '../session';
import { MAX_STS_RESPONSE_BYTES, RESPONSE_TOO_LARGE } from './limits';
import { UserError } from '../userError';

export type StsSdk = typeof import('./stsSdk');
type StsClient = InstanceType<StsSdk['STSClient']>;

interface StsCallSettings {
  /** STS endpoint URL; undefined or empty for AWS's regional endpoint. */
  endpoint?: string;
  region: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Clients kept at once; the least recently used goes first. A person switches between a handful of sources. */
const MAX_POOLED_CLIENTS = 16;
/** Answers that mean these credentials will never work again, so their client is not worth keeping. */
const DEAD_CREDENTIALS = new Set(['ExpiredToken', 'InvalidClientTokenId', 'SignatureDoesNotMatch']);

/** The settings as the SDK needs them, or a UserError naming the setting to fix (never a raw TypeError later). */
export function checkStsSettings(settings: StsCallSettings): { endpoint?: string; region: string; timeoutMs: number } {
  if (settings.endpoint) {
    let protocol = '';
    try {
      protocol = new URL(settings.endpoint).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'https:' && protocol !== 'http:') {
      throw new UserError(
        'The STS endpoint is not an https:// (or http://) URL: fix the iamSwitchboard.stsEndpoint setting, or leave it empty for AWS.',
        'InvalidStsEndpoint',
      );
    }
  }
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(settings.region ?? '')) {
    throw new UserError(
      `'${String(settings.region ?? '').slice(0, 40)}' is not an AWS region name such as eu-west-1: fix iamSwitchboard.region or the profile's region.`,
      'InvalidRegion',
    );
  }
  if (!Number.isFinite(settings.timeoutMs) || settings.timeoutMs <= 0) {
    throw new UserError(
      'The request timeout must be a positive number of seconds: fix the iamSwitchboard.requestTimeoutSeconds setting.',
      'InvalidTimeout',
    );
  }
  // Timers and AbortSignal.timeout take whole milliseconds only (16.1 s would be ERR_OUT_OF_RANGE).
  return { endpoint: settings.endpoint || undefined, region: settings.region, timeoutMs: Math.max(1, Math.round(settings.timeoutMs)) };
}

type StsClientConfig = NonNullable<ConstructorParameters<StsSdk['STSClient']>[0]>;
type RequestHandler = NonNullable<StsClientConfig['requestHandler']>;

/**
 * The options an STS client otherwise looks up in the environment and ~/.aws/config on its first request, each by
 * parsing the whole file again: 226 ms per new client with a 7,000-profile config, paid by every chain's second
 * hop. Taken from a first client, whose lookups are memoized, they are looked up once (still honouring
 * AWS_USE_FIPS_ENDPOINT, use_fips_endpoint and the rest).
 */
const LOOKED_UP = [
  'authSchemePreference',
  'defaultsMode',
  'retryMode',
  'sigv4aSigningRegionSet',
  'useDualstackEndpoint',
  'useFipsEndpoint',
  'userAgentAppId',
] as const;
type LookedUp = Partial<Pick<StsClientConfig, (typeof LOOKED_UP)[number]>>;

function lookedUpOptions(client: StsClient): LookedUp {
  const config = client.config as unknown as Record<string, unknown>;
  return Object.fromEntries(LOOKED_UP.filter((key) => config[key] !== undefined).map((key) => [key, config[key]])) as LookedUp;
}

/**
 * A client with the response cap and `maxAttempts` SDK retries, on `handler` or else on its own keep-alive agents
 * (destroyed with it).
 */
export function newStsClient(
  sdk: StsSdk,
  settings: StsCallSettings,
  credentials: AwsCredentials,
  maxAttempts = 3,
  handler?: RequestHandler,
  lookedUp: LookedUp = {},
): StsClient {
  const { endpoint, region, timeoutMs } = checkStsSettings(settings);
  const client = new sdk.STSClient({
    ...lookedUp,
    region,
    endpoint,
    credentials,
    maxAttempts,
    requestHandler: handler ?? sdk.keepAliveHandler(timeoutMs),
  });
  type Middleware = Parameters<typeof client.middlewareStack.add>[0];
  client.middlewareStack.add(sdk.capResponse() as unknown as Middleware, {
    step: 'deserialize',
    priority: 'low',
    name: 'iamSwitchboardResponseCap',
  });
  return client;
}

interface Pooled {
  client: StsClient;
  credentials: AwsCredentials;
}

/**
 * Long-lived clients, one per (endpoint, region, timeout, access key). A client is destroyed when its key's
 * secret or token changes, when its credentials expire or are refused as dead, and on dispose(). Clients of one
 * endpoint share its connections (SigV4 signs each request, a connection belongs to nobody): the second hop of a
 * chain, with a session new each time, needs no new TLS handshake either.
 */
export class StsClientPool {
  private readonly clients = new Map<string, Pooled>();
  /** Per endpoint and timeout, a client that only owns the shared keep-alive handler (it sends nothing). */
  private readonly transports = new Map<string, { owner: StsClient; shared: RequestHandler; lookedUp: LookedUp }>();

  get size(): number {
    return this.clients.size;
  }

  client(sdk: StsSdk, settings: StsCallSettings, credentials: AwsCredentials, now = Date.now()): StsClient {
    this.dropExpired(now);
    const key = poolKey(settings, credentials);
    const pooled = this.clients.get(key);
    this.clients.delete(key); // re-inserted last: Map order is the least recently used first
    if (pooled && sameCredentials(pooled.credentials, credentials)) {
      this.clients.set(key, pooled);
      return pooled.client;
    }
    pooled?.client.destroy();
    const transport = this.transport(sdk, settings);
    const fresh = { client: newStsClient(sdk, settings, credentials, 3, transport.shared, transport.lookedUp), credentials };
    this.clients.set(key, fresh);
    for (const [oldest, entry] of this.clients) {
      if (this.clients.size <= MAX_POOLED_CLIENTS) break;
      entry.client.destroy();
      this.clients.delete(oldest);
    }
    return fresh.client;
  }

  /** Forgets the client of these credentials (STS said they are dead). */
  drop(settings: StsCallSettings, credentials: AwsCredentials): void {
    const key = poolKey(settings, credentials);
    this.clients.get(key)?.client.destroy();
    this.clients.delete(key);
  }

  dispose(): void {
    this.clients.forEach((p) => p.client.destroy());
    this.clients.clear();
    this.transports.forEach((t) => t.owner.destroy());
    this.transports.clear();
  }

  private transport(sdk: StsSdk, settings: StsCallSettings): { shared: RequestHandler; lookedUp: LookedUp } {
    const key = `${settings.endpoint ?? ''}\n${settings.timeoutMs}`;
    let transport = this.transports.get(key);
    if (!transport) {
      const owner = newStsClient(sdk, settings, { accessKeyId: '', secretAccessKey: '' });
      transport = { owner, shared: sharedHandler(owner.config.requestHandler as SharedHandler), lookedUp: lookedUpOptions(owner) };
      this.transports.set(key, transport);
    }
    return transport;
  }

  private dropExpired(now: number): void {
    for (const [key, pooled] of this.clients) {
      if (pooled.credentials.expiration && pooled.credentials.expiration.getTime() <= now) {
        pooled.client.destroy();
        this.clients.delete(key);
      }
    }
  }
}

type SharedHandler = {
  handle: (...args: never[]) => unknown;
  httpHandlerConfigs?: () => unknown;
};

/** The owner's handler for other clients: their destroy() and config updates must not reach it. */
function sharedHandler(handler: SharedHandler): RequestHandler {
  return {
    handle: (...args: never[]) => handler.handle(...args),
    httpHandlerConfigs: () => handler.httpHandlerConfigs?.() ?? {},
    updateHttpClientConfig: () => undefined,
    destroy: () => undefined,
  } as unknown as RequestHandler;
}

function poolKey(settings: StsCallSettings, credentials: AwsCredentials): string {
  return [settings.endpoint ?? '', settings.region, settings.timeoutMs, credentials.accessKeyId].join('\n');
}

function sameCredentials(a: AwsCredentials, b: AwsCredentials): boolean {
  return (
    a === b ||
    (a.secretAccessKey === b.secretAccessKey && a.sessionToken === b.sessionToken && a.expiration?.getTime() === b.expiration?.getTime())
  );
}

/**
 * One STS call under a deadline combined with the caller's signal, on the pooled client for `credentials` (or on a
 * client made for this call and destroyed after it, without a pool). Every failure becomes a UserError in `ctx`.
 */
export async function send<T>(
  settings: StsCallSettings,
  credentials: AwsCredentials,
  ctx: AwsCallContext,
  call: (client: StsClient, abortSignal: AbortSignal, sdk: StsSdk) => Promise<T>,
  pool?: StsClientPool,
): Promise<T> {
  let client: StsClient | undefined;
  let checked: StsCallSettings | undefined;
  const deadline = new Deadline(settings.signal);
  try {
    // Inside the try: a bad endpoint, region or timeout is a UserError like any other failure.
    checked = { ...checkStsSettings(settings), signal: settings.signal };
    const sdk = await import('./stsSdk');
    deadline.start(checked.timeoutMs);
    client = pool ? pool.client(sdk, checked, credentials) : newStsClient(sdk, checked, credentials);
    return await call(client, deadline.signal, sdk);
  } catch (error) {
    const userError = tooLarge(error, ctx) ?? toUserError(error, { ...ctx, timedOut: deadline.expired });
    if (pool && checked && DEAD_CREDENTIALS.has(userError.code ?? '')) {
      pool.drop(checked, credentials);
    }
    throw userError;
  } finally {
    deadline.stop();
    if (!pool) {
      client?.destroy();
    }
  }
}

/**
 * The caller's signal and a timeout as one signal. A plain timer and listener: AbortSignal.timeout and
 * AbortSignal.any cost more per call than the rest of our path together.
 */
class Deadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onCancel = () => this.controller.abort(this.caller?.reason);
  /** The timeout fired, as opposed to the caller cancelling. */
  expired = false;

  constructor(private readonly caller?: AbortSignal) {
    if (caller?.aborted) {
      this.controller.abort(caller.reason);
    }
    caller?.addEventListener('abort', this.onCancel, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(ms: number): void {
    this.timer = setTimeout(() => {
      this.expired = !this.controller.signal.aborted;
      this.controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    }, ms);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCancel);
  }
}

function tooLarge(error: unknown, ctx: AwsCallContext): UserError | undefined {
  if ((error as { name?: string } | undefined)?.name !== RESPONSE_TOO_LARGE) {
    return undefined;
  }
  const where = ctx.endpoint ?? 'the STS endpoint';
  return new UserError(
    `${where} answered ${ctx.action} with more than ${MAX_STS_RESPONSE_BYTES / 1024 / 1024} MB, which no STS answer is: check the iamSwitchboard.stsEndpoint setting.`,
    'ResponseTooLarge',
    `${ctx.action}: response body over ${MAX_STS_RESPONSE_BYTES} bytes`,
  );
}
