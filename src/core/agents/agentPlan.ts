// What an agent's AWS identity is, decided before any call: the person's own (sameAsMe), nothing (none), or a
// second AssumeRole narrowed by a session policy, of the active role or of the role the person designated for
// agents in that account. Pure: agentSession.ts makes the call.
import { callerName, tryParseRoleArn } from '../aws/arn';
import type { AwsCredentials, Identity } from '../session';
import type { RoleSource } from '../sts/assumeRole';
import { UserError } from '../userError';

export type AgentAccess = 'readOnly' | 'viewOnly' | 'sameAsMe' | 'none';

export const AGENT_ACCESS_VALUES: readonly AgentAccess[] = ['readOnly', 'viewOnly', 'sameAsMe', 'none'];

/** iamSwitchboard.agents.*: how much an agent may do, and the roles designated for agents per account. */
export interface AgentAccessSettings {
  access: AgentAccess;
  /** A managed policy the person names instead of ReadOnlyAccess / ViewOnlyAccess. */
  policyArn?: string;
  /** Account id → ARN of a role agents assume there when the active identity cannot take a session policy. */
  roles?: Record<string, string>;
}

/** Agent credentials live 15 minutes (AWS's minimum) and are issued again while the agent works. */
export const AGENT_SESSION_SECONDS = 900;

export type AgentPlan =
  | { kind: 'same' }
  | {
      kind: 'assume';
      roleArn: string;
      externalId?: string;
      /** Who calls AssumeRole: the active role's source, or the person's own session for a designated role. */
      source: { credentials: AwsCredentials; description: string };
      /** The session policy that narrows the agent; absent while the agent holds a write grant. */
      policyArn?: string;
      sessionName: string;
      sourceIdentity: string;
      /** The designated agent role of the account, not the active role. */
      designated: boolean;
    };

export interface AgentPlanInput {
  /** The agent, as its marker names it: 'claude-code', 'copilot'. */
  agent: string;
  /** The person's active identity. */
  person: Identity;
  /** What may assume the active role again (roleSource); undefined when the identity cannot take a session policy. */
  source?: RoleSource;
  settings: AgentAccessSettings;
  /**
   * The person granted this agent write access (grants.ts) for the role: the session is the role's own, without the
   * read-only session policy. Still the agent's own AssumeRole, named and source-identified as the agent.
   */
  write?: boolean;
}

/** The managed policy of the access setting, in the role's partition (aws-cn and aws-us-gov have their own ARNs). */
export function agentPolicyArn(settings: AgentAccessSettings, roleArn: string): string {
  if (settings.policyArn) return settings.policyArn;
  const partition = tryParseRoleArn(roleArn)?.partition ?? 'aws';
  const name = settings.access === 'viewOnly' ? 'job-function/ViewOnlyAccess' : 'ReadOnlyAccess';
  return `arn:${partition}:iam::aws:policy/${name}`;
}

const clean = (text: string, max: number): string =>
  text
    .replace(/[^\w+=,.@-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max);

/** `agent-claude-code-alice`: 2-64 of [\w+=,.@-], the agent first so the ARN always says it is one. */
export function agentSessionName(agent: string, person: Identity): string {
  const name = clean(agent.toLowerCase(), 24) || 'unknown';
  const who = clean(callerName(person.arn ?? '') ?? '', 64 - 'agent-'.length - name.length - 1);
  return who ? `agent-${name}-${who}` : `agent-${name}`;
}

/** `claude-code@alice`, what CloudTrail records for every call of the session and of roles chained from it. */
export function agentSourceIdentity(agent: string, person: Identity): string {
  const name = clean(agent.toLowerCase(), 24) || 'unknown';
  const who = clean(callerName(person.arn ?? '') ?? '', 64 - name.length - 1);
  return who ? `${name}@${who}` : `agent-${name}`;
}

/** Why an identity cannot take a session policy, for the sentence that says what to set instead. */
function whyNoSessionPolicy(person: Identity): string {
  switch (person.origin.kind) {
    case 'sso':
      return 'an IAM Identity Center permission set';
    case 'vault':
    case 'vaultStatic':
      return 'a Vault lease';
    default:
      return 'a web identity role';
  }
}

export function planAgentSession(input: AgentPlanInput): AgentPlan {
  const { agent, person, source, settings, write } = input;
  if (settings.access === 'none') {
    throw new UserError(
      `AI agents get no AWS credentials because iamSwitchboard.agents.access is 'none': set it to readOnly to let ${agent} read.`,
      'AgentAccessNone',
    );
  }
  if (settings.access === 'sameAsMe') return { kind: 'same' };
  const sessionName = agentSessionName(agent, person);
  const sourceIdentity = agentSourceIdentity(agent, person);
  if (source) {
    const policyArn = write ? undefined : agentPolicyArn(settings, source.roleArn);
    const { credentials, description } = source;
    return {
      kind: 'assume',
      roleArn: source.roleArn,
      externalId: source.externalId,
      source: { credentials, description },
      policyArn,
      sessionName,
      sourceIdentity,
      designated: false,
    };
  }
  const account = person.accountId;
  const designated = account ? settings.roles?.[account] : undefined;
  if (!designated) {
    throw new UserError(
      `${person.label} is ${whyNoSessionPolicy(person)}, which cannot be narrowed for ${agent}: set iamSwitchboard.agents.roles for account ${account ?? 'of this identity'} to a role agents may assume there.`,
      'AgentRoleNeeded',
    );
  }
  if (!tryParseRoleArn(designated) || tryParseRoleArn(designated)?.accountId !== account) {
    throw new UserError(
      `iamSwitchboard.agents.roles names '${designated}' for account ${account}, which is not a role ARN in that account: fix the setting.`,
      'AgentRoleInvalid',
    );
  }
  return {
    kind: 'assume',
    roleArn: designated,
    source: { credentials: person.credentials, description: person.arn ?? person.label },
    policyArn: write ? undefined : agentPolicyArn(settings, designated),
    sessionName,
    sourceIdentity,
    designated: true,
  };
}
