// Moved keys across the windows of one VS Code, in plain Node with the thin fake `vscode`: every window shares one
// SecretStorage, whose change event fires in each of them (as VS Code's does). A key rotated in one window is
// forgotten in the others; a window open before another moved a key serves it to tools (the real helper) too.
import { fake, fakeLog } from '../model/fakeVscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type * as vscode from 'vscode';
import type { AccessKey } from '../../../src/core/keys/accessKey';
import { keychainArguments } from '../../../src/core/keys/keychainSocket';
import { activateKeys } from '../../../src/features/keys';
import { KeychainKeys } from '../../../src/store/keychainKeys';
import { RoleSessionStore } from '../../../src/store/roleSession';
import { loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog } from '../../../src/core/catalog/roleCatalog';
import { Session } from '../../../src/core/session';
import { assumeRole, needsMfaCode, StsCache } from '../../../src/core/sts/assumeRole';
import { keepMfaSessions, MFA_SESSIONS_SECRET, restoreMfaSessions } from '../../../src/core/sts/mfaSessionMemory';
import { startAwsServer, totp } from '../../servers/aws';

const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/aws-config');
const BOB_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const KEY: AccessKey = { accessKeyId: 'AKIAWINDOWS000000001', secretAccessKey: 'windowsSecret000000000000000000000000001' };

/** VS Code's SecretStorage and global state, shared by its windows; each window hears every secret's change. */
class SharedStorage {
  readonly secrets = new Map<string, string>();
  readonly state = new Map<string, unknown>();
  private readonly windows: Array<(key: string) => void> = [];

  /** One window's ExtensionContext on this storage. */
  window(storage: string): vscode.ExtensionContext {
    const listeners: Array<(e: { key: string }) => void> = [];
    this.windows.push((key) => [...listeners].forEach((l) => l({ key })));
    const changed = (key: string) => this.windows.forEach((tell) => tell(key));
    return {
      subscriptions: [],
      secrets: {
        get: async (key: string) => this.secrets.get(key),
        store: async (key: string, value: string) => void (this.secrets.set(key, value), changed(key)),
        delete: async (key: string) => void (this.secrets.delete(key), changed(key)),
        onDidChange: (listener: (e: { key: string }) => void) => {
          listeners.push(listener);
          return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
        },
      },
      globalState: {
        get: (key: string) => this.state.get(key),
        update: async (key: string, value: unknown) => void this.state.set(key, value),
        keys: () => [...this.state.keys()],
      },
      globalStorageUri: { fsPath: storage },
      asAbsolutePath: (relative: string) => path.join(ROOT, relative),
    } as unknown as vscode.ExtensionContext;
  }
}

