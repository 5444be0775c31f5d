// IAM Identity Center inside a real extension host, against the demo's local Identity Center (the demo settings'
// iamSwitchboard.identityCenter): the store signs in (the code approved over HTTP, as a person would on the page),
// discovers into a Memento, feeds the role catalog (hidden accounts left out), and a permission set becomes a
// session through GetRoleCredentials that refreshes itself; an expired sign-in fails with SsoTokenExpired and
// leaves the instance signed out; Sign out forgets the names. A store of its own, with in-memory storage, so the
// extension's own sign-in state is not touched.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readSettings, type Settings } from '../../../src/configuration/settings';
import type { DeviceCode } from '../../../src/core/identityCenter';
import { getCallerIdentity } from '../../../src/core/sts/assumeRole';
import { Session } from '../../../src/core/session';
import { UserError } from '../../../src/core/userError';
import { IdentityCenterStore, type IdentityCenterEntry } from '../../../src/store/identityCenterStore';
import { signInFlowOfThisWindow } from '../../../src/commands/identityCenter';
import { RecentRoles } from '../../../src/store/recentRoles';
import { RoleCatalogStore } from '../../../src/store/roleCatalogStore';
import { RoleSessionStore } from '../../../src/store/roleSession';
import { MemoryMemento, shared } from './helpers';

const { awsUrl, ssoUrl } = shared() as ReturnType<typeof shared> & { ssoUrl: string };
const HIDDEN = ['sandbox', '555555555555'];
/** The session's next identity with keys other than `key`: the silent refresh happened. */
function nextKeyOtherThan(session: Session, key: string, withinMs: number): Promise<Session['identity']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`no refresh within ${withinMs / 1000} s`));
    }, withinMs);
    const listener = session.onDidChange((identity) => {
      if (identity && identity.credentials.accessKeyId !== key) {
        clearTimeout(timer);
        listener.dispose();
        resolve(identity);
      }
    });
  });
}

