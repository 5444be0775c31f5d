// The role switcher's commands: switch/assume a role into the session (and so every new terminal), a terminal
// as a role, console sign-in, caller identity, accounts in settings, and the session's refresh and expiry.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { whileNotCancelled } from '../cancellation';
import { checkAccountId, tryParseRoleArn } from '../core/arn';
import { consoleSigninUrl } from '../core/console';
import { AccountSetting, orderByRecent, RoleEntry } from '../core/roles';
import type { Identity, Session } from '../core/session';
import { assumeRole, AssumeOptions, getCallerIdentity, needsMfaCode, StsCache, terminalDefaultCredentials } from '../core/sts';
import { environmentFor } from '../core/terminalEnv';
import { UserError } from '../core/userError';
import { registerCommand, showError } from '../errors';
import { readSettings, Settings } from '../configuration/settings';
import { openTerminalAs } from '../terminalEnvironment';
import { RoleNode, RoleTreeProvider } from '../treeViews/roleTree';
import { RoleCatalogStore } from './roleCatalog';

export interface RoleSwitcherDeps {
  session: Session;
  log: vscode.LogOutputChannel;
  settings?: () => Settings;
}

/** Role keys only (never credentials), most recent first, for the switcher's order. */
const RECENT_KEY = 'iamSwitchboard.recentRoles';
const RECENT_MAX = 10;
/** Refresh this long before expiry, so terminals never hold dead credentials. */
const REFRESH_BEFORE_MS = 5 * 60 * 1000;

/** A role from a tree node, or (palette, tests, links) a profile name, role ARN or catalog key. */
type RoleArg = RoleNode | string | undefined;

export function registerRoleSwitcher(context: vscode.ExtensionContext, deps: RoleSwitcherDeps): void {
  const settings = deps.settings ?? readSettings;
  const store = new RoleCatalogStore(settings, deps.log);
  const tree = new RoleTreeProvider(store, deps.session);
  const switcher = new RoleSwitcher(context, deps, store, settings);
  const view = vscode.window.createTreeView('iamSwitchboard.roles', { treeDataProvider: tree, showCollapseAll: true });
  const register = <A>(id: string, action: string, run: (arg?: A) => Promise<unknown>) => registerCommand(deps.log, id, action, run);

  context.subscriptions.push(
    store,
    tree,
    view,
    switcher,
    register('iamSwitchboard.switchRole', 'Switch role', () => switcher.switchRole()),
    register('iamSwitchboard.assumeRole', 'Assume role', (arg?: RoleArg) => switcher.assumeCommand(arg)),
    register('iamSwitchboard.openTerminalAsRole', 'Open terminal as role', (arg?: RoleArg | { identity?: Identity }) => switcher.openTerminal(arg)),
    register('iamSwitchboard.copyArn', 'Copy ARN', (arg?: RoleArg) => switcher.copyArn(arg)),
    register('iamSwitchboard.openConsole', 'Open AWS console', (arg?: RoleArg) => switcher.openConsole(arg)),
    register('iamSwitchboard.clearCredentials', 'Clear credentials', async () => switcher.clear()),
    register('iamSwitchboard.showCallerIdentity', 'Show caller identity', () => switcher.showCallerIdentity()),
    register('iamSwitchboard.refresh', 'Refresh roles', async () => store.invalidate()),
    register('iamSwitchboard.openAwsConfig', 'Open ~/.aws/config', () => switcher.openAwsConfig()),
    register('iamSwitchboard.addAccount', 'Add account', () => switcher.addAccount()),
    vscode.debug.registerDebugConfigurationProvider('*', {
      // Debug launches (F5) run as the active role, like terminals; the launch's own env entries win.
      resolveDebugConfigurationWithSubstitutedVariables: (_folder, config) => {
        const identity = deps.session.identity;
        if (identity) {
          config.env = { ...environmentFor(identity), ...(config.env as Record<string, string> | undefined) };
        }
        return config;
      },
    }),
  );
}

