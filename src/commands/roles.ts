// The role switcher's commands. The session's lifecycle lives in store/roleSession.ts, the catalog in
// store/roleCatalogStore.ts; these only ask the person and call them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Settings } from '../configuration/settings';
import { consoleSigninUrl } from '../core/aws/console';
import { serveRedirectOnce } from '../core/aws/consoleRedirect';
import { roleForArn, type RoleEntry } from '../core/catalog/roleCatalog';
import { isLoopback } from '../core/loopback';
import type { Identity, Session } from '../core/session';
import { getCallerIdentity, terminalDefaultCredentials } from '../core/sts/assumeRole';
import { cancelled, UserError } from '../core/userError';
import { registerCommand } from '../errors';
import type { Guardrails } from '../store/guardrails';
import type { RoleCatalogStore } from '../store/roleCatalogStore';
import type { RoleSessionStore } from '../store/roleSession';
import type { RecentRoles } from '../store/recentRoles';
import type { RoleNode } from '../treeViews/roleTree';
import { addAccount } from './addAccount';
import { reachableFromBrowser } from './browserUrl';
import { pickRole } from './switchRolePick';

/** How long the console's one-time redirect waits for the browser: its SigninToken is good for 15 minutes. */
const CONSOLE_REDIRECT_TIMEOUT_MS = 5 * 60_000;

/** From a role row in the tree; a profile name, role key or ARN from keybindings, links and tests. */
type RoleArgs = Pick<RoleNode, 'role'> | string;
/** From a Vault lease row: the lease's own credentials. */
type IdentityArgs = { identity: Identity };

interface RoleCommandDeps {
  session: Session;
  catalog: RoleCatalogStore;
  roles: RoleSessionStore;
  recent: RecentRoles;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
  /** Asks before a production role is assumed. */
  guardrails: Guardrails;
  /** Opens a terminal that is `identity` only; `role` lets it be assumed again before it ends. */
  openPinnedTerminal: (identity: Identity, role?: RoleEntry) => void;
}

export function registerRoleCommands(context: vscode.ExtensionContext, deps: RoleCommandDeps): void {
  const commands = new RoleCommands(deps);
  const register = <A>(id: string, action: string, run: (arg?: A) => Promise<unknown>) => registerCommand<A>(deps.log, id, action, run);
  context.subscriptions.push(
    register('iamSwitchboard.switchRole', 'Switch role', () => commands.switchRole()),
    register<RoleArgs>('iamSwitchboard.assumeRole', 'Assume role', (arg) => commands.assume(arg)),
    register<RoleArgs | IdentityArgs>('iamSwitchboard.openTerminalAsRole', 'Open terminal as role', (arg) => commands.openTerminal(arg)),
    register<RoleArgs>('iamSwitchboard.copyArn', 'Copy ARN', (arg) => commands.copyArn(arg)),
    register<RoleArgs>('iamSwitchboard.openConsole', 'Open AWS console', (arg) => commands.openConsole(arg)),
    register('iamSwitchboard.clearCredentials', 'Clear credentials', async () => deps.roles.clear()),
    register('iamSwitchboard.showCallerIdentity', 'Show caller identity', () => commands.showCallerIdentity()),
    register('iamSwitchboard.refresh', 'Refresh roles', async () => deps.catalog.invalidate()),
    register('iamSwitchboard.openAwsConfig', 'Open ~/.aws/config', () => commands.openAwsConfig()),
    register('iamSwitchboard.addAccount', 'Add account', () => addAccount(deps.catalog)),
  );
}

class RoleCommands {
  constructor(private readonly deps: RoleCommandDeps) {}

  async switchRole(): Promise<string | undefined> {
    const picked = await this.pick('Switch Role', !!this.deps.session.identity);
    if (picked === 'clear') {
      this.deps.roles.clear();
      return undefined;
    }
    return typeof picked === 'object' ? this.switchTo(picked) : undefined;
  }

  /**
   * Switch Role's list (its title says what the pick is for); "Clear credentials" only when `offerClear`; with
   * `offerActive`, an active identity that has no row of its own (a Vault lease, static keys) comes first.
   */
  private async pick(title: string, offerClear: boolean, offerActive = false): Promise<RoleEntry | 'clear' | 'active' | undefined> {
    const { catalog, config } = await this.deps.catalog.get();
    const active = this.deps.roles.activeRole;
    const identity = this.deps.session.identity;
    const listed = active !== undefined && catalog.roles.some((role) => role.key === active.key);
    return pickRole(catalog, {
      title,
      recent: this.deps.recent.list(),
      active,
      hasSession: offerClear,
      activeIdentity: offerActive && identity && !listed ? identity.label : undefined,
      roleForArn: (arn) => roleForArn(arn, catalog, config.profiles),
      isProduction: (role) => this.deps.guardrails.productionOf(role).production,
    });
  }

  /** Every switch and assume goes through the production question first. */
  private async switchTo(role: RoleEntry): Promise<string | undefined> {
    if (!(await this.deps.guardrails.confirmProduction(role))) return undefined;
    return (await this.deps.roles.switchTo(role))?.arn;
  }

  private async assumeFor(role: RoleEntry, title: string): Promise<Identity> {
    const existing = this.deps.roles.identityOf(role);
    if (existing) return existing;
    if (!(await this.deps.guardrails.confirmProduction(role))) throw cancelled();
    return this.deps.roles.assume(role, title);
  }

  /** Returns the assumed role's ARN only: command results reach any extension, credentials must not. */
  async assume(arg?: RoleArgs): Promise<string | undefined> {
    const role = await this.resolve(arg);
    if (!role) {
      return this.switchRole();
    }
    return this.switchTo(role);
  }

