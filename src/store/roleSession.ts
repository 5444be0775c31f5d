// The role session's lifecycle: assuming a role into the window's session, the order of overlapping switches
// (the one asked for last wins), the refresh before expiry and the removal at expiry. Commands call it; the
// tree, status bar and terminals follow the Session's change event.
import * as vscode from 'vscode';
import { whileNotCancelled } from '../cancellation';
import type { Settings } from '../configuration/settings';
import { refreshMode, refreshPlan } from '../core/refreshPlan';
import type { RoleEntry } from '../core/catalog/roleCatalog';
import type { AwsProfile } from '../core/aws/config';
import type { AwsCredentials, Identity, Session } from '../core/session';
import { assumeRole, type AssumeOptions, needsMfaCode, StsCache } from '../core/sts/assumeRole';
import {
  forgetKeptMfaSessions,
  keepMfaSessions,
  MFA_SESSIONS_SECRET,
  restoreMfaSessions,
  type SecretBox,
} from '../core/sts/mfaSessionMemory';
import type { TypedState, WorkspaceState } from '../configuration/state';
import { UserError } from '../core/userError';
import { showError } from '../errors';
import { MfaPrompt } from './mfaPrompt';
import type { RecentRoles } from './recentRoles';
import type { RoleCatalogStore } from './roleCatalogStore';

/** A wrong code is asked for again, in place, this many times before the flow gives up. */
const MFA_ATTEMPTS = 3;

interface RoleSessionDeps {
  session: Session;
  catalog: RoleCatalogStore;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
  recent: RecentRoles;
  /** IAM Identity Center: roles with `role.sso` get their session here (GetRoleCredentials), not from AssumeRole. */
  identityCenter?: SsoCredentialSource;
  /** Where the active role's key (workspace state) and the MFA sessions (SecretStorage) outlive Reload Window. */
  memory?: { state: TypedState<WorkspaceState>; secrets: SecretBox };
}

interface SsoCredentialSource {
  credentials(role: RoleEntry, signal?: AbortSignal): Promise<Identity>;
  /** For role profiles whose source_profile is an Identity Center profile. */
  profileCredentials(profile: AwsProfile): Promise<AwsCredentials>;
}

export class RoleSessionStore implements vscode.Disposable {
  readonly cache = new StsCache();
  /** What was last written to SecretStorage of the MFA sessions: written again only when they change. */
  private readonly keptMfaSessions: { written?: string } = {};
  private readonly mfa = new MfaPrompt();
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
  /** One refresh at a time, shared by the timer and the credential endpoint (so MFA is asked once). */
  private refreshing: { identity: Identity; done: Promise<Identity> } | undefined;

  constructor(private readonly deps: RoleSessionDeps) {
    this.subscription = deps.session.onDidChange((identity) => {
      if (identity !== this.active?.identity) {
        this.active = undefined; // replaced by a Vault lease or cleared: its timers are not ours to run
        this.clearTimers();
        this.switchSeq++; // and an assume still in flight must not undo it
        void this.deps.memory?.state.update('iamSwitchboard.activeRole', undefined); // nothing to bring back
      }
    });
  }

  get activeRole(): RoleEntry | undefined {
    return this.active?.role;
  }

  /** The active session's identity when it is `role`'s, so console sign-in needs no second AssumeRole. */
  identityOf(role: RoleEntry): Identity | undefined {
    return this.active?.role.key === role.key ? this.active.identity : undefined;
  }

  /**
   * Assumes `role` and makes it the session: every terminal, debug launch and the status bar follow.
   * Undefined when a later switch (or another change of the session) came first: the session is left to it.
   */
  async switchTo(role: RoleEntry): Promise<Identity | undefined> {
    const seq = ++this.switchSeq;
    const identity = await this.assume(role, `Assuming ${role.label}`);
    if (seq !== this.switchSeq) {
      this.deps.log.info(`Assumed ${role.label}, but a later switch replaced it: the session stays as it is.`);
      return undefined;
    }
    this.apply(role, identity);
    await this.deps.recent.add(role.key);
    vscode.window.setStatusBarMessage(`Assumed ${identity.arn ?? (role.sso ? role.label : role.arn)}`, 5000);
    return identity;
  }

  clear(): void {
    const label = this.deps.session.identity?.label;
    this.deps.session.clear();
    // Clear leaves nothing for a later window: the MFA session kept for Reload Window goes too.
    this.deps.memory?.secrets
      .delete(MFA_SESSIONS_SECRET)
      .then(undefined, (error: unknown) => this.deps.log.warn(`Could not forget the kept MFA session: ${(error as Error).message}`));
    if (label) {
      vscode.window.setStatusBarMessage(`Removed the AWS credentials of ${label}`, 5000);
    }
  }

