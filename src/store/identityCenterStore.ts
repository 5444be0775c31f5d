// The IAM Identity Center instances of this window and their lifecycle: which instances there are (the
// iamSwitchboard.identityCenter setting and the [sso-session] sections of ~/.aws/config), whether each is signed
// in, the directory of accounts and permission sets cached in globalState (names only), the token refresh before
// it ends, and the credentials of a permission set. Tokens stay in SecretStorage; nothing here keeps one.
import * as vscode from 'vscode';
import { globalStateOf, type TypedState } from '../configuration/state';
import type { Settings } from '../configuration/settings';
import type { AwsConfig, AwsProfile } from '../core/aws/config';
import {
  directoryCatalog,
  type Directory,
  type DirectoryAccount,
  type DeviceCode,
  IdentityCenter,
  type IdentityCenterInstance,
  parseDirectory,
  type SignInState,
} from '../core/identityCenter';
import type { CatalogInput, RoleEntry, SsoRoleRef } from '../core/catalog/roleCatalog';
import type { AwsCredentials, Identity } from '../core/session';
import { UserError } from '../core/userError';

const DIRECTORIES = 'iamSwitchboard.identityCenter.directories';
/** setTimeout's limit; a later refresh is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const RETRY_REFRESH_MS = 60_000;
/** While a first discovery runs, the tree redraws with the accounts found so far at most this often. */
const PARTIAL_REDRAW_MS = 1_000;
/** Codes after which only a new sign-in helps: the tree then says signed out. */
const SIGN_IN_CODES: ReadonlySet<string> = new Set(['SsoSignInRequired', 'SsoTokenExpired', 'SsoClientInvalid']);

export interface IdentityCenterEntry {
  /** `<region>|<start URL>`: the directory's key in globalState. */
  key: string;
  instance: IdentityCenterInstance;
  /** Endpoint overrides: the setting's only (an [sso-session] always talks to AWS). */
  oidcEndpoint?: string;
  portalEndpoint?: string;
  from: 'setting' | 'ssoSession';
}

/** What the tree shows of one instance. */
export interface IdentityCenterSection {
  entry: IdentityCenterEntry;
  /** Undefined until the first read of SecretStorage answered. */
  state: SignInState | undefined;
  directory: Directory | undefined;
  /** True while discovery runs. */
  discovering: boolean;
}

interface IdentityCenterStoreDeps {
  secrets: vscode.SecretStorage;
  context: vscode.ExtensionContext;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
  /** The loaded ~/.aws/config, for its [sso-session] sections. */
  config: () => Promise<AwsConfig>;
}

const keyOf = (ref: { startUrl: string; region: string }) => `${ref.region}|${ref.startUrl}`;

export class IdentityCenterStore implements vscode.Disposable {
  private readonly state: TypedState<{ [DIRECTORIES]: Record<string, unknown> }>;
  private readonly centers = new Map<string, IdentityCenter>();
  private readonly states = new Map<string, SignInState>();
  /** Discoveries in flight per instance (a background refresh and a click may overlap). */
  private readonly running = new Map<string, number>();
  /** The accounts a first discovery (no stored directory yet) found so far: the tree shows them as they come. */
  private readonly partial = new Map<string, Directory>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Instances whose directory was refreshed in the background in this window (once each). */
  private readonly refreshedOnce = new Set<string>();
  private readonly stateChanged = new vscode.EventEmitter<void>();
  private readonly directoryChanged = new vscode.EventEmitter<void>();
  /** Sign-in state or progress changed: the tree redraws its Identity Center rows. */
  readonly onDidChangeState = this.stateChanged.event;
  /** A directory was stored or forgotten: the role catalog rebuilds. */
  readonly onDidChangeDirectories = this.directoryChanged.event;

  constructor(private readonly deps: IdentityCenterStoreDeps) {
    this.state = globalStateOf(deps.context);
  }

