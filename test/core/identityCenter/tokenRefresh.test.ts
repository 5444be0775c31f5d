// Two refreshes of one IAM Identity Center token: the service rotates refresh tokens (the local SSO OIDC server
// refuses a redeemed one with InvalidGrantException, as AWS does), so the callers of one window must share one
// refresh, and a window that loses the race to another must use the winner's token instead of signing out.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type DeviceCode, IdentityCenter, type SecretStore } from '../../../src/core/identityCenter';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { type SsoServer, startSsoServer } from '../../servers/sso';
import { MemorySecrets, SharedClock, approveOnPage, instanceOf, settingsFor } from '../../support/identityCenter';

let aws: AwsServer;
let sso: SsoServer;
let clock: SharedClock;
let secrets: MemorySecrets;

/** One window's view of the shared SecretStorage: its first token read answers only once `gate` opens. */
class LateWindow implements SecretStore {
  private waited = false;
  constructor(
    private readonly shared: MemorySecrets,
    private readonly gate: Promise<void>,
  ) {}
  async get(key: string) {
    const value = await this.shared.get(key);
    if (!this.waited && key.includes('.token:')) {
      this.waited = true;
      await this.gate;
    }
    return value;
  }
  store(key: string, value: string) {
    return this.shared.store(key, value);
  }
  delete(key: string) {
    return this.shared.delete(key);
  }
}

const centerOver = (store: SecretStore) => new IdentityCenter(instanceOf(sso), store, settingsFor(sso, clock), { useAwsCliCache: false });

async function signIn(center: IdentityCenter): Promise<void> {
  let code: DeviceCode | undefined;
  let polls = 0;
  await center.signIn({
    onCode: (c) => void (code = c),
    sleep: async (ms) => {
      clock.advance(ms);
      if (++polls === 2) await approveOnPage(code!);
    },
  });
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
});

describe('token refresh, more than once at a time', () => {
  it('the timer and a credentials call in one window share one refresh and stay signed in', async () => {
    const timer = centerOver(secrets);
    const call = centerOver(secrets);
    await signIn(timer);
    clock.advance(8 * 3600_000 - 4 * 60_000);
    const [a, b] = await Promise.all([timer.token(), call.token()]);
    assert.equal(a.accessToken, b.accessToken);
    assert.equal((await timer.state()).signedIn, true);
    assert.equal((await call.discover()).accounts.length, 6);
  });

  it("a window that redeems the refresh token after another window did uses that window's token and keeps it", async () => {
    let open!: () => void;
    const late = centerOver(new LateWindow(secrets, new Promise<void>((resolve) => (open = resolve))));
    const first = centerOver(secrets);
    await signIn(first);
    clock.advance(8 * 3600_000 - 4 * 60_000);
    // The late window has read the old token when the first one refreshes it.
    const lateToken = late.token();
    const winner = await first.token();
    open();
    assert.equal((await lateToken).accessToken, winner.accessToken);
    assert.equal((await first.token()).accessToken, winner.accessToken, 'the stored token is still the winner');
    assert.equal((await late.state()).signedIn, true);
  });
});
