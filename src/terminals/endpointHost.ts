// The window's credential endpoint at the edge: started once, on first use after activation (a small HTTP server on
// 127.0.0.1, no SDK, whose code is loaded then), with the same port, following token and generated config across window reloads so
// terminals VS Code reconnects keep working (the token not across a Quit: followingProcesses.ts). It resolves
// each request to the session's identity (following tokens) or a terminal's own (pinned tokens), and refreshes
// both through the role session store.
import type * as vscode from 'vscode';
import { workspaceStateOf } from '../configuration/state';
import { AgentIdentities, type AgentIssue } from '../core/agents/agentIdentities';
import type { AgentBackend } from '../core/agents/backend';
import type { WriteGrants } from '../core/agents/grants';
import { onRoleLeft } from '../core/agents/sessionChange';
import type { AgentAccessSettings } from '../core/agents/agentPlan';
import { agentOfPeer } from '../core/agents/peerProcess';
import { awsConfigFiles } from '../core/aws/config';
import { ROLE_ENDED_MESSAGE } from '../core/endpoint/messages';
import type { CredentialEndpoint } from '../core/endpoint/server';
import type { RoleEntry } from '../core/catalog/roleCatalog';
import type { Identity, Session } from '../core/session';
import { endpointEnvironment, type EnvironmentCollectionChanges, type EndpointEnvironmentOptions } from '../core/endpoint/terminalEnv';
import { helperCommand, removeTerminalProfile, writeTerminalProfile } from '../core/endpoint/terminalProfile';
import { clockTime } from '../core/time';
import { UserError, errorText } from '../core/userError';
import { staticUnreadMessage } from '../core/vault/staticRoles';
import type { RoleSessionStore } from '../store/roleSession';
import { FollowingProcesses } from './followingProcesses';

interface EndpointHostDeps {
  session: Session;
  roles: RoleSessionStore;
  log: vscode.LogOutputChannel;
  /** The region for the generated profile when no role is active. */
  defaultRegion: () => string;
  /** iamSwitchboard.agents.*: what an AI agent's request gets. */
  agents: () => AgentAccessSettings;
}

interface RunningEndpoint extends EndpointEnvironmentOptions {
  port: number;
  collection: EnvironmentCollectionChanges;
  /** The following token is the one from before a reload: the terminals VS Code reconnected follow. */
  resumed: boolean;
}

