// The credential endpoint's agent identity provider: for an agent's request, its own narrower session of the
// person's role (agentSession), kept per agent and role until 5 minutes before it ends, forgotten at every change of
// the window's session so an agent never keeps a previous role. It never asks the person anything: a background
// request that would need an MFA code is refused with a sentence saying what to do.
import type { RoleEntry } from '../catalog/roleCatalog';
import type { AgentRefusal } from '../endpoint/server';
import type { Identity } from '../session';
import type { AssumeOptions } from '../sts/assumeRole';
import { roleSource } from '../sts/assumeRole';
import { UserError } from '../userError';
import type { AgentAccessSettings } from './agentPlan';
import { type AgentIdentity, agentSession } from './agentSession';

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

export class AgentIdentities {
  /** Per agent, role and settings: the issue in flight or done (one AssumeRole for parallel requests). */
  private readonly issued = new Map<string, Promise<Issued>>();
  /** Roles whose trust policy refused SourceIdentity: their reissues ask without it. */
  private readonly noSourceIdentity = new Set<string>();

  constructor(private readonly deps: AgentIdentitiesDeps) {}

  /** The endpoint's agentIdentity hook: the agent's identity for `person`, or the one sentence why it gets none. */
  async identityFor(agent: string, person: Identity): Promise<Identity | AgentRefusal> {
    const settings = this.deps.settings();
    const role = this.deps.roleOf(person);
    const key = JSON.stringify([agent, role?.key ?? person.arn ?? person.label, settings]);
    const cached = this.issued.get(key);
    if (cached) {
      const kept = await cached.catch(() => undefined);
      if (!kept || this.fresh(kept.identity)) return answer(cached);
      if (this.issued.get(key) === cached) this.issued.delete(key);
    }
    let issue = this.issued.get(key);
    if (!issue) {
      const started = this.issue(agent, person, role, settings);
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

  private fresh(identity: Identity): boolean {
    const end = identity.credentials.expiration?.getTime();
    return end === undefined || end - (this.deps.now?.() ?? Date.now()) > AGENT_REISSUE_MARGIN_MS;
  }

  private async issue(agent: string, person: Identity, role: RoleEntry | undefined, settings: AgentAccessSettings): Promise<Issued> {
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
    });
    if (!agentIdentity.sourceIdentitySet) this.noSourceIdentity.add(roleKey);
    const until = agentIdentity.credentials.expiration?.toISOString() ?? 'no expiry';
    this.deps.log(
      `Agent ${agent}: issued ${agentIdentity.arn ?? 'a session'} of ${agentIdentity.roleArn ?? person.label} with session policy ${agentIdentity.policyArn ?? 'none'} until ${until}${agentIdentity.sourceIdentitySet ? `, source identity ${agentIdentity.sourceIdentity}` : ", without source identity (the role's trust policy does not allow sts:SetSourceIdentity)"}`,
    );
    const identity: Identity = {
      label: `${agent} (${person.label})`,
      arn: agentIdentity.arn,
      accountId: person.accountId,
      region: person.region,
      credentials: agentIdentity.credentials,
      origin: { kind: 'sts', roleArn: agentIdentity.roleArn ?? '', needsMfa: false },
    };
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
