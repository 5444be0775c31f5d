// iamSwitchboard.agents.*, read as the guardrails are: a workspace may make an agent's access stricter, never
// wider; the designated agent roles and the named session policy decide which credentials an agent gets, so only
// the person's own (machine-scoped) values count.
import { tryParseRoleArn } from '../aws/arn';
import { type Layers, strictest } from '../catalog/guardrails';
import type { AgentAccess, AgentAccessSettings } from './agentPlan';

/** Strictest first: what a workspace may pick over the person's value. */
const ACCESS_ORDER: readonly AgentAccess[] = ['none', 'viewOnly', 'readOnly', 'sameAsMe'];

const POLICY_ARN = /^arn:aws(-cn|-us-gov)?:iam::(aws|\d{12}):policy\/[\w+=,.@/-]{1,512}$/;

/**
 * `access` by layer (the person's value or readOnly, tightened by a workspace or folder); `policyArn` and `roles`
 * from the person's own settings only. Hand-edited values that are not what they must be are left out.
 */
export function agentSettingsFromLayers(access: Layers<unknown>, userPolicyArn: unknown, userRoles: unknown): AgentAccessSettings {
  const settings: AgentAccessSettings = { access: strictest(access, 'readOnly', ACCESS_ORDER) };
  if (typeof userPolicyArn === 'string' && POLICY_ARN.test(userPolicyArn.trim())) settings.policyArn = userPolicyArn.trim();
  const roles = designatedRoles(userRoles);
  if (Object.keys(roles).length > 0) settings.roles = roles;
  return settings;
}

/** `{ "<account id>": "arn:aws:iam::<same id>:role/<name>" }`: entries whose ARN is not a role of that account are dropped. */
function designatedRoles(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const roles: Record<string, string> = {};
  for (const [account, arn] of Object.entries(value as Record<string, unknown>)) {
    if (typeof arn === 'string' && tryParseRoleArn(arn)?.accountId === account) roles[account] = arn.trim();
  }
  return roles;
}