  /** AssumeRole behind a cancellable progress notification (or a quiet status-bar one for auto-refresh). */
  async assume(role: RoleEntry, title: string, quiet = false): Promise<Identity> {
    const options = await this.assumeOptions();
    const location = quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification;
    return vscode.window.withProgress({ location, title: `${title}…`, cancellable: !quiet }, (_progress, token) =>
      whileNotCancelled(token, (signal) => this.assumeAskingAgain(role, { ...options, signal })),
    );
  }

  /** The one fork for Identity Center roles: their session comes from the sign-in, not from AssumeRole. */
  private viaIdentityCenter(role: RoleEntry, signal: AbortSignal | undefined): Promise<Identity> | undefined {
    return role.sso && this.deps.identityCenter ? this.deps.identityCenter.credentials(role, signal) : undefined;
  }

  /**
   * A source profile's key changed (rotated, replaced, moved in or out of the keychain), here or in another window:
   * its credentials and MFA sessions made from the old key are not reused, nor brought back by a reload.
   */
  async forgetProfile(profile: string): Promise<void> {
    this.cache.forgetProfile(profile);
    const secrets = this.deps.memory?.secrets;
    if (!secrets) return;
    await forgetKeptMfaSessions(secrets, profile).catch((error: unknown) =>
      this.deps.log.warn(`Could not forget the kept MFA session of profile '${profile}': ${(error as Error).message}`),
    );
  }

  /** Where a profile's key moved into the keychain is read (the keys feature starts after this store). */
  readKeychainWith(read: AssumeOptions['keychainKey']): void {
    this.keychainKey = read;
  }

  private keychainKey: AssumeOptions['keychainKey'];

  async assumeOptions(): Promise<AssumeOptions> {
    const s = this.deps.settings();
    const { config } = await this.deps.catalog.get();
    return {
      config,
      endpoint: s.stsEndpoint,
      region: s.region,
      timeoutMs: s.requestTimeoutMs,
      sessionName: s.roleSessionName,
      durationSeconds: s.sessionDurationSeconds,
      cache: this.cache,
      mfaCode: (serial) => this.mfa.ask(serial),
      log: (line) => this.deps.log.info(line),
      ssoCredentials: this.deps.identityCenter && ((profile) => this.deps.identityCenter!.profileCredentials(profile)),
      keychainKey: this.keychainKey,
    };
  }

  dispose(): void {
    this.clearTimers();
    this.subscription.dispose();
    this.cache.clear();
  }

