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

/** One window's view of the shared SecretStorage (each window keeps its own refresh in flight), counting token reads. */
class WindowView implements SecretStore {
  private reads = 0;
  private readonly waiting: Array<{ count: number; resolve: () => void }> = [];
  constructor(private readonly shared: MemorySecrets) {}
  /** Resolves once the token has been read `count` times through this view. */
  tokenRead(count: number): Promise<void> {
    return new Promise((resolve) => this.waiting.push({ count, resolve }));
  }
  async get(key: string) {
    const value = await this.shared.get(key);
    if (key.includes('.token:')) {
      this.reads += 1;
      this.waiting.filter((w) => w.count <= this.reads).forEach((w) => w.resolve());
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

  it('a window whose refusal comes before the winner has saved its token waits for that token instead of signing out', async () => {
    const winner = centerOver(new WindowView(secrets));
    const loserView = new WindowView(secrets);
    const loser = centerOver(loserView);
    await signIn(winner);
    clock.advance(8 * 3600_000 - 4 * 60_000);
    // The winner redeems the refresh token first; the service's answer to it is late.
    const hold = sso.holdNextTokenAnswer();
    const winnerToken = winner.token();
    await hold.held;
    // The loser's redemption is refused (the refresh token is spent) and it reads the shared store again, where
    // the old token still is: only then does the winner's answer arrive, and the winner saves it.
    const reread = loserView.tokenRead(2);
    const loserToken = loser.token();
    await reread;
    hold.release();
    const saved = await winnerToken;
    assert.equal((await loserToken).accessToken, saved.accessToken, "the loser uses the winner's token");
    assert.equal((await winner.token()).accessToken, saved.accessToken, 'the stored token is still the winner');
    assert.equal((await loser.state()).signedIn, true);
  });
});
