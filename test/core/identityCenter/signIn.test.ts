// Sign-in to IAM Identity Center by the device flow, token refresh and sign-out, with the SDK's own clients
// against the local Identity Center. A shared clock stands in for waiting: each poll's wait moves the core and
// the server forward together, so the polling rules are checked without sleeping.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type DeviceCode, IdentityCenter } from '../../../src/core/identityCenter';
import { registeredClient } from '../../../src/core/identityCenter/tokens';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { type SsoServer, startSsoServer } from '../../servers/sso';
import { MemorySecrets, SharedClock, approveOnPage, control, instanceOf, settingsFor } from '../../support/identityCenter';
import { rejectsWith } from '../rejectsWith';

let aws: AwsServer;
let sso: SsoServer;
let clock: SharedClock;
let secrets: MemorySecrets;
let center: IdentityCenter;

/** A poll wait that lets `ms` pass on the shared clock and records it; `onWait` runs before the next poll. */
function virtualSleep(waits: number[], onWait: (n: number) => void | Promise<void> = () => undefined) {
  return async (ms: number) => {
    waits.push(ms);
    clock.advance(ms);
    await onWait(waits.length);
  };
}

/** Signs in, approving on the page once the first poll has been answered pending. */
async function signIn(target = center): Promise<DeviceCode> {
  let code: DeviceCode | undefined;
  await target.signIn({
    onCode: (c) => void (code = c),
    sleep: virtualSleep([], async (n) => {
      if (n === 2) await approveOnPage(code!);
    }),
  });
  return code!;
}

before(async () => {
  aws = await startAwsServer();
  sso = await startSsoServer({ identities: aws.identities });
});
after(async () => {
  await sso.close();
  await aws.close();
});
beforeEach(() => {
  clock = new SharedClock(sso);
  secrets = new MemorySecrets();
  center = new IdentityCenter(instanceOf(sso), secrets, settingsFor(sso, clock), { useAwsCliCache: false });
});

describe('device flow sign-in', () => {
  it('polls every interval while authorization is pending and stores the token once the page approves', async () => {
    const waits: number[] = [];
    let code: DeviceCode | undefined;
    const before = sso.stats().tokenRequests;
    const state = await center.signIn({
      onCode: (c) => void (code = c),
      sleep: virtualSleep(waits, async (n) => {
        if (n === 3) assert.match(await approveOnPage(code!), /^200 .*Request approved for alice/s);
      }),
    });
    assert.match(code!.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(code!.verificationUriComplete, `${sso.verificationUri}?user_code=${code!.userCode}`);
    assert.deepEqual(waits, [1000, 1000, 1000], 'one interval (1 s) before each poll');
    assert.equal(sso.stats().tokenRequests - before, 3, 'two pending answers, then the token');
    assert.equal(state.signedIn, true);
    assert.ok(state.expiresAt!.getTime() > clock.now() + 7 * 3600_000);
    assert.equal(state.refreshAt!.getTime(), state.expiresAt!.getTime() - 5 * 60_000);
    const token = await center.token();
    assert.ok(token.refreshToken, 'registered for sso:account:access, so a refresh token came too');
    assert.deepEqual([...secrets.values.keys()].sort(), [
      `iamSwitchboard.identityCenter.client:${sso.region}:${sso.startUrl}`,
      `iamSwitchboard.identityCenter.token:${sso.region}:${sso.startUrl}`,
    ]);
  });

  it('adds five seconds to the interval for good after SlowDown', async () => {
    const waits: number[] = [];
    let code: DeviceCode | undefined;
    await center.signIn({
      onCode: (c) => void (code = c),
      // The second wait lets no time pass, so that poll comes too soon and the server answers SlowDown.
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length !== 2) clock.advance(ms);
        if (waits.length === 4) await approveOnPage(code!);
      },
    });
    assert.deepEqual(waits, [1000, 1000, 6000, 6000]);
  });

  it('says the code expired when the server answers ExpiredTokenException', async () => {
    const started = sso.stats().tokenRequests;
    await rejectsWith(
      center.signIn({
        onCode: () => undefined,
        // Only the server's clock runs past the code's ten minutes, so it is the server that says so.
        sleep: async () => sso.advanceClock(11 * 60_000),
      }),
      'SsoDeviceCodeExpired',
    );
    assert.equal(sso.stats().tokenRequests - started, 1);
    assert.equal((await center.state()).signedIn, false);
  });

  it('stops polling by itself once the code has expired', async () => {
    const waits: number[] = [];
    await rejectsWith(
      center.signIn({ onCode: () => undefined, sleep: virtualSleep(waits, () => clock.advance(60_000)) }),
      'SsoDeviceCodeExpired',
    );
    assert.equal(waits.length, 10, 'ten polls fit in the ten minutes the code lives');
  });

  it('says the request was denied when the person denies it', async () => {
    let code: DeviceCode | undefined;
    const error = await rejectsWith(
      center.signIn({
        onCode: (c) => void (code = c),
        sleep: virtualSleep([], async () => {
          await control(sso, 'deny', { userCode: code!.userCode });
        }),
      }),
      'SsoAccessDenied',
    );
    assert.match(error.message, /Sign in to IAM Identity Center/);
  });

  it('is cancelled through the AbortSignal while it waits, with the real timer', async () => {
    const controller = new AbortController();
    const started = Date.now();
    await rejectsWith(
      center.signIn({ signal: controller.signal, onCode: () => void setTimeout(() => controller.abort(), 50) }),
      'Cancelled',
    );
    assert.ok(Date.now() - started < 1000, 'the one-second wait was cut short');
    assert.equal(await secrets.get(`iamSwitchboard.identityCenter.token:${sso.region}:${sso.startUrl}`), undefined);
  });

  it('rejects a wrong password on the page and keeps the request pending', async () => {
    let code: DeviceCode | undefined;
    let refused = '';
    await center.signIn({
      onCode: (c) => void (code = c),
      sleep: virtualSleep([], async (n) => {
        if (n === 1) refused = await approveOnPage(code!, 'alice', 'wrong');
        if (n === 2) await approveOnPage(code!);
      }),
    });
    assert.match(refused, /^401 .*Incorrect username or password/s);
  });

  it('keeps the client registration until it is about to expire, then registers again', async () => {
    const settings = settingsFor(sso, clock);
    const first = await registeredClient(instanceOf(sso), secrets, settings, 'test');
    assert.equal((await registeredClient(instanceOf(sso), secrets, settings, 'test')).clientId, first.clientId);
    clock.advance(90 * 86400_000 - 30 * 60_000);
    const renewed = await registeredClient(instanceOf(sso), secrets, settings, 'test');
    assert.notEqual(renewed.clientId, first.clientId);
  });
});

