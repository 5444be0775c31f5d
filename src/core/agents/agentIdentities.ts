// The credential endpoint's agent identity provider: for an agent's request, its own narrower session of the
// person's role (agentSession), kept per agent and role until 5 minutes before it ends, forgotten when the window's
// role is cleared or switched so an agent never keeps a previous role. While the person has granted the agent write
// access to that role (grants.ts), the session is the role's own, without the read-only session policy; the agent's
// kept sessions are dropped when a grant starts and when it ends. It never asks the person anything: a background
// request that would need an MFA code is refused with a sentence saying what to do.
import type { RoleEntry } from '../catalog/roleCatalog';
import type { AgentRefusal } from '../endpoint/server';
import type { Identity } from '../session';
import type { AssumeOptions } from '../sts/assumeRole';
import { roleSource } from '../sts/assumeRole';
import { UserError } from '../userError';
import type { AgentAccessSettings } from './agentPlan';
import { type AgentIdentity, agentSession } from './agentSession';
import type { WriteGrants } from './grants';

/** Agent credentials are issued again this long before they end (they live 15 minutes). */
export const AGENT_REISSUE_MARGIN_MS = 5 * 60 * 1000;

export interface AgentIdentitiesDeps {
  settings: () => AgentAccessSettings;
  /** The role behind the person's identity (the active role, or a pinned terminal's); undefined for a lease. */
  roleOf: (person: Identity) => RoleEntry | undefined;
  /** What the person's own AssumeRole uses: the config, the STS settings, the cache holding the MFA sessions. */
  assumeOptions: () => Promise<AssumeOptions>;
  log: (line: string) => void;
  now?: () => number;
}

interface Issued {
  identity: Identity;
  agent: AgentIdentity;
}

/** One issue of agent credentials, for the record the person sees (names and times, never a secret). */
export interface AgentIssue {
  agent: string;
  /** The ARN STS gave the agent's session. */
  arn?: string;
  /** The role it is a session of. */
  roleArn?: string;
  /** Issued without the read-only session policy, under a write grant. */
  write: boolean;
  at: number;
  expiresAt?: number;
}

/** What a write grant is for: the account and the role's name (a Vault or Identity Center identity: its label). */
export function writeTarget(person: Identity, role: RoleEntry | undefined): { accountId: string; role: string } {
  return { accountId: role?.accountId ?? person.accountId ?? '', role: role?.name ?? person.label };
}

export class AgentIdentities {
  /** Per agent, role and settings: the issue in flight or done (one AssumeRole for parallel requests). */
  private readonly issued = new Map<string, Promise<Issued>>();
  /** Roles whose trust policy refused SourceIdentity: their reissues ask without it. */
  private readonly noSourceIdentity = new Set<string>();

  private grants: WriteGrants | undefined;
  private readonly listeners = new Set<(issue: AgentIssue) => void>();

  constructor(private readonly deps: AgentIdentitiesDeps) {}

  /**
   * Write grants decide from now on: an agent holding one for the person's role gets the role without the session
   * policy. A grant that starts drops the agent's read-only session, one that ends (expiry, End, Clear, a switch)
   * its write session, so the next request of the agent gets what it may have now.
   */
  useGrants(grants: WriteGrants): { dispose(): void } {
    this.grants = grants;
    const subscription = grants.onDidChange((grant) => {
      if (grant.state === 'approved' || grant.state === 'ended') this.forgetAgent(grant.agent);
    });
    return {
      dispose: () => {
        subscription.dispose();
        if (this.grants === grants) this.grants = undefined;
      },
    };
  }

