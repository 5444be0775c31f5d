// The agent tools as VS Code language model tools: their names in package.json (contributes.languageModelTools,
// whose schemas a test holds equal to the MCP server's AGENT_TOOLS) and one call of the backend per tool, in process.
// No MCP SDK here: the extension loads this file.
import type { AgentBackend } from './backend';
import { UserError } from '../userError';

/** package.json's tool name for each MCP tool name. */
export const LM_TOOL_NAMES = {
  whoami: 'iamSwitchboard_whoami',
  list_roles: 'iamSwitchboard_listRoles',
  request_write_access: 'iamSwitchboard_requestWriteAccess',
  end_write_access: 'iamSwitchboard_endWriteAccess',
} as const;

export type AgentToolName = keyof typeof LM_TOOL_NAMES;

/** What a tool answers the model: JSON of the backend's answer, or the one sentence of its refusal. */
export async function callAgentTool(backend: AgentBackend, agent: string, tool: AgentToolName, input: unknown): Promise<string> {
  try {
    return withheldIfSecret(JSON.stringify(await dispatch(backend, agent, tool, (input ?? {}) as Record<string, unknown>), null, 2));
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
}

function dispatch(backend: AgentBackend, agent: string, tool: AgentToolName, input: Record<string, unknown>): Promise<unknown> {
  switch (tool) {
    case 'whoami':
      return backend.whoami(agent);
    case 'list_roles':
      return backend.listRoles(agent);
    case 'request_write_access': {
      const { reason, minutes } = input;
      if (typeof reason !== 'string' || (minutes !== undefined && typeof minutes !== 'number')) {
        throw new UserError('A write request needs a reason (text) and may give minutes (a number).', 'BadRequest');
      }
      return backend.requestWrite(agent, { reason, minutes });
    }
    case 'end_write_access':
      return backend.endWrite(agent);
  }
}

/** Defense in depth, as the MCP server does: an answer that looks like it holds a key or token never reaches a model. */
function withheldIfSecret(text: string): string {
  return /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|iamsb[fpxa]_/.test(text)
    ? 'IAM Switchboard withheld this answer: it looked like it held a credential.'
    : text;
}
