// The Switch Role quick pick: the active role marked, recently used first under their own heading, an
// "Assume this ARN…" entry when the typed text is a role ARN that is not listed (or what is wrong with a typed
// ARN that is not one), production roles marked with a flame, and "Clear credentials".
import * as vscode from 'vscode';
import { isAccountId, tryParseRoleArn } from '../core/aws/arn';
import { type Catalog, orderByRecent, type RoleEntry } from '../core/catalog/roleCatalog';
import { UserError } from '../core/userError';

type Item = vscode.QuickPickItem & { role?: RoleEntry; arn?: string; clear?: true };

interface PickContext {
  recent: string[];
  active: RoleEntry | undefined;
  hasSession: boolean;
  /** Builds a role for an ARN that the catalog does not list. */
  roleForArn: (arn: string) => RoleEntry | undefined;
  /** Whether a role is production (store/guardrails.ts), for the same flame the tree shows. */
  isProduction?: (role: RoleEntry) => boolean;
}

/** The role picked, 'clear', or undefined when the person dismissed the pick. */
export async function pickRole(catalog: Catalog, context: PickContext): Promise<RoleEntry | 'clear' | undefined> {
  if (!catalog.roles.length) {
    throw new UserError('No roles yet: add profiles with a role_arn to ~/.aws/config, or run "Add Account…".', 'NoRoles');
  }
  const base = roleItems(catalog, context);
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = 'Switch Role';
  pick.placeholder = 'Role, account or ARN (paste any role ARN to assume it)';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = base;
  const listed = new Set(catalog.roles.map((r) => r.arn));
  pick.onDidChangeValue((value) => {
    const parsed = tryParseRoleArn(value);
    // alwaysShow keeps the entry visible although the filter text matches none of its words exactly
    if (parsed && !listed.has(parsed.arn)) {
      pick.items = [
        { label: 'Assume this ARN…', iconPath: new vscode.ThemeIcon('add'), description: parsed.arn, arn: parsed.arn, alwaysShow: true },
        ...base,
      ];
    } else if (!parsed && /^\s*arn:/.test(value)) {
      pick.items = [notAnArn(value), ...base];
    } else {
      pick.items = base;
    }
  });
  const chosen = await new Promise<Item | undefined>((resolve) => {
    // Enter on the "not a role ARN" line, or on an empty list, keeps the pick open: the text is there to fix.
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0];
      if (item && (item.role || item.arn || item.clear)) resolve(item);
    });
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (chosen?.clear) {
    return 'clear';
  }
  return chosen?.role ?? (chosen?.arn ? context.roleForArn(chosen.arn) : undefined);
}

/** What is wrong with a typed ARN, as the line the person sees instead of an empty list. */
function notAnArn(value: string): Item {
  const account = /^arn:[a-z-]+:iam::([^:]*):role\//.exec(value.trim())?.[1];
  return {
    label: 'Not a role ARN: fix the text to assume it',
    iconPath: new vscode.ThemeIcon('warning'),
    detail:
      account !== undefined && !isAccountId(account)
        ? `The account id '${account}' is not 12 digits.`
        : 'A role ARN reads arn:aws:iam::<12-digit account>:role/<name>.',
    alwaysShow: true,
  };
}

function roleItems(catalog: Catalog, context: PickContext): Item[] {
  const aliases = new Map(catalog.accounts.map((a) => [a.id, a.alias]));
  const recentKeys = new Set(context.recent);
  const ordered = orderByRecent(catalog.roles, context.recent);
  const items: Item[] = [];
  let section: 'recent' | 'all' | undefined;
  for (const role of ordered) {
    const inRecent = recentKeys.has(role.key) || recentKeys.has(role.arn);
    const wanted = inRecent ? 'recent' : 'all';
    if (wanted !== section) {
      section = wanted;
      items.push({ label: wanted === 'recent' ? 'recently used' : 'all roles', kind: vscode.QuickPickItemKind.Separator });
    }
    const isActive = context.active?.key === role.key;
    const production = context.isProduction?.(role) ?? false;
    items.push({
      label: role.label,
      iconPath: production
        ? new vscode.ThemeIcon('flame', new vscode.ThemeColor('errorForeground'))
        : new vscode.ThemeIcon(isActive ? 'pass-filled' : role.needsMfa ? 'lock' : 'person'),
      description: [
        isActive ? 'active' : undefined,
        production ? 'production' : undefined,
        aliases.get(role.accountId) ?? role.accountId,
        role.name,
        role.needsMfa ? 'MFA' : undefined,
      ]
        .filter(Boolean)
        .join(' · '),
      // An Identity Center role's ARN is only nominal: its account id and instance say more (and match the filter).
      detail: role.sso ? `IAM Identity Center · account ${role.accountId} · ${role.sso.startUrl}` : role.arn,
      role,
    });
  }
  if (context.hasSession) {
    items.push(
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: 'Clear credentials', iconPath: new vscode.ThemeIcon('close'), description: 'terminals lose the active role', clear: true },
    );
  }
  return items;
}
