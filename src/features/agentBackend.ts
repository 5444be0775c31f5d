// What answers the agent tools (features/agents.ts): the grants' backend with the person's write-access dialog, in a
// module of its own so that it loads on the first call of a tool, not at activation.
import { GrantingBackend, type GrantingBackendOptions } from '../core/agents/backend';
import { askAgentWrite } from '../prompts/agentWrite';

export function grantingBackend(options: Omit<GrantingBackendOptions, 'decide'>): GrantingBackend {
  return new GrantingBackend({ ...options, decide: askAgentWrite });
}
