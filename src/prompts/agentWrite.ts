// The extension's own question before an agent may write in AWS: a modal VS Code shows whatever the chat's approval
// mode is ("bypass approvals" skips the chat's confirmations, never this). Asked for an agent's request and for the
// person's own grant alike, so both show the agent, the reason, the account, the role and the duration. A production
// account asks the person to type the account's name, so a reflexive Enter cannot allow it.
import * as vscode from 'vscode';
import type { Decision } from '../core/agents/backend';
import type { Grant } from '../core/agents/grants';

/** What the modal shows: the agents, why, where and for how long; `asked` when an agent asked (not the person). */
export interface WriteQuestion extends Pick<Grant, 'reason' | 'account' | 'role' | 'minutes'> {
  agents: string[];
  asked: boolean;
}

export function askAgentWrite(grant: Grant): Promise<Decision> {
  return askWrite({ ...grant, agents: [grant.agent], asked: true });
}

export async function askWrite({ agents, asked, reason, account, role, minutes }: WriteQuestion): Promise<Decision> {
  const who = agents.join(', ');
  const allow = `Allow for ${minutes} minutes`;
  const production = account.production ? ' (production account)' : '';
  const answer = await vscode.window.showWarningMessage(
    asked ? `${who} asks to write in AWS${production}` : `Let ${who} write in AWS${production}?`,
    {
      modal: true,
      detail: [`Reason: ${reason}`, `Account: ${account.name} (${account.id})`, `Role: ${role}`, `For ${minutes} minutes`].join('\n'),
    },
    allow,
  );
  if (answer !== allow) return { allow: false };
  if (!account.production) return { allow: true };
  const typed = await vscode.window.showInputBox({
    title: `${who}: write access to a production account`,
    prompt: `Type ${account.name} to allow writes in this production account`,
    placeHolder: account.name,
    ignoreFocusOut: true,
  });
  // Escape is a no; a wrong name is refused by the grants with its sentence.
  return typed === undefined ? { allow: false } : { allow: true, typed };
}
