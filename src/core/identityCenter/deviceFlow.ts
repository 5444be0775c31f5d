// Sign-in by the OAuth device authorization grant (RFC 8628), as `aws sso login` does it: a registered client
// (reused until it expires), StartDeviceAuthorization, a code the person approves in a browser, and CreateToken
// polled every `interval` seconds: AuthorizationPending keeps waiting, SlowDown adds 5 s for good, ExpiredToken and
// AccessDenied end it. Cancellable at any point through the AbortSignal.
import { setTimeout as delay } from 'node:timers/promises';
import { cancelled, UserError } from '../userError';
import { oidcCall, serviceErrorOf } from './clients';
import { type IdentityCenterInstance, type IdentityCenterSettings, type SecretStore, now, secretKey } from './instance';
import { type RegisteredClient, type SsoToken, registeredClient, saveToken, tokenFrom } from './tokens';

export interface DeviceCode {
  /** What the person checks in the browser, e.g. `BCDF-GHJK`. */
  userCode: string;
  verificationUri: string;
  /** The page with the code filled in: what "Copy and Open" opens. */
  verificationUriComplete: string;
  /** When the code stops working. */
  expiresAt: Date;
}

export interface SignInOptions {
  /** Shows the code and the link; polling starts when it returns, and goes on while the person approves. */
  onCode: (code: DeviceCode) => void | Promise<void>;
  /** Name the client registers under; shown nowhere to the person in AWS, but kept in its logs. */
  clientName?: string;
  /** Waits between polls (tests pass a virtual clock); must reject with an AbortError when `signal` fires. */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628's default when the server names no interval. */
const DEFAULT_INTERVAL_SECONDS = 5;
const SLOW_DOWN_SECONDS = 5;

const defaultSleep = (ms: number, signal: AbortSignal | undefined) => delay(ms, undefined, { signal });

/** Signs in and stores the token; returns it (the caller keeps it in memory only). */
export async function signIn(
  instance: IdentityCenterInstance,
  store: SecretStore,
  settings: IdentityCenterSettings,
  options: SignInOptions,
): Promise<SsoToken> {
  const clientName = options.clientName ?? 'iam-switchboard';
  let client = await registeredClient(instance, store, settings, clientName);
  let authorization;
  try {
    authorization = await startAuthorization(instance, settings, client);
  } catch (error) {
    if (serviceErrorOf(error) !== 'InvalidClientException') throw error;
    // The registration was revoked or replaced on the server: register again, once.
    await store.delete(secretKey(instance, 'client'));
    client = await registeredClient(instance, store, settings, clientName);
    authorization = await startAuthorization(instance, settings, client);
  }
  const { deviceCode, userCode, verificationUri, verificationUriComplete, expiresIn, interval } = authorization;
  if (!deviceCode || !userCode || !verificationUri || expiresIn === undefined) {
    throw new UserError(
      `IAM Identity Center answered StartDeviceAuthorization without a code for ${instance.startUrl}: try again.`,
      'SsoBadResponse',
    );
  }
  const expiresAt = new Date(now(settings) + expiresIn * 1000);
  await options.onCode({ userCode, verificationUri, verificationUriComplete: verificationUriComplete ?? verificationUri, expiresAt });
  const token = await poll(
    instance,
    settings,
    client,
    deviceCode,
    (interval || DEFAULT_INTERVAL_SECONDS) * 1000,
    expiresAt,
    options.sleep ?? defaultSleep,
  );
  await saveToken(instance, store, token);
  return token;
}

function startAuthorization(instance: IdentityCenterInstance, settings: IdentityCenterSettings, client: RegisteredClient) {
  return oidcCall(instance, settings, {
    ctx: { action: 'StartDeviceAuthorization' },
    run: (c, sdk, abortSignal) =>
      c.send(
        new sdk.StartDeviceAuthorizationCommand({
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          startUrl: instance.startUrl,
        }),
        { abortSignal },
      ),
  });
}

async function poll(
  instance: IdentityCenterInstance,
  settings: IdentityCenterSettings,
  client: RegisteredClient,
  deviceCode: string,
  initialIntervalMs: number,
  expiresAt: Date,
  sleep: NonNullable<SignInOptions['sleep']>,
): Promise<SsoToken> {
  let intervalMs = initialIntervalMs;
  for (;;) {
    try {
      await sleep(intervalMs, settings.signal);
    } catch (error) {
      if (settings.signal?.aborted) throw cancelled();
      throw error;
    }
    if (now(settings) >= expiresAt.getTime()) {
      throw new UserError(
        "The sign-in code expired before it was approved: run 'Sign in to IAM Identity Center' again and approve it within the time shown.",
        'SsoDeviceCodeExpired',
      );
    }
    try {
      const response = await oidcCall(instance, settings, {
        ctx: { action: 'CreateToken' },
        run: (c, sdk, abortSignal) =>
          c.send(
            new sdk.CreateTokenCommand({
              clientId: client.clientId,
              clientSecret: client.clientSecret,
              grantType: DEVICE_GRANT,
              deviceCode,
            }),
            { abortSignal },
          ),
      });
      return tokenFrom(response, settings);
    } catch (error) {
      const name = serviceErrorOf(error);
      if (name === 'AbortError') throw cancelled();
      if (name === 'AuthorizationPendingException') continue;
      if (name === 'SlowDownException') {
        intervalMs += SLOW_DOWN_SECONDS * 1000;
        continue;
      }
      throw error;
    }
  }
}