async function control(url: string, what: 'clock', body: object): Promise<void> {
  const response = await fetch(`${url}/__test/${what}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  assert.ok(response.ok, `${url} ${what}: HTTP ${response.status}`);
}

class MemorySecrets implements Pick<vscode.SecretStorage, 'get' | 'store' | 'delete'> {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key);
  }
  async store(key: string, value: string) {
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
}

/** Approves the code on the verification page as alice: the form a person submits. */
async function approve(code: DeviceCode): Promise<void> {
  const page = new URL(code.verificationUriComplete);
  const body = new URLSearchParams({ user_code: code.userCode, username: 'alice', password: 'alice-sso-password', action: 'allow' });
  const response = await fetch(`${page.origin}${page.pathname}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(response.status, 200, 'the page approved the code');
}

suite('IAM Identity Center', () => {
  const globalState = new MemoryMemento();
  const secrets = new MemorySecrets();
  const log = vscode.window.createOutputChannel('IAM Switchboard Identity Center tests', { log: true });
  const settings = (): Settings => ({ ...readSettings(), identityCenterHiddenAccounts: HIDDEN });
  const context = { globalState } as unknown as vscode.ExtensionContext;
  let catalog: RoleCatalogStore;
  let store: IdentityCenterStore;
  let roles: RoleSessionStore;
  let windowSession: Session;
  let entry: IdentityCenterEntry;

  async function signIn(): Promise<void> {
    const signal = new AbortController().signal;
    await store.signIn(entry, (code) => void approve(code), signal);
    await store.discover(entry);
  }

  suiteSetup(async () => {
    catalog = new RoleCatalogStore(settings, log);
    store = new IdentityCenterStore({
      secrets: secrets as unknown as vscode.SecretStorage,
      context,
      settings,
      log,
      config: async () => (await catalog.get()).config,
    });
    catalog.addRoles(store);
    windowSession = new Session();
    roles = new RoleSessionStore({
      session: windowSession,
      catalog,
      settings,
      log,
      recent: new RecentRoles(context),
      identityCenter: store,
    });
    const found = store.entries(undefined).find((e) => e.from === 'setting');
    assert.ok(found, 'the demo settings name the local Identity Center');
    entry = found;
  });

  suiteTeardown(() => {
    roles.dispose();
    store.dispose();
    catalog.dispose();
    log.dispose();
  });

  test('a browser-only VS Code (code-server) signs in with the device code; the setting can ask for the browser', () => {
    // The suite runs in code-server (UIKind.Web) and in a desktop window: the browser only where it is this machine's.
    const web = vscode.env.uiKind === vscode.UIKind.Web;
    assert.equal(signInFlowOfThisWindow({ identityCenterSignIn: 'auto' }), web || vscode.env.remoteName ? 'deviceCode' : 'browser');
    assert.equal(signInFlowOfThisWindow({ identityCenterSignIn: 'browser' }), 'browser');
    assert.equal(signInFlowOfThisWindow({ identityCenterSignIn: 'deviceCode' }), 'deviceCode');
    assert.equal(readSettings().identityCenterSignIn, 'auto');
  });

  test('sign-in and discovery put every permission set in the catalog, hidden accounts left out, tokens nowhere but the secrets', async () => {
    assert.equal((await store.readState(entry)).signedIn, false);
    await signIn();
    assert.equal((await store.readState(entry)).signedIn, true);
    const { catalog: built } = await catalog.get();
    const labels = built.roles.filter((r) => r.sso).map((r) => r.label);
    for (const label of ['central/AdministratorAccess', 'dev/PowerUserAccess', 'staging/ReadOnlyAccess']) {
      assert.ok(labels.includes(label), `${label} in ${labels}`);
    }
    assert.ok(!labels.some((l) => l.startsWith('sandbox/') || l.startsWith('security/')), `hidden accounts stay out: ${labels}`);
    assert.equal(built.accounts.find((a) => a.id === '444444444444')?.alias, 'staging', 'accounts carry their Identity Center names');

    const issued = (await (await fetch(`${ssoUrl}/__test/issued`)).json()) as string[];
    const kept = JSON.stringify([...globalState.values]);
    assert.ok(issued.length > 0);
    assert.ok(
      issued.every((secret) => !kept.includes(secret)),
      'globalState holds names only',
    );
    assert.ok(
      [...secrets.values.values()].some((v) => issued.some((secret) => v.includes(secret))),
      'the token is in the secret store',
    );
  });

  test('a permission set becomes the session through GetRoleCredentials and refreshes itself before it ends', async () => {
    const role = (await catalog.get()).catalog.roles.find((r) => r.label === 'staging/ReadOnlyAccess');
    assert.ok(role?.sso);
    // The local STS's clock set back: the one-hour session GetRoleCredentials issues ends 6 s from now, so its
    // silent refresh (halfway) comes in about 3 s.
    const SESSION_LEFT_S = 6;
    await control(awsUrl, 'clock', { advanceMs: -(3600 - SESSION_LEFT_S) * 1000 });
    let first;
    try {
      first = await roles.switchTo(role);
    } finally {
      await control(awsUrl, 'clock', { advanceMs: (3600 - SESSION_LEFT_S) * 1000 });
    }
    assert.ok(first);
    const refreshing = nextKeyOtherThan(windowSession, first.credentials.accessKeyId, SESSION_LEFT_S * 1000);
    assert.deepEqual(first.origin, {
      kind: 'sso',
      startUrl: entry.instance.startUrl,
      accountId: '444444444444',
      roleName: 'ReadOnlyAccess',
    });
    const caller = await getCallerIdentity(first.credentials, { endpoint: awsUrl, region: 'us-east-1', timeoutMs: 10_000 });
    assert.match(caller.arn, /^arn:aws:sts::444444444444:assumed-role\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]{16}\/alice$/);

    const refreshed = await refreshing;
    assert.equal(refreshed?.label, 'staging/ReadOnlyAccess');
    assert.notEqual(refreshed?.credentials.accessKeyId, first.credentials.accessKeyId, 'new credentials from the sign-in');
    assert.ok(refreshed!.credentials.expiration!.getTime() > first.credentials.expiration!.getTime() + 60_000, 'a full session again');
    roles.clear();
  });

  test('a first discovery shows the accounts as they arrive, before the last one is listed', async () => {
    // A window with no stored names yet (its own globalState), signed in through the shared secrets.
    const fresh = new IdentityCenterStore({
      secrets: secrets as unknown as vscode.SecretStorage,
      context: { globalState: new MemoryMemento() } as unknown as vscode.ExtensionContext,
      settings,
      log,
      config: async () => (await catalog.get()).config,
    });
    try {
      const seen: number[] = [];
      fresh.onDidChangeDirectories(() => seen.push(fresh.directory(entry)?.accounts.length ?? 0));
      const directory = await fresh.discover(entry);
      assert.equal(seen[0], 1, 'the tree redrew with the first account');
      assert.equal(seen.at(-1), directory.accounts.length);
      assert.ok(directory.accounts.length > 1);
    } finally {
      fresh.dispose();
    }
  });

  test('an expired sign-in fails with SsoTokenExpired, the instance reads signed out, and Sign out forgets the names', async () => {
    const role = (await catalog.get()).catalog.roles.find((r) => r.label === 'dev/ReadOnlyAccess')!;
    const PAST_EXPIRY_MS = 9 * 3600 * 1000;
    await control(ssoUrl, 'clock', { advanceMs: PAST_EXPIRY_MS });
    try {
      await assert.rejects(roles.switchTo(role), (error: unknown) => error instanceof UserError && error.code === 'SsoTokenExpired');
    } finally {
      await control(ssoUrl, 'clock', { advanceMs: -PAST_EXPIRY_MS });
    }
    assert.equal(store.sections(undefined)[0].state?.signedIn, false);
    assert.equal(windowSession.identity, undefined);
    // The names stay until Sign out, so the tree still shows where Sign in leads.
    assert.ok((await catalog.get()).catalog.roles.some((r) => r.sso));

    await store.signOut(entry);
    assert.equal(store.directory(entry), undefined);
    assert.ok(
      !(await catalog.get()).catalog.roles.some((r) => r.sso && r.origin === 'identityCenter'),
      'no discovered roles after Sign out',
    );
    assert.equal(secrets.values.size, 0, 'token and registration forgotten');
  });
});
