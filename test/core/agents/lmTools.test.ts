// The language model tools are the MCP server's tools under VS Code's names: package.json declares each of
// AGENT_TOOLS once, with the same input schema and description, so the two never drift apart; and the in-process
// call answers the backend's JSON or its refusal's sentence, withholding anything shaped like a key or token.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { AgentBackend } from '../../../src/core/agents/backend';
import { callAgentTool, LM_TOOL_NAMES } from '../../../src/core/agents/lmTools';
import { AGENT_TOOLS } from '../../../src/core/agents/mcpServer';
import { UserError } from '../../../src/core/userError';

const ROOT = path.resolve(__dirname, '../../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: {
    languageModelTools: { name: string; modelDescription: string; displayName: string; inputSchema: unknown }[];
    mcpServerDefinitionProviders: { id: string; label: string }[];
  };
};

describe('the language model tools in package.json', () => {
  it('are exactly the MCP tools, with their schemas and descriptions', () => {
    const declared = manifest.contributes.languageModelTools.map((t) => [t.name, t.displayName, t.modelDescription, t.inputSchema]);
    const expected = AGENT_TOOLS.map((t) => [LM_TOOL_NAMES[t.name as keyof typeof LM_TOOL_NAMES], t.title, t.description, t.inputSchema]);
    assert.deepEqual(declared, expected);
  });

  it('offer the MCP server through one definition provider, the one features/agents.ts registers', () => {
    assert.deepEqual(manifest.contributes.mcpServerDefinitionProviders, [{ id: 'iamSwitchboard.agentTools', label: 'IAM Switchboard' }]);
  });
});

describe('callAgentTool', () => {
  const backend = (whoami: AgentBackend['whoami']): AgentBackend => ({
    whoami,
    listRoles: async () => [],
    requestWrite: async (_agent, request) => ({ granted: false, message: `asked: ${request.reason} ${request.minutes}` }),
    endWrite: async () => ({ ended: false, message: 'none' }),
  });

  it('answers JSON, a refusal as its sentence, and passes the write request on', async () => {
    const ok = backend(async (agent) => ({ agent, access: 'readOnly' }));
    assert.deepEqual(JSON.parse(await callAgentTool(ok, 'copilot', 'whoami', {})), { agent: 'copilot', access: 'readOnly' });
    const refusing = backend(async () => {
      throw new UserError('No AWS role is active in VS Code.', 'NoActiveRole');
    });
    assert.equal(await callAgentTool(refusing, 'copilot', 'whoami', {}), 'No AWS role is active in VS Code.');
    assert.equal(
      JSON.parse(await callAgentTool(ok, 'copilot', 'request_write_access', { reason: 'tag', minutes: 5 })).message,
      'asked: tag 5',
    );
    assert.match(await callAgentTool(ok, 'copilot', 'request_write_access', { minutes: 5 }), /needs a reason/);
  });

  it('withholds an answer that looks like it holds a key', async () => {
    const leaking = backend(async (agent) => ({ agent, access: 'readOnly', identity: { arn: 'ASIAFAKE000000000001' } }));
    assert.match(await callAgentTool(leaking, 'copilot', 'whoami', {}), /withheld/);
  });
});