export class EndpointHost implements vscode.Disposable {
  /** The server, its tokens and its answers, made when first needed (its code is not loaded at activation). */
  private endpoint: CredentialEndpoint | undefined;
  private creating: Promise<CredentialEndpoint> | undefined;
  private running: Promise<RunningEndpoint> | undefined;
  /** Pinned identities that came from a role, so they can be re-assumed before they end. */
  private readonly pinnedRoles = new WeakMap<Identity, RoleEntry>();
  /**
   * Every pinned identity this window serves (a copy of its own), with what it was copied from (to hear that a
   * lease ended, and of its renewals) and the tokens that stand for it (revoked when it ends).
   */
  private readonly pinned = new Map<Identity, PinnedEntry>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** AI agents' own, narrower sessions of the role the request would otherwise get. */
  private readonly agents: AgentIdentities;
  private readonly followers: FollowingProcesses;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: EndpointHostDeps,
  ) {
    this.followers = new FollowingProcesses(context);
    this.agents = new AgentIdentities({
      settings: deps.agents,
      roleOf: (person) => (person === deps.session.identity ? deps.roles.activeRole : this.pinnedRoles.get(person)),
      assumeOptions: () => deps.roles.assumeOptions(),
      log: (line) => deps.log.info(line),
    });
    // The generated profile carries the region: rewritten when the session's region changes. A switch or Clear
    // also ends every agent's session, so no agent keeps the role the person left (a refresh keeps them).
    this.subscriptions.push(
      onRoleLeft(deps.session, () => this.agents.forget()),
      deps.session.onDidChange(() => void this.rewriteProfile()),
      deps.session.onDidEnd((identity) => this.ended(identity)),
    );
  }

  /** The endpoint, made once: its module is imported the first time a terminal, a launch or a tool needs it. */
  private created(): Promise<CredentialEndpoint> {
    this.creating ??= import('../core/endpoint/server').then(
      ({ CredentialEndpoint }) => (this.endpoint = this.newEndpoint(CredentialEndpoint)),
      (error: unknown) => {
        this.creating = undefined; // the next use tries again
        throw error;
      },
    );
    return this.creating;
  }

  private newEndpoint(Endpoint: typeof CredentialEndpoint): CredentialEndpoint {
    const { deps } = this;
    return new Endpoint({
      provider: { activeIdentity: () => deps.session.identity, refresh: (identity, signal) => this.refresh(identity, signal) },
      log: (line) => deps.log.info(line),
      agentIdentity: (agent, person) => this.agents.identityFor(agent, person),
      agentAccess: () => deps.agents().access,
      // Linux only (elsewhere it answers undefined at once): an agent's command that unset its marker is still its.
      agentOfPeer,
      // The agent features attach the real one after the endpoint exists (useAgentFeatures).
      agentBackend: {
        whoami: (agent) => this.backend().whoami(agent),
        listRoles: (agent) => this.backend().listRoles(agent),
        requestWrite: (agent, request) => this.backend().requestWrite(agent, request),
        endWrite: (agent) => this.backend().endWrite(agent),
      },
    });
  }

  private agentBackend: AgentBackend | undefined;
  private agentToolsToken: string | undefined;

  /** The agent features (features/agents.ts): write grants decide agents' sessions, the backend answers /agent/. */
  useAgentFeatures(grants: WriteGrants, backend: AgentBackend): vscode.Disposable {
    this.agentBackend = backend;
    const using = this.agents.useGrants(grants);
    return { dispose: () => (using.dispose(), (this.agentBackend = undefined)) };
  }

  private backend(): AgentBackend {
    if (!this.agentBackend) throw new UserError('The agent tools are not available in this VS Code window.', 'NoAgentTools');
    return this.agentBackend;
  }

  /** Issues (or reuses) the agent's identity under the active role, as its next command would; its ARN, or undefined. */
  async agentIdentityOf(agent: string): Promise<string | undefined> {
    const person = this.deps.session.identity;
    if (!person || this.deps.agents().access === 'sameAsMe' || this.deps.agents().access === 'none') return undefined;
    const answer = await this.agents.identityFor(agent, person).catch(() => undefined);
    return answer && 'arn' in answer ? answer.arn : undefined;
  }

  /** Each issue of agent credentials (the Agent access view's record). */
  onDidIssueAgent(listener: (issue: AgentIssue) => void): vscode.Disposable {
    return this.agents.onDidIssue(listener);
  }

  /**
   * Where the agent tools' MCP server reaches this window: the endpoint's origin and one agentTools token per
   * window, in memory only (it gets no credentials, only the /agent/ routes).
   */
  async agentTools(): Promise<{ origin: string; token: string }> {
    const { endpointUrl } = await this.start();
    const endpoint = await this.created();
    this.agentToolsToken ??= endpoint.issueToken({ kind: 'agentTools' });
    return { origin: new URL(endpointUrl).origin, token: this.agentToolsToken };
  }

  /** Starts the endpoint (once) and returns what terminals need to reach it. */
  start(): Promise<RunningEndpoint> {
    this.running ??= this.listen().catch((error: unknown) => {
      this.running = undefined;
      throw error;
    });
    return this.running;
  }

  /**
   * A token for one terminal or launch; `identity` pins it, otherwise it follows the window's session. `previous`
   * takes a pinned terminal's token again after a reload (its process still holds it).
   */
  async issue(identity?: Identity, role?: RoleEntry, previous?: string): Promise<string> {
    await this.start();
    const endpoint = await this.created();
    if (!identity) {
      return endpoint.issueToken({ kind: 'following' });
    }
    // A value of its own: nothing the window does with its session (a refresh, a switch) reaches this terminal
    // through a shared object, and the endpoint refreshes it for its own role (issue 18, hole 1).
    const own: Identity = { ...identity };
    if (role) {
      this.pinnedRoles.set(own, role);
    }
    // A kept token went to the port this window had before the reload: taken again only on that same port.
    const token = endpoint.resumeToken({ kind: 'pinned', identity: own }, previous);
    this.pinned.set(own, { original: identity, tokens: new Set([token]) });
    return token;
  }

  /** A terminal started with the following token: its process tells the next window whether this one reloaded. */
  followedBy(pid: number): Promise<void> {
    return this.followers.add(pid);
  }

  revoke(token: string): void {
    // No endpoint yet: it issued no token.
    this.endpoint?.revoke(token);
    for (const [identity, entry] of this.pinned) {
      entry.tokens.delete(token);
      if (entry.tokens.size === 0) {
        this.pinned.delete(identity);
      }
    }
  }

  /** A socket of its own for a tool outside VS Code (Copy credential_process Profile); see CredentialEndpoint.openExternal. */
  async openExternal(name: string, socket: string): Promise<void> {
    return (await this.created()).openExternal(name, socket);
  }

  externalTokens(): string[] {
    return this.endpoint?.externalTokens() ?? [];
  }

  async revokeExternal(name: string): Promise<void> {
    return this.endpoint?.revokeExternal(name);
  }

  /** How static roles' keys are read again at their rotation (the Vault feature starts after the endpoint). */
  readStaticKeysWith(reader: StaticKeysReader): void {
    this.staticReader = reader;
  }

  /** The person's ~/.aws/config changed: the generated copy follows. */
  configChanged(): void {
    void this.rewriteProfile();
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    const running = this.running;
    if (this.endpoint) void this.endpoint.stop();
    // One still being made is stopped once it is.
    else void this.creating?.then((endpoint) => endpoint.stop()).catch(() => undefined);
    void running?.then((r) => removeTerminalProfile(this.folder, String(r.port))).catch(() => undefined);
  }

  private staticReader: StaticKeysReader | undefined;

  private get folder(): string {
    return this.context.globalStorageUri.fsPath;
  }

  private async listen(): Promise<RunningEndpoint> {
    const state = workspaceStateOf(this.context);
    const secretKey = `iamSwitchboard.endpoint.followingToken:${this.context.storageUri?.toString() ?? 'no-workspace'}`;
    // The same token as before a Reload Window (kept in SecretStorage), so reconnected terminals follow; only while
    // a terminal process that got it still runs. After a Quit none does, and VS Code has written their environment,
    // the token in it, to the workspace's state on disk: a new token then, and revived terminals are relaunched.
    // Read before listening: a reconnected terminal may ask the moment the port is open.
    const previous = (await this.followers.anyRunning()) ? await this.context.secrets.get(secretKey) : undefined;
    const previousPort = state.get('iamSwitchboard.endpointPort');
    const endpoint = await this.created();
    const { url, port } = await endpoint.start({ port: previousPort });
    // On another port no kept token is reused (it went to whoever holds the old port; issue 18, hole 3): see resumeToken.
    const followingToken = endpoint.resumeToken({ kind: 'following' }, previous);
    if (previousPort !== undefined && previousPort !== port) {
      this.deps.log.warn(
        `The credential endpoint's port ${previousPort} was taken: it now listens on ${port} with a new token, and terminals from before the reload must be relaunched.`,
      );
    }
    await Promise.all([state.update('iamSwitchboard.endpointPort', port), this.context.secrets.store(secretKey, followingToken)]);
    const configFile = await this.writeProfile(port);
    const options = { configFile, endpointUrl: url, followingToken };
    return { ...options, port, collection: endpointEnvironment(options), resumed: followingToken === previous };
  }

  private writeProfile(port: number): Promise<string> {
    const command = helperCommand({
      execPath: process.execPath,
      helperPath: this.context.asAbsolutePath('dist/credentialHelper.js'),
      electron: !!process.versions.electron,
    });
    return writeTerminalProfile({
      folder: this.folder,
      personConfigPath: awsConfigFiles().configPath,
      command,
      region: this.deps.session.identity?.region ?? this.deps.defaultRegion(),
      windowKey: String(port),
    });
  }

  private async rewriteProfile(): Promise<void> {
    if (!this.running) {
      return;
    }
    try {
      await this.writeProfile((await this.running).port);
    } catch (error) {
      this.deps.log.warn(`Could not rewrite the terminals' AWS config: ${errorText(error)}`);
    }
  }

  /** A Vault lease ended (revoked, expired): the terminals pinned to it stop at once and hear that their role ended. */
  private ended(identity: Identity): void {
    const tokens = [...this.pinned.values()].filter((entry) => entry.original === identity).flatMap((entry) => [...entry.tokens]);
    if (tokens.length) {
      this.deps.log.info(`The terminals of ${identity.label} were told their role ended.`);
      tokens.forEach((token) => this.revoke(token));
    }
  }

  /**
   * A static role's keys past their rotation time, active or pinned: what Vault holds now (the same keys until its
   * tick, then the new ones). Not read, they are not served: Vault deletes them one rotation later.
   */
  private async rereadStatic(identity: Identity, origin: StaticOrigin, signal?: AbortSignal): Promise<Identity> {
    try {
      if (!this.staticReader) throw new Error('Vault is not set up in this window');
      return { ...(await this.staticReader(origin, signal)), label: identity.label, region: identity.region };
    } catch (error) {
      this.deps.log.warn(`Could not read the static keys of ${origin.role} again: ${errorText(error)}`);
      throw new UserError(staticUnreadMessage(origin.role, origin.rotatesAt), 'StaticKeysUnread');
    }
  }

  /**
   * A pinned terminal without a role to assume again (a Vault lease, a static role, a lease row): a renewal of the
   * lease it was opened with (Renew Lease extends that object), else its role ended.
   */
  private renewed(identity: Identity, entry: PinnedEntry): Identity {
    const end = (i: Identity) => i.credentials.expiration?.getTime() ?? Infinity;
    if (end(entry.original) <= end(identity)) {
      throw new UserError(ROLE_ENDED_MESSAGE, 'RoleEnded');
    }
    const next = { ...identity, credentials: entry.original.credentials };
    this.pinned.set(next, entry);
    return next;
  }

  /**
   * New credentials for an identity the endpoint serves, for its own role whatever the window does: the session's
   * role through the role store (one shared refresh, MFA asked once; an Identity Center role too, whatever
   * autoRefresh says, as the endpoint asks only when credentials near their end), a pinned role by assuming it
   * again. A Vault lease cannot be refreshed: its keys stay what they are until the lease ends, and a pinned
   * terminal then hears that its role ended. A static role's keys are read again from Vault. The endpoint checks
   * that the answer is the same principal.
   */
  private async refresh(identity: Identity, signal?: AbortSignal): Promise<Identity> {
    if (identity.origin.kind === 'vaultStatic') {
      return this.rereadStatic(identity, identity.origin, signal);
    }
    if (identity === this.deps.session.identity && this.deps.roles.activeRole) {
      return this.deps.roles.refreshActive();
    }
    const role = this.pinnedRoles.get(identity);
    if (role) {
      // A copy as well: the store may make the same object the session's when this role is active.
      const fresh = { ...(await this.deps.roles.assume(role, `Refreshing the terminal of ${role.label}`, true)) };
      this.pinnedRoles.set(fresh, role);
      return fresh;
    }
    const entry = this.pinned.get(identity);
    if (entry) {
      return this.renewed(identity, entry);
    }
    const until = identity.credentials.expiration ? ` at ${clockTime(identity.credentials.expiration)}` : '';
    throw new UserError(
      `The credentials of ${identity.label} end${until} and cannot be refreshed: lease or assume again in IAM Switchboard.`,
      'NotRefreshable',
    );
  }
}

/** Reads a static role's keys from Vault again, as the identity the person used (store/vaultStatic.ts). */
export type StaticKeysReader = (origin: StaticOrigin, signal?: AbortSignal) => Promise<Identity>;

type StaticOrigin = Extract<Identity['origin'], { kind: 'vaultStatic' }>;

interface PinnedEntry {
  /** The identity the terminal was opened with: a Vault lease renewed in place, or ended, is this object. */
  original: Identity;
  tokens: Set<string>;
}