  /** A rejected MFA code is asked for again in the same flow, saying why, instead of ending it. */
  private async assumeAskingAgain(role: RoleEntry, options: AssumeOptions): Promise<Identity> {
    const sso = this.viaIdentityCenter(role, options.signal);
    if (sso) {
      return sso;
    }
    let problem: string | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        return await assumeRole(role, { ...options, mfaCode: (serial) => this.mfa.ask(serial, problem) });
      } catch (error) {
        if (!(error instanceof UserError && error.code === 'MfaFailed') || attempt >= MFA_ATTEMPTS) {
          throw error;
        }
        problem = 'AWS rejected that code (a typo, or the device clock is off): try the code your device shows now.';
        this.deps.log.info(`MFA code rejected for ${role.label}; asking again (${attempt}/${MFA_ATTEMPTS}).`);
      }
    }
  }

  private apply(role: RoleEntry, identity: Identity): void {
    this.active = { role, identity };
    this.deps.session.set(identity);
    this.schedule(role, identity);
    this.remember(role);
  }

  private remember(role: RoleEntry): void {
    const memory = this.deps.memory;
    if (!memory) return;
    void memory.state.update('iamSwitchboard.activeRole', role.key);
    keepMfaSessions(this.cache, memory.secrets, Date.now(), this.keptMfaSessions).then(undefined, (error: unknown) =>
      this.deps.log.warn(`Could not keep the MFA session in secret storage: ${(error as Error).message}`),
    );
  }

  /**
   * After Reload Window: the role that was active is assumed again, quietly, when that needs no MFA code (its MFA
   * session came back from SecretStorage) and nothing else became active meanwhile. Never asks anything: a role
   * that would need a code stays unassumed until the person picks it. With the endpoint only (in environment mode
   * the terminals from before hold the old session's keys, which the window warns about), and not for Identity
   * Center roles (their sign-in is its own, restored by the Identity Center section).
   */
  async restore(): Promise<void> {
    const memory = this.deps.memory;
    const key = memory?.state.get('iamSwitchboard.activeRole');
    if (!memory || !key || this.deps.settings().terminalCredentials !== 'endpoint') return;
    const seq = this.switchSeq;
    try {
      await restoreMfaSessions(this.cache, memory.secrets);
      const role = (await this.deps.catalog.get()).catalog.roles.find((r) => r.key === key);
      if (!role || role.sso || needsMfaCode(role, this.cache)) {
        const why = !role ? 'it is gone' : role.sso ? 'an Identity Center role' : 'its MFA session ended';
        this.deps.log.info(`Not restoring the role active before the reload (${why}).`);
        return;
      }
      const identity = await assumeRole(role, { ...(await this.assumeOptions()), mfaCode: async () => undefined });
      if (seq === this.switchSeq && !this.deps.session.identity) {
        this.apply(role, identity);
        this.deps.log.info(`Restored ${role.label}, active before the reload.`);
      }
    } catch (error) {
      this.deps.log.info(`Could not restore the role active before the reload: ${(error as Error).message}`);
    }
  }

  /** Before expiry: refresh silently when no MFA code is needed, otherwise ask. At expiry: clear and tell. */
  private schedule(role: RoleEntry, identity: Identity): void {
    this.clearTimers();
    const plan = refreshPlan(identity.credentials.expiration);
    if (!plan) {
      return;
    }
    this.timers.push(
      setTimeout(() => void this.refreshBeforeExpiry(role, identity), plan.refreshInMs),
      setTimeout(() => this.expire(identity), plan.expireInMs),
    );
  }

  /**
   * Refreshes the active role now (the credential endpoint asks when what it serves nears its end): silently when
   * no MFA code is needed, otherwise with the prompt. Shares one refresh with the timer and with other callers.
   * Resolves to the active role's new identity, which is the session's unless the session changed meanwhile.
   */
  refreshActive(): Promise<Identity> {
    const identity = this.deps.session.identity;
    if (!identity || !this.active || this.active.identity !== identity) {
      return Promise.reject(new UserError('No role of the AWS Roles view is active: assume one again.', 'NoActiveRole'));
    }
    return this.refresh(this.active.role, identity);
  }

  /** Applies only while `identity` is still the session and no switch started meanwhile: never undoes a newer choice. */
  private async refreshBeforeExpiry(role: RoleEntry, identity: Identity): Promise<void> {
    if (this.deps.session.identity !== identity) {
      return;
    }
    const silent = refreshMode(this.deps.settings().autoRefresh, needsMfaCode(role, this.cache)) === 'silent';
    if (!silent) {
      const choice = await vscode.window.showWarningMessage(
        `The credentials of ${role.label} expire in a few minutes. Refresh them now?`,
        'Refresh',
      );
      if (choice !== 'Refresh' || this.deps.session.identity !== identity) {
        return;
      }
    }
    try {
      await this.refresh(role, identity);
      this.deps.log.info(`Refreshed ${role.label} before it expired.`);
    } catch (error) {
      if (this.deps.session.identity === identity) {
        showError(this.deps.log, error, `Refresh ${role.label}`);
      }
    }
  }

  private refresh(role: RoleEntry, identity: Identity): Promise<Identity> {
    if (this.refreshing?.identity === identity) {
      return this.refreshing.done;
    }
    const seq = this.switchSeq;
    const stillCurrent = () => seq === this.switchSeq && this.deps.session.identity === identity;
    const quiet = !needsMfaCode(role, this.cache);
    const done = this.assume(role, `Refreshing ${role.label}`, quiet).then((fresh) => {
      if (!stillCurrent()) {
        // Resolves to what was asked for, `role`'s new credentials, never to whatever the session is now: a
        // caller holding the old identity (a request of the credential endpoint) must not become another role.
        this.deps.log.info(`Refreshed ${role.label}, but the session changed meanwhile: the session stays as it is.`);
        return fresh;
      }
      this.apply(role, fresh);
      return fresh;
    });
    this.refreshing = { identity, done };
    const clear = () => {
      if (this.refreshing?.done === done) {
        this.refreshing = undefined;
      }
    };
    done.then(clear, clear);
    return done;
  }

  private expire(identity: Identity): void {
    if (this.deps.session.identity !== identity) {
      return;
    }
    if (identity.credentials.expiration && identity.credentials.expiration.getTime() > Date.now() + 1000) {
      this.schedule(this.active!.role, identity); // a capped timer fired early (sessions longer than 24 days)
      return;
    }
    this.deps.session.clear();
    this.deps.log.info(`The credentials of ${identity.label} expired and were removed.`);
    const where =
      this.deps.settings().terminalCredentials === 'environment' ? 'from new terminals' : '(terminals now say no role is active)';
    void vscode.window.showWarningMessage(
      `The credentials of ${identity.label} expired and were removed ${where}: assume the role again to continue.`,
    );
  }

  private clearTimers(): void {
    this.timers.forEach(clearTimeout);
    this.timers = [];
  }
}
