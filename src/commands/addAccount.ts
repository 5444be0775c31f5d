// Add Account…: an account id (the console's 2222-2222-2222 is fine), a short name, role names or ARNs and the
// profile that assumes them, as one wizard with Back; written to the user's iamSwitchboard.accounts.
import * as vscode from 'vscode';
import { accountIdProblem, normalizeAccountId, roleNameProblem, tryParseRoleArn } from '../core/aws/arn';
import type { AccountSetting } from '../core/catalog/roleCatalog';
import { userValue, writeUserSetting } from '../configuration/writes';
import { runWizard } from '../prompts/multiStepInput';
import type { RoleCatalogStore } from '../store/roleCatalogStore';

interface NewAccount {
  id: string;
  alias: string;
  roles: string[];
  sourceProfile: string;
}

export async function addAccount(catalog: RoleCatalogStore): Promise<void> {
  const { config } = await catalog.get();
  const sources = [...config.profiles.values()].filter((p) => p.roleArn === undefined || p.credentialKind === 'static').map((p) => p.name);
  const state: NewAccount = { id: '', alias: '', roles: [], sourceProfile: 'default' };
  const done = await runWizard<NewAccount>(
    'Add Account',
    [
      {
        kind: 'input',
        prompt: 'The 12-digit AWS account id (dashes are fine)',
        placeholder: '2222-2222-2222',
        value: (s) => s.id,
        validate: (v) => accountIdProblem(v),
        apply: (v, s) => (s.id = normalizeAccountId(v)),
      },
      { kind: 'input', prompt: 'A short name, such as dev or prod (optional)', value: (s) => s.alias, apply: (v, s) => (s.alias = v) },
      {
        kind: 'input',
        prompt: 'Role names or ARNs, separated by commas',
        placeholder: 'ReadOnly, Admin',
        value: (s) => s.roles.join(', '),
        validate: (v, s) => rolesProblem(splitRoles(v), s.id),
        apply: (v, s) => (s.roles = splitRoles(v)),
      },
      {
        kind: 'pick',
        placeholder: 'The profile whose credentials assume these roles',
        items: () => sources.map((label) => ({ label })),
        skip: () => sources.length === 0,
        apply: (item: vscode.QuickPickItem, s) => (s.sourceProfile = item.label),
      },
    ],
    state,
  );
  if (!done) {
    return;
  }
  const entry: AccountSetting = {
    id: done.id,
    roles: done.roles,
    sourceProfile: done.sourceProfile,
    ...(done.alias ? { alias: done.alias } : {}),
  };
  const current = userValue<AccountSetting[]>('accounts') ?? [];
  const merged = current.some((a) => a.id === entry.id)
    ? current.map((a) => (a.id === entry.id ? { ...a, ...entry, roles: [...new Set([...(a.roles ?? []), ...entry.roles])] } : a))
    : [...current, entry];
  await writeUserSetting('accounts', merged);
  vscode.window.setStatusBarMessage(
    `Added account ${done.alias || done.id} with ${done.roles.length} role${done.roles.length === 1 ? '' : 's'}`,
    5000,
  );
}

function splitRoles(text: string): string[] {
  return text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
}

/** Refuses names IAM would refuse; warns (without blocking) about an ARN of another account. */
function rolesProblem(roles: string[], accountId: string): string | vscode.InputBoxValidationMessage | undefined {
  if (!roles.length) {
    return 'Enter at least one role name, such as ReadOnly.';
  }
  for (const role of roles) {
    if (role.startsWith('arn:')) {
      if (!tryParseRoleArn(role)) {
        return `'${role}' is not a role ARN (arn:aws:iam::<account>:role/<name>).`;
      }
      continue;
    }
    const problem = roleNameProblem(role);
    if (problem) {
      return problem;
    }
  }
  const foreign = roles.map((r) => tryParseRoleArn(r)).find((arn) => arn && arn.accountId !== accountId);
  return foreign
    ? {
        message: `${foreign.arn} is in account ${foreign.accountId}, not ${accountId}: it will be listed under its own account.`,
        severity: vscode.InputBoxValidationSeverity.Warning,
      }
    : undefined;
}
