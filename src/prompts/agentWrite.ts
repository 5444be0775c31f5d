// The extension's own question before an agent may write in AWS: a modal VS Code shows whatever the chat's approval
// mode is ("bypass approvals" skips the chat's confirmations, never this). A production account asks the person to
// type the account's name, so a reflexive Enter cannot allow it.
import * as vscode from 'vscode';
import type { Decision } from '../core/agents/backend';
import type { Grant } from '../core/agents/grants';

export async function askAgentWrite(grant: Grant): Promise<Decision> {
  const { agent, reason, account, role, minutes } = grant;
  const allow = `Allow for ${minutes} minutes`;
  const answer = await vscode.window.showWarningMessage(
    `${agent} asks to write in AWS${account.production ? ' (production account)' : ''}`,
    {
      modal: true,
      detail: [`Reason: ${reason}`, `Account: ${account.name} (${account.id})`, `Role: ${role}`, `For ${minutes} minutes`].join('\n'),
    },
    allow,
  );
  if (answer !== allow) return { allow: false };
  if (!account.production) return { allow: true };
  const typed = await vscode.window.showInputBox({
    title: `${agent}: write access to a production account`,
    prompt: `Type ${account.name} to allow writes in this production account`,
    placeHolder: account.name,
    ignoreFocusOut: true,
  });
  // Escape is a no; a wrong name is refused by the grants with its sentence (GrantingBackend).
  return typed === undefined ? { allow: false } : { allow: true, typed };
}