  /** Each issue of agent credentials, as it happens. */
  onDidIssue(listener: (issue: AgentIssue) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The endpoint's agentIdentity hook: the agent's identity for `person`, or the one sentence why it gets none. */
  async identityFor(agent: string, person: Identity): Promise<Identity | AgentRefusal> {
    const settings = this.deps.settings();
    const role = this.deps.roleOf(person);
    const write = this.writeGranted(agent, person, role);
    const key = JSON.stringify([agent, role?.key ?? person.arn ?? person.label, settings, write]);
    const cached = this.issued.get(key);
    if (cached) {
      const kept = await cached.catch(() => undefined);
      if (!kept || this.fresh(kept.identity)) return answer(cached);
      if (this.issued.get(key) === cached) this.issued.delete(key);
    }
    let issue = this.issued.get(key);
    if (!issue) {
      const started = this.issue(agent, person, role, settings, write);
      // A refusal is not kept: the next request tries again (the person may have fixed what it said).
      started.catch(() => this.issued.get(key) === started && this.issued.delete(key));
      this.issued.set(key, started);
      issue = started;
    }
    return answer(issue);
  }

  /** At Clear and at a switch: no agent keeps credentials of a role the person has left. */
  forget(): void {
    this.issued.clear();
  }

  /** Drops what one agent holds: its next request gets a new session, with or without write access. */
  forgetAgent(agent: string): void {
    for (const key of [...this.issued.keys()]) {
      if ((JSON.parse(key) as unknown[])[0] === agent) this.issued.delete(key);
    }
  }

  /** The agent holds a live grant for exactly this account and role (a pinned terminal of another role: no). */
  private writeGranted(agent: string, person: Identity, role: RoleEntry | undefined): boolean {
    const grant = this.grants?.active(agent);
    if (!grant) return false;
    const target = writeTarget(person, role);
    return grant.account.id === target.accountId && grant.role === target.role;
  }

  private fresh(identity: Identity): boolean {
    const end = identity.credentials.expiration?.getTime();
    return end === undefined || end - (this.deps.now?.() ?? Date.now()) > AGENT_REISSUE_MARGIN_MS;
  }

  private async issue(
    agent: string,
    person: Identity,
    role: RoleEntry | undefined,
    settings: AgentAccessSettings,
    write: boolean,
  ): Promise<Issued> {
    // No prompt from a background request: a source that needs a new MFA code is refused (askMfaCode's MfaRequired).
    const sts: AssumeOptions = { ...(await this.deps.assumeOptions()), mfaCode: undefined };
    // A code on every AssumeRole (an MFA role chained from another role): only the account's designated agent role.
    const codeEveryTime = role?.needsMfa === true && role.source?.kind !== 'profile';
    if (codeEveryTime && !settings.roles?.[role.accountId]) {
      throw new UserError(
        `${role.label} needs an MFA code on every AssumeRole, which a background request cannot ask for: set iamSwitchboard.agents.roles for account ${role.accountId} to a role agents may assume.`,
        'AgentMfa',
      );
    }
    const source =
      role && !codeEveryTime ? await roleSource(role, sts).catch((error: unknown) => mfaRefusal(error, agent, role)) : undefined;
    const roleKey = source?.roleArn ?? '';
    const agentIdentity = await agentSession({
      agent,
      person,
      source,
      settings,
      sts,
      withoutSourceIdentity: this.noSourceIdentity.has(roleKey),
      write,
    });
    if (!agentIdentity.sourceIdentitySet) this.noSourceIdentity.add(roleKey);
    const until = agentIdentity.credentials.expiration?.toISOString() ?? 'no expiry';
    this.deps.log(
      `Agent ${agent}: issued ${agentIdentity.arn ?? 'a session'} of ${agentIdentity.roleArn ?? person.label} ${agentIdentity.policyArn ? `with session policy ${agentIdentity.policyArn}` : write ? 'with write access granted by the person (no session policy)' : 'with no session policy'} until ${until}${agentIdentity.sourceIdentitySet ? `, source identity ${agentIdentity.sourceIdentity}` : ", without source identity (the role's trust policy does not allow sts:SetSourceIdentity)"}`,
    );
    const identity: Identity = {
      label: `${agent} (${person.label})`,
      arn: agentIdentity.arn,
      accountId: person.accountId,
      region: person.region,
      credentials: agentIdentity.credentials,
      origin: { kind: 'sts', roleArn: agentIdentity.roleArn ?? '', needsMfa: false },
    };
    const issue: AgentIssue = {
      agent,
      arn: agentIdentity.arn,
      roleArn: agentIdentity.roleArn,
      write,
      at: this.deps.now?.() ?? Date.now(),
      expiresAt: agentIdentity.credentials.expiration?.getTime(),
    };
    this.listeners.forEach((listener) => listener(issue));
    return { identity, agent: agentIdentity };
  }
}

async function answer(issue: Promise<Issued>): Promise<Identity | AgentRefusal> {
  try {
    return (await issue).identity;
  } catch (error) {
    if (error instanceof UserError) return { refused: error.message };
    throw error;
  }
}

/** The MFA session ended: the agent cannot be asked for a code, the person can, in VS Code. */
function mfaRefusal(error: unknown, agent: string, role: RoleEntry): never {
  if (error instanceof UserError && error.code === 'MfaRequired') {
    throw new UserError(
      `${agent} needs a new MFA session for ${role.label}, and a background request cannot ask for a code: assume ${role.label} once in VS Code first, then run the command again.`,
      'AgentMfa',
    );
  }
  throw error;
}