describe('tokens', () => {
  it('refreshes a token within five minutes of its end with the refresh token, and the new one works', async () => {
    await signIn();
    const old = await center.token();
    clock.advance(8 * 3600_000 - 4 * 60_000);
    const fresh = await center.token();
    assert.notEqual(fresh.accessToken, old.accessToken);
    assert.notEqual(fresh.refreshToken, old.refreshToken, 'refresh tokens rotate');
    assert.ok(Date.parse(fresh.expiresAt) > clock.now() + 7 * 3600_000);
    clock.advance(5 * 60_000); // the old token has now ended at the server
    const directory = await center.discover();
    assert.equal(directory.accounts.length, 6);
  });

  it('leaves a token with more than five minutes left alone', async () => {
    await signIn();
    const old = await center.token();
    clock.advance(8 * 3600_000 - 6 * 60_000);
    assert.equal((await center.token()).accessToken, old.accessToken);
  });

  it('forgets the token and says SsoTokenExpired when the refresh is refused', async () => {
    await signIn();
    await control(sso, 'revoke');
    clock.advance(8 * 3600_000 - 60_000);
    await rejectsWith(center.token(), 'SsoTokenExpired');
    assert.equal((await center.state()).signedIn, false);
  });

  it('says SsoTokenExpired when the portal refuses a revoked token, and is signed out afterwards', async () => {
    await signIn();
    await control(sso, 'revoke');
    const error = await rejectsWith(center.discover(), 'SsoTokenExpired');
    assert.match(error.message, new RegExp(`Sign in to IAM Identity Center`));
    for (const secret of sso.issuedSecrets()) {
      assert.ok(!error.message.includes(secret) && !error.detail?.includes(secret), 'no token in the error');
    }
    assert.equal((await center.state()).signedIn, false);
  });

  it('without a token asks to sign in', async () => {
    await rejectsWith(center.token(), 'SsoSignInRequired');
    await rejectsWith(center.discover(), 'SsoSignInRequired');
  });
});

describe('sign out', () => {
  it('ends the session at the portal and forgets the token and the client', async () => {
    await signIn();
    const token = await center.token();
    await center.signOut();
    assert.equal(secrets.values.size, 0);
    assert.equal((await center.state()).signedIn, false);
    // The old token no longer works anywhere: sign in again with a fresh store and compare.
    const other = new IdentityCenter(instanceOf(sso), new MemorySecrets(), settingsFor(sso, clock), { useAwsCliCache: false });
    const response = await fetch(`${sso.url}/assignment/accounts`, { headers: { 'x-amz-sso_bearer_token': token.accessToken } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('x-amzn-errortype'), 'UnauthorizedException');
    await signIn(other);
    assert.equal((await other.discover()).accounts.length, 6);
  });

  it('signs out even when the session had already ended', async () => {
    await signIn();
    await control(sso, 'revoke');
    await center.signOut();
    assert.equal(secrets.values.size, 0);
  });
});