  /** Resolves to the ARN the terminal is pinned to, or undefined when the person dismissed the pick. */
  async openTerminal(arg?: RoleArgs | IdentityArgs): Promise<string | undefined> {
    if (typeof arg === 'object' && 'identity' in arg) {
      this.deps.openPinnedTerminal(arg.identity); // a Vault lease row
      return arg.identity.arn;
    }
    const role = arg === undefined ? undefined : await this.resolve(arg);
    if (role) {
      this.deps.openPinnedTerminal(await this.assumeFor(role, `Opening a terminal as ${role.label}`), role);
      return role.arn;
    }
    // From the palette: which role is the question, as in Switch Role; Escape ends it quietly.
    const picked = await this.pick('Open Terminal as Role', false, true);
    const active = this.deps.roles.activeRole;
    const identity = this.deps.session.identity;
    if (identity && (picked === 'active' || (typeof picked === 'object' && picked.key === active?.key))) {
      this.deps.openPinnedTerminal(identity, active); // the active identity, as it is
      return identity.arn;
    }
    if (typeof picked !== 'object') return undefined;
    this.deps.openPinnedTerminal(await this.assumeFor(picked, `Opening a terminal as ${picked.label}`), picked);
    return picked.arn;
  }

  async copyArn(arg?: RoleArgs): Promise<void> {
    const role = await this.resolve(arg);
    const arn = role?.arn ?? this.deps.session.identity?.arn;
    if (arn) {
      await vscode.env.clipboard.writeText(arn);
      vscode.window.setStatusBarMessage(`Copied ${arn}`, 3000);
    }
  }

  async openConsole(arg?: RoleArgs): Promise<void> {
    const role = (await this.resolve(arg)) ?? this.deps.roles.activeRole;
    if (!role) {
      throw new UserError('Pick a role to open the AWS console as: use the globe button on a role in the AWS Roles view.', 'NoRole');
    }
    const identity = await this.assumeFor(role, `Signing in to the console as ${role.label}`);
    const s = this.deps.settings();
    const url = await consoleSigninUrl(identity, {
      endpoint: s.consoleSigninEndpoint,
      chained: role.chained,
      sessionDurationSeconds: role.chained ? undefined : s.sessionDurationSeconds,
      timeoutMs: s.requestTimeoutMs,
    });
    this.deps.log.info(`Opening the AWS console as ${identity.arn ?? role.arn}`);
    // Through a one-time loopback redirect (core/aws/consoleRedirect.ts): VS Code's "open external website?"
    // dialog then shows that address, never the SigninToken. The sign-in URL itself only travels in the
    // redirect's Location header, byte for byte (a vscode.Uri would re-encode its Destination, microsoft/vscode#85930).
    const redirect = await serveRedirectOnce(url, CONSOLE_REDIRECT_TIMEOUT_MS);
    const opened = await vscode.env.openExternal(await reachableFromBrowser(redirect.url));
    if (!opened) {
      throw new UserError(
        'VS Code did not open the console sign-in page (the browser refused it): try again, or allow VS Code to open links.',
        'ConsoleNotOpened',
      );
    }
    if (isLoopbackUrl(s.consoleSigninEndpoint) && vscode.env.remoteName) {
      this.deps.log.warn('The console sign-in endpoint is a loopback address in a remote window: the browser may not reach it.');
    }
  }

  async showCallerIdentity(): Promise<void> {
    const s = this.deps.settings();
    const identity = this.deps.session.identity;
    const { credentials, description } = identity
      ? { credentials: identity.credentials, description: identity.label }
      : await terminalDefaultCredentials(await this.deps.roles.assumeOptions());
    const caller = await getCallerIdentity(
      credentials,
      { endpoint: s.stsEndpoint, region: s.region, timeoutMs: s.requestTimeoutMs },
      description,
    );
    this.deps.log.info(`GetCallerIdentity (${description}): ${caller.arn}`);
    // With the endpoint, terminals have no identity of their own while no role is active: say so, not "run as".
    const message =
      identity || s.terminalCredentials === 'environment'
        ? `Terminals run as ${caller.arn} (account ${caller.account}).`
        : `No role is active, so terminals get no AWS credentials until you pick one. Your own credentials are ${caller.arn} (account ${caller.account}).`;
    const choice = await vscode.window.showInformationMessage(message, 'Copy ARN');
    if (choice) {
      await vscode.env.clipboard.writeText(caller.arn);
    }
  }

  async openAwsConfig(): Promise<void> {
    const file = this.deps.catalog.files.configPath;
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(
        file,
        '# AWS CLI configuration. A profile with role_arn appears in IAM Switchboard, e.g.:\n# [profile dev]\n# role_arn = arn:aws:iam::123456789012:role/ReadOnly\n# source_profile = default\n',
        { mode: 0o600 },
      );
      this.deps.catalog.watch();
    }
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  private async resolve(arg?: RoleArgs): Promise<RoleEntry | undefined> {
    if (arg === undefined) {
      return undefined;
    }
    if (typeof arg !== 'string') {
      return arg.role;
    }
    const { catalog } = await this.deps.catalog.get();
    const role =
      catalog.roles.find((r) => r.key === arg || r.profile === arg || r.label === arg) ?? catalog.roles.find((r) => r.arn === arg);
    if (!role) {
      throw new UserError(
        `There is no role '${arg}' in ~/.aws/config or the iamSwitchboard settings: check the name, or run Refresh.`,
        'UnknownRole',
      );
    }
    return role;
  }
}

function isLoopbackUrl(endpoint: string): boolean {
  return URL.canParse(endpoint) && isLoopback(new URL(endpoint).hostname);
}
