// "Grant Write Access to Agents…" asks three questions (agents, minutes, the modal) that wait for the person. A
// switch of role meanwhile must not produce a grant for the role that is no longer active.
import './fakeVscode';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as vscode from 'vscode';
import { registerAgentWriteCommands } from '../../../src/commands/agentWrite';
import type { AgentRoleInfo } from '../../../src/core/agents/backend';
import { WriteGrants } from '../../../src/core/agents/grants';
import { fake, fakeLog } from './fakeVscode';

const dev: AgentRoleInfo = { label: 'dev', accountId: '111111111111', accountName: 'dev', roleName: 'Developer', production: false };
const ops: AgentRoleInfo = { label: 'ops', accountId: '222222222222', accountName: 'ops', roleName: 'Operator', production: false };

/** Runs the command; the person picks claude-code for 15 minutes and allows, while `roles` hands out the active role. */
async function grantWhile(roles: AgentRoleInfo[]): Promise<{ grants: WriteGrants; said: string[] }> {
  const window = vscode.window as unknown as Record<string, unknown>;
  window.showQuickPick = async (items: string[], options: { canPickMany?: boolean }) => (options.canPickMany ? ['claude-code'] : '15');
  const showWarning = window.showWarningMessage;
  window.showWarningMessage = async (_text: string, _options: unknown, allow: string) => allow;
  const grants = new WriteGrants();
  const context = { subscriptions: [] as unknown[] };
  registerAgentWriteCommands(context as never, {
    grants,
    activeRole: async () => roles.shift(),
    seenAgents: () => [],
    log: fakeLog('agentWrite') as never,
  });
  const before = fake.said.length;
  try {
    await fake.commands.get('iamSwitchboard.grantAgentWriteAccess')!();
  } finally {
    window.showWarningMessage = showWarning;
  }
  return { grants, said: fake.said.slice(before) };
}

describe('Grant Write Access to Agents…', () => {
  it('grants on the role active when the person answered', async () => {
    const { grants } = await grantWhile([dev, dev]);
    assert.deepEqual(
      grants.live().map((g) => [g.agent, g.account.id, g.role]),
      [['claude-code', dev.accountId, 'Developer']],
    );
    grants.end('claude-code');
  });

  it('grants nothing, in one sentence, when the active role changed while the person answered', async () => {
    const { grants, said } = await grantWhile([dev, ops]);
    assert.deepEqual(grants.live(), []);
    assert.deepEqual(said, [
      'The active AWS role changed while you answered, so no write access was granted: run Grant Write Access to Agents again.',
    ]);
  });
});