let dir: string;
const contexts: vscode.ExtensionContext[] = [];
const savedRuntime = process.env.XDG_RUNTIME_DIR;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-windows-'));
  // The windows' sockets go in $XDG_RUNTIME_DIR/iam-switchboard: the test's own folder.
  process.env.XDG_RUNTIME_DIR = path.join(dir, 'run');
  fs.mkdirSync(process.env.XDG_RUNTIME_DIR, { mode: 0o700 });
});
afterEach(async () => {
  for (const context of contexts.splice(0)) {
    for (const item of context.subscriptions.splice(0)) await item.dispose();
  }
  fake.commands.clear();
});
after(() => {
  if (savedRuntime === undefined) delete process.env.XDG_RUNTIME_DIR;
  else process.env.XDG_RUNTIME_DIR = savedRuntime;
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A window with the keys feature activated: what its role store was told to forget, when it serves keys, and its
 * keychain. `roles`: a real role store for the window (else one that only records what it is told to forget).
 */
function activateWindow(
  storage: SharedStorage,
  folder = path.join(dir, 'storage'),
  roles?: (context: vscode.ExtensionContext) => RoleSessionStore,
): { forgotten: string[]; serving: Promise<string>; keys: KeychainKeys } {
  const context = storage.window(folder);
  contexts.push(context);
  const forgotten: string[] = [];
  const log = fakeLog('keys');
  const serving = new Promise<string>((resolve) => {
    log.info = (text: string) => {
      const folder = /serves moved access keys to other tools from (.+)\.$/.exec(text)?.[1];
      if (folder) resolve(folder);
    };
  });
  const recording = { readKeychainWith: () => undefined, forgetProfile: async (profile: string) => void forgotten.push(profile) };
  const { keys } = activateKeys(context, {
    roles: roles?.(context) ?? (recording as unknown as RoleSessionStore),
    log: log as unknown as vscode.LogOutputChannel,
    agentsGetMyKeys: () => false,
  });
  return { forgotten, serving, keys };
}

/** `promise`, or a failure saying `what` after `ms` (a bound, so a missing event fails instead of hanging). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** A window's real role store, keeping MFA sessions for a reload in the shared SecretStorage as VS Code's does. */
function roleStore(context: vscode.ExtensionContext): RoleSessionStore {
  const store = new RoleSessionStore({
    session: new Session(),
    catalog: undefined as never, // not asked: the test assumes with assumeRole and the store's cache
    settings: undefined as never,
    log: fakeLog('roles') as unknown as vscode.LogOutputChannel,
    recent: undefined as never,
    memory: { state: undefined as never, secrets: context.secrets },
  });
  context.subscriptions.push(store);
  return store;
}

describe('moved keys across windows', () => {
  test('a key rotated in another window is forgotten in this one, other secrets are not its business', async () => {
    const storage = new SharedStorage();
    const b = activateWindow(storage);
    const a = new KeychainKeys(storage.window(path.join(dir, 'storage')));
    await a.replace('dev', KEY);
    assert.deepEqual(b.forgotten, ['dev']);
    await storage.window(path.join(dir, 'storage')).secrets.store('iamSwitchboard.vault.token', 'x');
    assert.deepEqual(b.forgotten, ['dev']);
    a.dispose();
  });

  test(
    'a key rotated in one window leaves no MFA session made from the old key, in any window nor for a reload',
    { timeout: 20_000 },
    async () => {
      const aws = await startAwsServer();
      try {
        const config = await loadAwsConfig({
          configPath: path.join(FIXTURES, 'config'),
          credentialsPath: path.join(FIXTURES, 'credentials'),
        });
        // prod-admin: source profile bob, MFA device arn:aws:iam::111111111111:mfa/bob.
        const prodAdmin = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'prod-admin')!;
        const storage = new SharedStorage();
        const stores: RoleSessionStore[] = [];
        const keep = (context: vscode.ExtensionContext) => (stores.push(roleStore(context)), stores.at(-1)!);
        const a = activateWindow(storage, path.join(dir, 'storage'), keep);
        activateWindow(storage, path.join(dir, 'storage'), keep);
        let codes = 0;
        const assume = (cache: StsCache) =>
          assumeRole(prodAdmin, {
            config,
            endpoint: aws.url,
            region: 'eu-west-1',
            timeoutMs: 5000,
            cache,
            mfaCode: async () => (codes++, totp(BOB_TOTP)),
          });
        // Both windows hold an MFA session made from bob's key; one is kept for a reload.
        for (const store of stores) await assume(store.cache);
        await keepMfaSessions(stores[1].cache, storage.window(dir).secrets);
        assert.equal(codes, 2);
        const keptGone = new Promise<void>((resolve) =>
          storage.window(dir).secrets.onDidChange(({ key }) => key === MFA_SESSIONS_SECRET && resolve()),
        );
        // Window A rotates bob's key (rotation keeps the new key in the keychain).
        await a.keys.replace('bob', KEY);
        for (const [i, store] of stores.entries()) {
          assert.equal(needsMfaCode(prodAdmin, store.cache), true, `window ${i} still has the MFA session`);
        }
        await assume(stores[1].cache);
        assert.equal(codes, 3, "window B's next assume asked for a code");
        await within(keptGone, 10_000, 'the kept MFA session was not forgotten');
        assert.equal(await restoreMfaSessions(new StsCache(), storage.window(dir).secrets), 0, 'a reload brings no old session back');
      } finally {
        await aws.close();
      }
    },
  );

  test(
    'a window open before another moved a key serves it to tools, so they keep working when that one closes',
    { timeout: 20_000 },
    async () => {
      const storage = new SharedStorage();
      const b = activateWindow(storage);
      // Window A moves the key (it goes into the shared keychain), then closes: it serves nothing any more.
      const a = new KeychainKeys(storage.window(path.join(dir, 'storage')));
      await a.replace('dev', KEY);
      a.dispose();
      const folder = await b.serving;
      const { stdout } = await promisify(execFile)(process.execPath, [
        path.join(ROOT, 'dist/credentialHelper.js'),
        ...keychainArguments('dev', folder),
      ]);
      assert.equal(JSON.parse(stdout).AccessKeyId, KEY.accessKeyId);
    },
  );

  test('Move Access Keys copies no helper and starts no socket when the person cancels', async () => {
    const credentials = path.join(dir, 'credentials');
    const text = `[dev]\naws_access_key_id = ${KEY.accessKeyId}\naws_secret_access_key = ${KEY.secretAccessKey}\n`;
    fs.writeFileSync(credentials, text, { mode: 0o600 });
    const saved = process.env.AWS_SHARED_CREDENTIALS_FILE;
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    try {
      activateWindow(new SharedStorage(), path.join(dir, 'cancelled'));
      fake.said.length = 0;
      // The fake person answers the modal with Cancel.
      await fake.commands.get('iamSwitchboard.moveKeysToKeychain')!({ profile: 'dev' });
      assert.ok(fake.said.includes("Move the access keys of 'dev' to VS Code's keychain?"), fake.said.join('\n'));
    } finally {
      if (saved === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      else process.env.AWS_SHARED_CREDENTIALS_FILE = saved;
    }
    assert.equal(fs.existsSync(path.join(dir, 'cancelled', 'keychainHelper.js')), false, 'no helper copied');
    const sockets = path.join(dir, 'run', 'iam-switchboard');
    assert.deepEqual(fs.existsSync(sockets) ? fs.readdirSync(sockets) : [], [], 'no socket started');
    assert.equal(fs.readFileSync(credentials, 'utf8'), text);
  });
});
