// What the agent tools (the MCP server, the language model tools) ask the extension, and the one implementation of
// it: write grants from the grants state machine, decided by a person through `decide` (the edge's modal), roles
// and the agent's identity from the edge. No answer here has a field for a key or a token.
import type { Grant, WriteGrants } from './grants';
import { UserError } from '../userError';

/** iamSwitchboard.agents.access: what an agent gets. */
export type AgentAccess = 'readOnly' | 'viewOnly' | 'sameAsMe' | 'none';

/** A role as an agent may see it: names and marks, never credentials. */
export interface AgentRoleInfo {
  label: string;
  accountId: string;
  accountName: string;
  roleName: string;
  production: boolean;
}

export interface AgentWhoami {
  agent: string;
  access: AgentAccess;
  /** The agent's own identity; undefined when it has none (no role active, access none). */
  identity?: { arn?: string; accountId?: string; role?: string };
  /** The live write grant, if any. */
  write?: { account: string; role: string; expiresAt: string };
}

export interface WriteAnswer {
  granted: boolean;
  /** One sentence for the agent: what happened and, when refused, what it can do. */
  message: string;
  expiresAt?: string;
}

/** The extension's side of the agent tools' routes. Methods throw a UserError to refuse with its sentence. */
export interface AgentBackend {
  whoami(agent: string): Promise<AgentWhoami>;
  listRoles(agent: string): Promise<AgentRoleInfo[]>;
  requestWrite(agent: string, request: { reason: string; minutes?: number }): Promise<WriteAnswer>;
  endWrite(agent: string): Promise<{ ended: boolean; message: string }>;
}

/** A person's answer to a write request: Allow (with the account name typed, for production) or Deny. */
export type Decision = { allow: true; typed?: string } | { allow: false };

export interface GrantingBackendOptions {
  grants: WriteGrants;
  access(): AgentAccess;
  /** The roles of the window's catalog. */
  roles(): AgentRoleInfo[];
  /** The role writes would be granted on: the active one; undefined after Clear. */
  activeRole(): AgentRoleInfo | undefined;
  /** The agent's own identity as the endpoint serves it (its ARN names the agent), if it has one. */
  agentIdentity(agent: string): { arn?: string; accountId?: string; role?: string } | undefined;
  /** Asks the person (the edge's own modal, never the chat's confirmation). */
  decide(grant: Grant): Promise<Decision>;
}

export class GrantingBackend implements AgentBackend {
  constructor(private readonly options: GrantingBackendOptions) {}

  async whoami(agent: string): Promise<AgentWhoami> {
    const grant = this.options.grants.active(agent);
    return {
      agent,
      access: this.options.access(),
      identity: this.options.agentIdentity(agent),
      write: grant && { account: grant.account.name, role: grant.role, expiresAt: new Date(grant.expiresAt!).toISOString() },
    };
  }

  async listRoles(): Promise<AgentRoleInfo[]> {
    return this.options.roles().map(({ label, accountId, accountName, roleName, production }) => ({
      label,
      accountId,
      accountName,
      roleName,
      production,
    }));
  }

  async requestWrite(agent: string, request: { reason: string; minutes?: number }): Promise<WriteAnswer> {
    if (this.options.access() === 'none') {
      throw new UserError('Agents get no AWS access in this VS Code window (iamSwitchboard.agents.access is none).', 'AgentAccessNone');
    }
    const role = this.options.activeRole();
    if (!role) {
      throw new UserError('No AWS role is active in VS Code: ask the person to pick one in IAM Switchboard first.', 'NoActiveRole');
    }
    const { grants } = this.options;
    const grant = grants.request({
      agent,
      reason: request.reason,
      account: { id: role.accountId, name: role.accountName, production: role.production },
      role: role.roleName,
      minutes: request.minutes,
    });
    try {
      const decision = await this.options.decide(grant);
      if (decision.allow) grants.approve(grant.id, decision.typed);
      else grants.deny(grant.id);
    } catch (error) {
      // A dismissed modal or a mistyped account name is a no; the request must not stay pending.
      if (grants.get(grant.id)?.state === 'pending') grants.deny(grant.id);
      if (!(error instanceof UserError)) throw error;
      return { granted: false, message: error.message };
    }
    // The grant itself carries its state: a denied one has already left the table.
    return grant.state === 'approved'
      ? {
          granted: true,
          message: `Write access to ${role.accountName}/${role.roleName} granted for ${grant.minutes} minutes.`,
          expiresAt: new Date(grant.expiresAt!).toISOString(),
        }
      : { granted: false, message: 'The person denied write access: continue read-only, or explain why writing is needed.' };
  }

  async endWrite(agent: string): Promise<{ ended: boolean; message: string }> {
    const ended = this.options.grants.end(agent);
    return { ended, message: ended ? 'Write access ended: the agent is read-only again.' : 'The agent held no write access.' };
  }
}