class RoleSwitcher implements vscode.Disposable {
  private readonly cache = new StsCache();
  /** The role behind the session we set, to refresh it; undefined when the session is someone else's. */
  private active: { role: RoleEntry; identity: Identity } | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly subscription: vscode.Disposable;
  /**
   * Bumped by every switch the person starts and by every change of the session made elsewhere (a Vault lease,
   * Clear): an assume applies only while its number is still the latest, so the last request wins, not the
   * last answer.
   */
  private switchSeq = 0;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: RoleSwitcherDeps,
    private readonly store: RoleCatalogStore,
    private readonly settings: () => Settings,
  ) {
    this.subscription = deps.session.onDidChange((identity) => {
      if (identity !== this.active?.identity) {
        this.active = undefined; // replaced by a Vault lease or cleared: its timers are not ours to run
        this.clearTimers();
        this.switchSeq++; // and an assume still in flight must not undo it
      }
    });
  }

  dispose(): void {
    this.clearTimers();
    this.subscription.dispose();
    this.cache.clear();
  }

  async switchRole(): Promise<void> {
    const { catalog } = await this.store.get();
    const recent = this.context.globalState.get<string[]>(RECENT_KEY, []);
    const aliases = new Map(catalog.accounts.map((a) => [a.id, a.alias]));
    const items = orderByRecent(catalog.roles, recent).map((role) => ({
      label: role.label,
      description: [aliases.get(role.accountId) ?? role.accountId, role.name, role.needsMfa ? 'MFA' : undefined].filter(Boolean).join(' · '),
      detail: role.arn,
      role,
    }));
    if (!items.length) {
      throw new UserError('No roles yet: add profiles with a role_arn to ~/.aws/config, or run "Add Account…".', 'NoRoles');
    }
    const picked = await vscode.window.showQuickPick(items, { title: 'Switch Role', placeHolder: 'Role, account or ARN', matchOnDescription: true, matchOnDetail: true });
    if (picked) {
      await this.assumeIntoSession(picked.role);
    }
  }

  async assumeCommand(arg: RoleArg): Promise<string | undefined> {
    const role = await this.resolve(arg);
    if (!role) {
      return this.switchRole().then(() => this.deps.session.identity?.arn);
    }
    const identity = await this.assumeIntoSession(role);
    // The ARN only: command results reach any extension, credentials must not.
    return identity?.arn;
  }

  async openTerminal(arg: RoleArg | { identity?: Identity }): Promise<void> {
    if (arg && typeof arg === 'object' && 'identity' in arg && arg.identity) {
      openTerminalAs(arg.identity); // a Vault lease node
      return;
    }
    const role = await this.resolve(arg as RoleArg);
    if (role) {
      openTerminalAs(await this.assume(role, `Opening a terminal as ${role.label}`));
      return;
    }
    const identity = this.deps.session.identity;
    if (!identity) {
      throw new UserError('No role is active: assume one first, or pick one in the AWS Roles view.', 'NoSession');
    }
    openTerminalAs(identity);
  }

  async copyArn(arg: RoleArg): Promise<void> {
    const role = await this.resolve(arg);
    const arn = role?.arn ?? this.deps.session.identity?.arn;
    if (arn) {
      await vscode.env.clipboard.writeText(arn);
      vscode.window.setStatusBarMessage(`Copied ${arn}`, 3000);
    }
  }

  async openConsole(arg: RoleArg): Promise<void> {
    const role = (await this.resolve(arg)) ?? this.active?.role;
    if (!role) {
      throw new UserError('Pick a role to open the AWS console as: use the globe button on a role in the AWS Roles view.', 'NoRole');
    }
    const identity = this.active?.role.key === role.key ? this.active.identity : await this.assume(role, `Signing in to the console as ${role.label}`);
    const s = this.settings();
    const url = await consoleSigninUrl(identity, {
      endpoint: s.consoleSigninEndpoint,
      chained: role.chained,
      sessionDurationSeconds: role.chained ? undefined : s.sessionDurationSeconds,
      timeoutMs: s.requestTimeoutMs,
    });
    this.deps.log.info(`Opening the AWS console as ${identity.arn ?? role.arn}`);
    // Handed over as the string: the extension host then opens it byte for byte, while a Uri is decoded and
    // re-encoded on the way, which mangles the encoded Destination in the query (microsoft/vscode#85930, #173239).
    await vscode.env.openExternal(url as unknown as vscode.Uri);
  }

  clear(): void {
    const label = this.deps.session.identity?.label;
    this.deps.session.clear();
    if (label) {
      vscode.window.setStatusBarMessage(`Removed the AWS credentials of ${label} from new terminals`, 5000);
    }
  }

  async showCallerIdentity(): Promise<void> {
    const s = this.settings();
    const identity = this.deps.session.identity;
    const { credentials, description } = identity
      ? { credentials: identity.credentials, description: identity.label }
      : await terminalDefaultCredentials(await this.assumeOptions());
    const caller = await getCallerIdentity(credentials, { endpoint: s.stsEndpoint, region: s.region, timeoutMs: s.requestTimeoutMs }, description);
    this.deps.log.info(`GetCallerIdentity (${description}): ${caller.arn}`);
    const choice = await vscode.window.showInformationMessage(`New terminals run as ${caller.arn} (account ${caller.account}).`, 'Copy ARN');
    if (choice) {
      await vscode.env.clipboard.writeText(caller.arn);
    }
  }

  async openAwsConfig(): Promise<void> {
    const file = this.store.files.configPath;
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, '# AWS CLI configuration. A profile with role_arn appears in IAM Switchboard, e.g.:\n# [profile dev]\n# role_arn = arn:aws:iam::123456789012:role/ReadOnly\n# source_profile = default\n', { mode: 0o600 });
      this.store.watch();
    }
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  async addAccount(): Promise<void> {
    const title = 'Add Account';
    const id = await vscode.window.showInputBox({
      title: `${title} (1/4)`, prompt: 'The 12-digit AWS account id', ignoreFocusOut: true,
      validateInput: (v) => (/^\d{12}$/.test(v.trim()) ? undefined : 'An AWS account id is exactly 12 digits.'),
    });
    if (!id) return;
    const alias = await vscode.window.showInputBox({ title: `${title} (2/4)`, prompt: 'A short name, such as dev or prod (optional)', ignoreFocusOut: true });
    if (alias === undefined) return;
    const rolesText = await vscode.window.showInputBox({
      title: `${title} (3/4)`, prompt: 'Role names or ARNs, separated by commas', placeHolder: 'ReadOnly, Admin', ignoreFocusOut: true,
      validateInput: (v) => splitRoles(v).find((r) => r.startsWith('arn:') && !tryParseRoleArn(r)) ? 'That is not a role ARN (arn:aws:iam::<account>:role/<name>).' : undefined,
    });
    if (rolesText === undefined) return;
    const { config } = await this.store.get();
    const sources = [...config.profiles.values()].filter((p) => p.roleArn === undefined || p.credentialKind === 'static').map((p) => p.name);
    const sourceProfile = sources.length
      ? await vscode.window.showQuickPick(sources, { title: `${title} (4/4)`, placeHolder: 'The profile whose credentials assume these roles', ignoreFocusOut: true })
      : 'default';
    if (!sourceProfile) return;
    const entry: AccountSetting = { id: checkAccountId(id), roles: splitRoles(rolesText), sourceProfile, ...(alias.trim() ? { alias: alias.trim() } : {}) };
    const configuration = vscode.workspace.getConfiguration('iamSwitchboard');
    const current = configuration.inspect<AccountSetting[]>('accounts')?.globalValue ?? [];
    const merged = current.some((a) => a.id === entry.id)
      ? current.map((a) => (a.id === entry.id ? { ...a, ...entry, roles: [...new Set([...(a.roles ?? []), ...entry.roles])] } : a))
      : [...current, entry];
    await configuration.update('accounts', merged, vscode.ConfigurationTarget.Global);
  }

  /**
   * Assumes `role` and makes it the session: every new terminal, debug launch and the status bar follow.
   * Undefined when a later switch (or another change of the session) came first: the session is left to it.
   */
  private async assumeIntoSession(role: RoleEntry): Promise<Identity | undefined> {
    const seq = ++this.switchSeq;
    const identity = await this.assume(role, `Assuming ${role.label}`);
    if (seq !== this.switchSeq) {
      this.deps.log.info(`Assumed ${role.label}, but a later switch replaced it: the session stays as it is.`);
      return undefined;
    }
    this.apply(role, identity);
    const recent = this.context.globalState.get<string[]>(RECENT_KEY, []);
    await this.context.globalState.update(RECENT_KEY, [role.key, ...recent.filter((k) => k !== role.key)].slice(0, RECENT_MAX));
    vscode.window.setStatusBarMessage(`Assumed ${identity.arn ?? role.arn}`, 5000);
    return identity;
  }

  private apply(role: RoleEntry, identity: Identity): void {
    this.active = { role, identity };
    this.deps.session.set(identity);
    this.schedule(role, identity);
  }

  /** AssumeRole behind a cancellable progress notification (or a quiet status-bar one for auto-refresh). */
  private async assume(role: RoleEntry, title: string, quiet = false): Promise<Identity> {
    const options = await this.assumeOptions();
    const location = quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification;
    return vscode.window.withProgress({ location, title: `${title}…`, cancellable: !quiet }, (_progress, token) =>
      whileNotCancelled(token, (signal) => assumeRole(role, { ...options, signal })),
    );
  }

  private async assumeOptions(): Promise<AssumeOptions> {
    const s = this.settings();
    const { config } = await this.store.get();
    return {
      config,
      endpoint: s.stsEndpoint,
      region: s.region,
      timeoutMs: s.requestTimeoutMs,
      sessionName: s.roleSessionName,
      durationSeconds: s.sessionDurationSeconds,
      cache: this.cache,
      mfaCode: askMfaCode,
      log: (line) => this.deps.log.info(line),
    };
  }

  /** Before expiry: refresh silently when no MFA code is needed, otherwise ask. At expiry: clear and tell. */
  private schedule(role: RoleEntry, identity: Identity): void {
    this.clearTimers();
    const expiration = identity.credentials.expiration?.getTime();
    if (expiration === undefined) {
      return;
    }
    const now = Date.now();
    const refreshAt = Math.max(expiration - REFRESH_BEFORE_MS, now + (expiration - now) / 2);
    this.timers.push(
      setTimeout(() => void this.refreshBeforeExpiry(role, identity), refreshAt - now),
      setTimeout(() => this.expire(identity), expiration - now),
    );
  }

  /** Applies only while `identity` is still the session and no switch started meanwhile: never undoes a newer choice. */
  private async refreshBeforeExpiry(role: RoleEntry, identity: Identity): Promise<void> {
    const seq = this.switchSeq;
    const stillCurrent = () => seq === this.switchSeq && this.deps.session.identity === identity;
    if (!stillCurrent()) {
      return;
    }
    const silent = this.settings().autoRefresh && !needsMfaCode(role, this.cache);
    if (!silent) {
      const choice = await vscode.window.showWarningMessage(`The credentials of ${role.label} expire in a few minutes. Refresh them now?`, 'Refresh');
      if (choice !== 'Refresh' || !stillCurrent()) {
        return;
      }
    }
    try {
      const fresh = await this.assume(role, `Refreshing ${role.label}`, silent);
      if (!stillCurrent()) {
        this.deps.log.info(`Refreshed ${role.label}, but the session changed meanwhile: the refresh was dropped.`);
        return;
      }
      this.apply(role, fresh);
      this.deps.log.info(`Refreshed ${role.label} before it expired.`);
    } catch (error) {
      if (stillCurrent()) {
        showError(this.deps.log, error, `Refresh ${role.label}`);
      }
    }
  }

  private expire(identity: Identity): void {
    if (this.deps.session.identity !== identity) {
      return;
    }
    this.deps.session.clear();
    this.deps.log.info(`The credentials of ${identity.label} expired and were removed.`);
    void vscode.window.showWarningMessage(`The credentials of ${identity.label} expired and were removed from new terminals: assume the role again to continue.`);
  }

  private clearTimers(): void {
    this.timers.forEach(clearTimeout);
    this.timers = [];
  }

  private async resolve(arg: RoleArg): Promise<RoleEntry | undefined> {
    if (arg instanceof RoleNode || (arg && typeof arg === 'object' && 'role' in arg)) {
      return (arg as RoleNode).role;
    }
    if (typeof arg !== 'string') {
      return undefined;
    }
    const { catalog } = await this.store.get();
    const role = catalog.roles.find((r) => r.key === arg || r.profile === arg || r.label === arg) ?? catalog.roles.find((r) => r.arn === arg);
    if (!role) {
      throw new UserError(`There is no role '${arg}' in ~/.aws/config or the iamSwitchboard settings: check the name, or run Refresh.`, 'UnknownRole');
    }
    return role;
  }
}

function splitRoles(text: string): string[] {
  return text.split(',').map((r) => r.trim()).filter(Boolean);
}

/** The MFA prompt: 6 digits, checked before anything is sent. */
async function askMfaCode(serial: string): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'MFA code',
    prompt: `Code from MFA device ${serial}`,
    placeHolder: '123456',
    ignoreFocusOut: true,
    validateInput: (v) => (/^\d{6}$/.test(v.trim()) ? undefined : 'Enter the 6 digits your MFA device shows.'),
  });
}
