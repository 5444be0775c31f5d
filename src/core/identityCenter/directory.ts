// What discovery found, in the one shape that may be kept in globalState: names and ids only (no token, no
// credentials), so the next window shows the tree at once and refreshes it in the background. parseDirectory
// rebuilds it field by field from whatever was stored, so nothing else can ride along into the tree or back out.
import { isAccountId } from '../aws/arn';
import { ssoRoleEntry, type RoleEntry } from '../catalog/roleCatalog';

export interface DirectoryAccount {
  id: string;
  name: string;
  email?: string;
  /** Permission set names, sorted. */
  roles: string[];
}

export interface Directory {
  startUrl: string;
  region: string;
  /** RFC 3339: when discovery ran. */
  fetchedAt: string;
  accounts: DirectoryAccount[];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Only the fields above, copied one by one: what goes into globalState. */
export function toCached(directory: Directory): Directory {
  return {
    startUrl: directory.startUrl,
    region: directory.region,
    fetchedAt: directory.fetchedAt,
    accounts: directory.accounts.map((a) => ({ id: a.id, name: a.name, email: a.email, roles: [...a.roles] })),
  };
}

/** A stored directory back, or undefined when it is not one (an older or foreign shape is simply refetched). */
export function parseDirectory(value: unknown): Directory | undefined {
  const v = value as Record<string, unknown> | undefined;
  const startUrl = str(v?.startUrl);
  const region = str(v?.region);
  const fetchedAt = str(v?.fetchedAt);
  if (!startUrl || !region || !fetchedAt || !Array.isArray(v?.accounts)) return undefined;
  const accounts: DirectoryAccount[] = [];
  for (const item of v.accounts as Record<string, unknown>[]) {
    const id = str(item?.id);
    if (!id || !isAccountId(id) || !Array.isArray(item.roles)) continue;
    accounts.push({
      id,
      name: str(item.name) ?? id,
      email: str(item.email),
      roles: item.roles.filter((r): r is string => typeof r === 'string'),
    });
  }
  return { startUrl, region, fetchedAt, accounts };
}

export interface DirectoryCatalog {
  /** For CatalogInput.identityCenterRoles. */
  roles: RoleEntry[];
  /** For CatalogInput.identityCenterAccounts: the account name as alias, the e-mail as label. */
  accounts: { id: string; alias: string; label?: string }[];
}

/**
 * The tree's data: one role per permission set, labelled `<account name>/<permission set>`, for the accounts not
 * hidden (iamSwitchboard setting: ids or names).
 */
export function directoryCatalog(directory: Directory, hidden: readonly string[] = []): DirectoryCatalog {
  const hide = new Set(hidden);
  const roles: RoleEntry[] = [];
  const accounts: DirectoryCatalog['accounts'] = [];
  for (const account of directory.accounts) {
    if (hide.has(account.id) || hide.has(account.name) || account.roles.length === 0) continue;
    accounts.push({ id: account.id, alias: account.name, label: account.email });
    for (const roleName of account.roles) {
      const ref = { startUrl: directory.startUrl, region: directory.region, accountId: account.id, roleName };
      roles.push(ssoRoleEntry(ref, `${account.name}/${roleName}`, 'identityCenter'));
    }
  }
  return { roles, accounts };
}

/** Accounts whose name or id contains the text (any case), for the switcher's filter. */
export function filterAccounts(accounts: DirectoryAccount[], text: string): DirectoryAccount[] {
  const query = text.trim().toLowerCase();
  if (!query) return accounts;
  return accounts.filter((a) => a.id.includes(query) || a.name.toLowerCase().includes(query));
}
