// An AI agent's own AWS identity: an AssumeRole of the active role (or of the account's designated agent role)
// with a session policy, so AWS itself refuses the agent's writes; named `agent-<agent>-<person>` in the ARN, and
// with a SourceIdentity where the role's trust policy allows one. Core only: the edge decides when to call it.
import type { AwsCallContext } from '../aws/errors';
import type { AwsCredentials } from '../session';
import type { StsCache, StsSettings } from '../sts/assumeRole';
import { send } from '../sts/clients';
import { UserError } from '../userError';
import { AGENT_SESSION_SECONDS, type AgentAccess, type AgentPlanInput, planAgentSession } from './agentPlan';

export { type AgentAccess, type AgentAccessSettings, AGENT_ACCESS_VALUES } from './agentPlan';

export interface AgentSessionRequest extends AgentPlanInput {
  /**
   * The previous agent session of this role came back with sourceIdentitySet=false: ask without SourceIdentity at
   * once, so each 15-minute refresh costs one AssumeRole, not a refused one and a second.
   */
  withoutSourceIdentity?: boolean;
  sts: StsSettings & { cache?: StsCache; signal?: AbortSignal; log?: (line: string) => void };
}

export interface AgentIdentity {
  access: AgentAccess;
  credentials: AwsCredentials;
  /** The ARN STS gave the agent's session: `…:assumed-role/<Role>/agent-<agent>-<person>`; the person's for sameAsMe. */
  arn?: string;
  /** The role assumed for the agent, and the managed session policy that narrows it (absent for sameAsMe). */
  roleArn?: string;
  policyArn?: string;
  /** The agent session is of the account's designated agent role, not of the active role. */
  designated: boolean;
  /**
   * False when the role's trust policy does not allow sts:SetSourceIdentity and the session was made without it:
   * CloudTrail then knows the agent by its session name only (the edge says so once).
   */
  sourceIdentitySet: boolean;
  sourceIdentity?: string;
  /** How much of AWS's packed session-policy space the policy used, in per cent. */
  packedPolicySize?: number;
}

/**
 * The agent's credentials for `agent` under the person's active identity. Throws UserError with one sentence:
 * `none`, an identity with no way to narrow it, or STS refusing (never quoting what STS said).
 */
export async function agentSession(request: AgentSessionRequest): Promise<AgentIdentity> {
  const plan = planAgentSession(request);
  if (plan.kind === 'same') {
    return {
      access: request.settings.access,
      credentials: request.person.credentials,
      arn: request.person.arn,
      designated: false,
      sourceIdentitySet: false,
    };
  }
  const attempt = (sourceIdentity: string | undefined) => {
    request.sts.log?.(
      `AssumeRole ${plan.roleArn} for agent ${request.agent} as '${plan.sessionName}' ${plan.policyArn ? `with session policy ${plan.policyArn}` : 'with write access (no session policy)'}${sourceIdentity ? ` and source identity ${sourceIdentity}` : ''}`,
    );
    return callAssumeRole(request, plan, sourceIdentity);
  };
  const withoutSourceIdentity = () =>
    attempt(undefined).catch((error: unknown) => {
      throw agentError(error, request.agent, plan.roleArn);
    });
  if (request.withoutSourceIdentity) return identityOf(request, plan, await withoutSourceIdentity(), false);
  let sourceIdentitySet = true;
  let answer: AssumeAnswer;
  try {
    answer = await attempt(plan.sourceIdentity);
  } catch (error) {
    if (!(error instanceof UserError) || error.code !== 'AccessDenied') throw agentError(error, request.agent, plan.roleArn);
    // AWS answers the same AccessDenied when only sts:SetSourceIdentity is missing from the trust policy. The one
    // retry differs from the first call by SourceIdentity alone: any other refusal fails it too and is reported.
    answer = await withoutSourceIdentity();
    sourceIdentitySet = false;
  }
  return identityOf(request, plan, answer, sourceIdentitySet);
}

function identityOf(request: AgentSessionRequest, plan: AssumePlan, answer: AssumeAnswer, sourceIdentitySet: boolean): AgentIdentity {
  return {
    access: request.settings.access,
    credentials: answer.credentials,
    arn: answer.arn,
    roleArn: plan.roleArn,
    policyArn: plan.policyArn,
    designated: plan.designated,
    sourceIdentitySet,
    sourceIdentity: sourceIdentitySet ? plan.sourceIdentity : undefined,
    packedPolicySize: answer.packedPolicySize,
  };
}

interface AssumeAnswer {
  credentials: AwsCredentials;
  arn?: string;
  packedPolicySize?: number;
}

type AssumePlan = Extract<ReturnType<typeof planAgentSession>, { kind: 'assume' }>;

async function callAssumeRole(request: AgentSessionRequest, plan: AssumePlan, sourceIdentity: string | undefined): Promise<AssumeAnswer> {
  const { sts } = request;
  const ctx: AwsCallContext = {
    action: 'AssumeRole',
    roleArn: plan.roleArn,
    source: plan.source.description,
    endpoint: sts.endpoint,
    timeoutMs: sts.timeoutMs,
    durationSeconds: AGENT_SESSION_SECONDS,
  };
  const response = await send(
    sts,
    plan.source.credentials,
    ctx,
    (client, abortSignal, sdk) =>
      client.send(
        new sdk.AssumeRoleCommand({
          RoleArn: plan.roleArn,
          RoleSessionName: plan.sessionName,
          DurationSeconds: AGENT_SESSION_SECONDS,
          ExternalId: plan.externalId,
          PolicyArns: plan.policyArn ? [{ arn: plan.policyArn }] : undefined,
          SourceIdentity: sourceIdentity,
        }),
        { abortSignal },
      ),
    sts.cache?.clients,
  );
  const c = response.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) {
    throw new UserError(
      `STS answered the agent's AssumeRole for ${plan.roleArn} without credentials: try again, and check the endpoint if it persists.`,
      'NoCredentials',
    );
  }
  return {
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration },
    arn: response.AssumedRoleUser?.Arn,
    packedPolicySize: response.PackedPolicySize,
  };
}

/**
 * The refusals that concern agents get their own sentence (STS's own text, which can quote the policy, goes to the
 * log detail only); network, expiry and endpoint faults keep the STS path's sentence, which names no server text.
 */
function agentError(error: unknown, agent: string, roleArn: string): UserError {
  if (!(error instanceof UserError)) return new UserError(`Could not make AWS credentials for ${agent}: try again.`, 'AgentSession');
  const say = (message: string) => new UserError(message, error.code, error.detail);
  switch (error.code) {
    case 'AccessDenied':
      return say(
        `AWS refused ${agent} a session of ${roleArn}: the role's trust policy must let the person's credentials assume it again, or set iamSwitchboard.agents.roles for its account to a role agents may assume.`,
      );
    case 'ValidationError':
    case 'MalformedPolicyDocument':
    case 'MalformedPolicyDocumentException':
      return say(
        `AWS refused the session policy for ${agent} on ${roleArn}: check iamSwitchboard.agents.policyArn names a managed policy.`,
      );
    case 'PackedPolicyTooLarge':
      return say(`AWS found the session policy for ${agent} on ${roleArn} too large once packed: name a smaller managed policy.`);
    default:
      return error;
  }
}