  /** The setting's instance first, then each [sso-session] with another start URL. */
  entries(config: AwsConfig | undefined): IdentityCenterEntry[] {
    const result: IdentityCenterEntry[] = [];
    const setting = this.deps.settings().identityCenter;
    if (setting) {
      const instance = { startUrl: setting.startUrl, region: setting.region };
      result.push({
        key: keyOf(instance),
        instance,
        oidcEndpoint: setting.oidcEndpoint,
        portalEndpoint: setting.portalEndpoint,
        from: 'setting',
      });
    }
    for (const session of config?.ssoSessions ?? []) {
      if (!session.startUrl || !session.region || result.some((e) => e.key === keyOf(session as IdentityCenterInstance))) continue;
      const instance = { startUrl: session.startUrl, region: session.region, sessionName: session.name };
      result.push({ key: keyOf(instance), instance, from: 'ssoSession' });
    }
    return result;
  }

  async entry(key: string): Promise<IdentityCenterEntry | undefined> {
    return this.entries(await this.deps.config().catch(() => undefined)).find((e) => e.key === key);
  }

  /** The instance a role's or profile's sso keys name: a configured one (with its endpoints), else AWS's. */
  async entryFor(ref: Pick<SsoRoleRef, 'startUrl' | 'region' | 'session'>): Promise<IdentityCenterEntry> {
    const known = await this.entry(keyOf(ref));
    if (known) return known;
    const instance = { startUrl: ref.startUrl, region: ref.region, sessionName: ref.session };
    return { key: keyOf(instance), instance, from: 'ssoSession' };
  }

  center(entry: IdentityCenterEntry): IdentityCenter {
    const timeoutMs = this.deps.settings().requestTimeoutMs;
    const id = `${entry.key}|${entry.oidcEndpoint ?? ''}|${entry.portalEndpoint ?? ''}|${timeoutMs}`;
    let center = this.centers.get(id);
    if (!center) {
      center = new IdentityCenter(
        entry.instance,
        this.deps.secrets,
        { timeoutMs, oidcEndpoint: entry.oidcEndpoint, portalEndpoint: entry.portalEndpoint },
        { useAwsCliCache: true },
      );
      this.centers.set(id, center);
    }
    return center;
  }

  /** The stored directory; while a first discovery runs, the accounts it found so far. */
  directory(entry: IdentityCenterEntry): Directory | undefined {
    return this.storedDirectory(entry) ?? this.partial.get(entry.key);
  }

  private storedDirectory(entry: IdentityCenterEntry): Directory | undefined {
    const directory = parseDirectory(this.state.get(DIRECTORIES)?.[entry.key]);
    return directory && keyOf(directory) === entry.key ? directory : undefined;
  }

  /**
   * Collects the accounts a discovery finds into the partial directory the tree shows, when there is no stored one
   * (a stored tree stays whole until the new one is complete), redrawing at most once a second.
   */
  private collectPartial(entry: IdentityCenterEntry): (account: DirectoryAccount) => void {
    const { startUrl, region } = entry.instance;
    const partial: Directory = { startUrl, region, fetchedAt: new Date().toISOString(), accounts: [] };
    let drawnAt = 0;
    return (account) => {
      if (this.storedDirectory(entry)) return;
      partial.accounts.push(account);
      this.partial.set(entry.key, partial);
      if (Date.now() - drawnAt >= PARTIAL_REDRAW_MS) {
        drawnAt = Date.now();
        this.directoryChanged.fire();
      }
    };
  }

  /** The cached directories' roles and account names for buildCatalog, hidden accounts left out. */
  catalogInput(config: AwsConfig): Pick<CatalogInput, 'identityCenterRoles' | 'identityCenterAccounts'> {
    const hidden = this.deps.settings().identityCenterHiddenAccounts;
    const roles: RoleEntry[] = [];
    const accounts: NonNullable<CatalogInput['identityCenterAccounts']> = [];
    for (const entry of this.entries(config)) {
      const directory = this.directory(entry);
      if (!directory) continue;
      const part = directoryCatalog(directory, hidden);
      roles.push(...part.roles);
      accounts.push(...part.accounts);
    }
    return { identityCenterRoles: roles, identityCenterAccounts: accounts };
  }

