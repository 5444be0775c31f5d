// The person's own commands for agents' write access: grant it (to agents that have not asked, for a while) and end
// it (one agent's from the view's row, or every agent's from the status bar). A grant is asked in the extension's
// modal, as an agent's request is.
import * as vscode from 'vscode';
import type { Grant, WriteGrants } from '../core/agents/grants';
import type { AgentRoleInfo } from '../core/agents/backend';
import { UserError } from '../core/userError';
import { askWrite } from '../prompts/agentWrite';

/** The agents offered when none has asked yet: VS Code's own and the CLI agents the markers know. */
const KNOWN_AGENTS = ['copilot', 'claude-code', 'cursor', 'codex', 'gemini-cli', 'kiro'];

export interface AgentWriteCommandDeps {
  grants: WriteGrants;
  /** The role writes would be granted on, loaded; undefined after Clear. */
  activeRole(): Promise<AgentRoleInfo | undefined>;
  /** Agents that got credentials in this window, newest first. */
  seenAgents(): string[];
  log: vscode.LogOutputChannel;
}

export function registerAgentWriteCommands(context: vscode.ExtensionContext, deps: AgentWriteCommandDeps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('iamSwitchboard.grantAgentWriteAccess', () => grantWrite(deps)),
    vscode.commands.registerCommand('iamSwitchboard.endAgentWriteAccess', (node?: { kind: string; grant?: Grant }) => {
      const agents = node?.grant ? [node.grant.agent] : [...new Set(deps.grants.live().map((g) => g.agent))];
      agents.forEach((agent) => deps.grants.end(agent));
    }),
  );
}

async function grantWrite(deps: AgentWriteCommandDeps): Promise<void> {
  const role = await deps.activeRole();
  if (!role) {
    void vscode.window.showInformationMessage('No AWS role is active: assume one first, then grant agents write access to it.');
    return;
  }
  const agents = await vscode.window.showQuickPick([...new Set([...deps.seenAgents(), ...KNOWN_AGENTS])], {
    title: `Grant write access in ${role.accountName}/${role.roleName} to`,
    canPickMany: true,
    ignoreFocusOut: true,
  });
  if (!agents?.length) return;
  const minutes = await vscode.window.showQuickPick(['15', '30', '60'], { title: 'For how many minutes?', ignoreFocusOut: true });
  if (!minutes) return;
  const reason = 'granted by the person in VS Code';
  const account = { id: role.accountId, name: role.accountName, production: role.production };
  // The same modal an agent's request gets (and the typed name in production): a grant is never one stray click.
  const decision = await askWrite({ agents, asked: false, reason, account, role: role.roleName, minutes: Number(minutes) });
  if (!decision.allow) return;
  // The questions above wait for the person: after a switch meanwhile, this grant would be for a role no longer active.
  const still = await deps.activeRole();
  if (still?.accountId !== role.accountId || still.roleName !== role.roleName) {
    void vscode.window.showErrorMessage(
      'The active AWS role changed while you answered, so no write access was granted: run Grant Write Access to Agents again.',
    );
    return;
  }
  for (const agent of agents) {
    try {
      const grant = deps.grants.request({
        agent,
        reason,
        account,
        role: role.roleName,
        minutes: Number(minutes),
      });
      try {
        deps.grants.approve(grant.id, decision.typed);
      } catch (error) {
        deps.grants.deny(grant.id);
        throw error;
      }
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      void vscode.window.showErrorMessage(error.message);
      return;
    }
  }
}