  /**
   * The tree's rows. Reads each sign-in state in the background the first time (no network), and refreshes a
   * signed-in instance's directory once per window, so a cached tree shows at once and catches up quietly.
   */
  sections(config: AwsConfig | undefined): IdentityCenterSection[] {
    const entries = this.entries(config);
    for (const entry of entries) {
      if (!this.states.has(entry.key)) {
        this.states.set(entry.key, { signedIn: false });
        void this.readState(entry).then(
          () => this.refreshInBackground(entry),
          (error) => this.deps.log.warn(`Could not read the IAM Identity Center sign-in: ${String(error)}`),
        );
      }
    }
    return entries.map((entry) => ({
      entry,
      state: this.states.get(entry.key),
      directory: this.directory(entry),
      discovering: this.running.has(entry.key),
    }));
  }

  /** Reads the sign-in state from SecretStorage (and the AWS CLI's cache) and arms the token refresh. */
  async readState(entry: IdentityCenterEntry, retryInMs = 0): Promise<SignInState> {
    const state = await this.center(entry).state();
    this.states.set(entry.key, state);
    this.armRefresh(entry, state, retryInMs);
    this.stateChanged.fire();
    return state;
  }

  async signIn(entry: IdentityCenterEntry, onCode: (code: DeviceCode) => void | Promise<void>, signal: AbortSignal): Promise<SignInState> {
    const state = await this.center(entry).signIn({ onCode, signal, clientName: 'IAM Switchboard' });
    this.deps.log.info(`Signed in to IAM Identity Center at ${entry.instance.startUrl}.`);
    this.refreshedOnce.add(entry.key); // the discovery that follows is this window's refresh
    await this.readState(entry);
    return state;
  }

  /** The authorization code with PKCE: `openBrowser` sends the browser on this machine to the sign-in page. */
  async signInWithBrowser(
    entry: IdentityCenterEntry,
    openBrowser: (url: string) => Promise<void>,
    signal: AbortSignal,
  ): Promise<SignInState> {
    const state = await this.center(entry).signInWithBrowser({
      openBrowser,
      signal,
      clientName: 'IAM Switchboard',
      log: (line) => this.deps.log.debug(line),
    });
    this.deps.log.info(`Signed in to IAM Identity Center at ${entry.instance.startUrl} in the browser.`);
    this.refreshedOnce.add(entry.key);
    await this.readState(entry);
    return state;
  }

  /** ListAccounts + ListAccountRoles; the names are stored in globalState and the catalog rebuilds. */
  async discover(
    entry: IdentityCenterEntry,
    options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<Directory> {
    this.running.set(entry.key, (this.running.get(entry.key) ?? 0) + 1);
    this.stateChanged.fire();
    const started = Date.now();
    try {
      const directory = await this.center(entry).discover({ ...options, onAccount: this.collectPartial(entry) });
      await this.state.update(DIRECTORIES, { ...this.state.get(DIRECTORIES), [entry.key]: directory });
      this.deps.log.info(
        `IAM Identity Center at ${entry.instance.startUrl}: ${directory.accounts.length} accounts in ${Date.now() - started} ms.`,
      );
      this.directoryChanged.fire();
      return directory;
    } catch (error) {
      await this.afterFailure(entry, error);
      throw error;
    } finally {
      if (this.partial.delete(entry.key)) this.directoryChanged.fire();
      const left = (this.running.get(entry.key) ?? 1) - 1;
      if (left > 0) this.running.set(entry.key, left);
      else this.running.delete(entry.key);
      this.stateChanged.fire();
    }
  }

  /** Logout at the portal; the token, the registration and the cached directory are forgotten. */
  async signOut(entry: IdentityCenterEntry): Promise<void> {
    this.clearTimer(entry.key);
    try {
      await this.center(entry).signOut();
    } finally {
      const { [entry.key]: _forgotten, ...rest } = this.state.get(DIRECTORIES) ?? {};
      await this.state.update(DIRECTORIES, rest);
      this.deps.log.info(`Signed out of IAM Identity Center at ${entry.instance.startUrl}.`);
      await this.readState(entry);
      this.directoryChanged.fire();
    }
  }

  /** A permission set's session (GetRoleCredentials), for roles with `role.sso`. */
  async credentials(role: RoleEntry, signal?: AbortSignal): Promise<Identity> {
    const ref = role.sso!;
    const entry = await this.entryFor(ref);
    try {
      return await this.center(entry).credentials({
        accountId: ref.accountId,
        roleName: ref.roleName,
        label: role.label,
        region: role.region,
        signal,
      });
    } catch (error) {
      await this.afterFailure(entry, error);
      throw error;
    }
  }

  /** Source credentials of a profile with sso_account_id/sso_role_name, for role profiles chained from it. */
  async profileCredentials(profile: AwsProfile): Promise<AwsCredentials> {
    const sso = profile.sso;
    if (!sso?.startUrl || !sso.region || !sso.accountId || !sso.roleName) {
      throw new UserError(
        `Profile '${profile.name}' lacks sso_start_url, sso_region, sso_account_id or sso_role_name: fix it in ~/.aws/config.`,
        'BrokenProfile',
      );
    }
    const ref = { startUrl: sso.startUrl, region: sso.region, session: sso.session, accountId: sso.accountId, roleName: sso.roleName };
    const entry = await this.entryFor(ref);
    return (await this.center(entry).credentials({ accountId: ref.accountId, roleName: ref.roleName, label: profile.name })).credentials;
  }

  /** Settings changed: endpoints or the timeout may have, so clients are rebuilt and states read again. */
  reset(): void {
    this.centers.clear();
    this.states.clear();
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    this.stateChanged.fire();
  }

  dispose(): void {
    this.timers.forEach(clearTimeout);
    this.stateChanged.dispose();
    this.directoryChanged.dispose();
  }

  private async refreshInBackground(entry: IdentityCenterEntry): Promise<void> {
    if (this.refreshedOnce.has(entry.key) || !this.states.get(entry.key)?.signedIn) return;
    this.refreshedOnce.add(entry.key);
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Refreshing IAM Identity Center accounts…' },
        () => this.discover(entry),
      );
    } catch (error) {
      // The cached tree stays; a sign-in that ended says so on the section row (and when a role is assumed).
      this.deps.log.warn(
        `Background refresh of IAM Identity Center at ${entry.instance.startUrl} failed: ${error instanceof UserError ? `${error.code}: ${error.message}` : String(error)}`,
      );
    }
  }

  /** A refused token leaves the instance signed out: read the state again so the tree offers Sign in. */
  private async afterFailure(entry: IdentityCenterEntry, error: unknown): Promise<void> {
    if (error instanceof UserError && SIGN_IN_CODES.has(error.code ?? '')) {
      await this.readState(entry).catch(() => undefined);
    }
  }

  /** At refreshAt the token is refreshed (token() does it when due), so it never lapses while the window is open. */
  private armRefresh(entry: IdentityCenterEntry, state: SignInState, atLeastMs: number): void {
    this.clearTimer(entry.key);
    if (!state.refreshAt) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(atLeastMs, state.refreshAt.getTime() - Date.now()));
    this.timers.set(
      entry.key,
      setTimeout(() => void this.refreshToken(entry), wait),
    );
  }

  private async refreshToken(entry: IdentityCenterEntry): Promise<void> {
    let retryInMs = 0;
    try {
      await this.center(entry).token();
      this.deps.log.info(`Refreshed the IAM Identity Center sign-in for ${entry.instance.startUrl}.`);
    } catch (error) {
      // Unreachable: the token is kept and tried again in a minute (not at once: refreshAt has passed).
      retryInMs = RETRY_REFRESH_MS;
      this.deps.log.warn(
        `Could not refresh the IAM Identity Center sign-in for ${entry.instance.startUrl}: ${error instanceof UserError ? error.code : String(error)}`,
      );
    }
    await this.readState(entry, retryInMs).catch(() => undefined);
  }

  private clearTimer(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }
}
