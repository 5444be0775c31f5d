// Who the local IAM Identity Center knows: its start URL's directory (people who sign in on the verification
// page), the accounts of the organisation, and which permission sets each person has in which account.

export interface SsoUser {
  userName: string;
  password: string;
  /** accountId → permission set names, in the order the portal lists them. */
  assignments: Record<string, string[]>;
}

export interface SsoAccount {
  accountId: string;
  accountName: string;
  emailAddress: string;
}

export interface SsoWorld {
  accounts: SsoAccount[];
  users: SsoUser[];
}

export const PERMISSION_SETS = ['AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess'] as const;

/**
 * The demo organisation: the three accounts of the STS world (central, dev, prod) and three more. alice has
 * several permission sets almost everywhere; bob only reads. Passwords are for the local server only.
 */
export const DEMO_SSO_WORLD: SsoWorld = {
  accounts: [
    { accountId: '111111111111', accountName: 'central', emailAddress: 'aws-central@example.com' },
    { accountId: '222222222222', accountName: 'dev', emailAddress: 'aws-dev@example.com' },
    { accountId: '333333333333', accountName: 'prod', emailAddress: 'aws-prod@example.com' },
    { accountId: '444444444444', accountName: 'staging', emailAddress: 'aws-staging@example.com' },
    { accountId: '555555555555', accountName: 'security', emailAddress: 'aws-security@example.com' },
    { accountId: '666666666666', accountName: 'sandbox', emailAddress: 'aws-sandbox@example.com' },
  ],
  users: [
    {
      userName: 'alice',
      password: 'alice-sso-password',
      assignments: {
        '111111111111': ['AdministratorAccess', 'ReadOnlyAccess'],
        '222222222222': ['AdministratorAccess', 'PowerUserAccess', 'ReadOnlyAccess'],
        '333333333333': ['PowerUserAccess', 'ReadOnlyAccess'],
        '444444444444': ['PowerUserAccess', 'ReadOnlyAccess'],
        '555555555555': ['ReadOnlyAccess'],
        '666666666666': ['AdministratorAccess'],
      },
    },
    {
      userName: 'bob',
      password: 'bob-sso-password',
      assignments: { '222222222222': ['ReadOnlyAccess'], '333333333333': ['ReadOnlyAccess'] },
    },
  ],
};

/** A big organisation for tests and the bench: `count` accounts, every permission set in each, for alice. */
export function generatedWorld(count: number, permissionSets: readonly string[] = PERMISSION_SETS): SsoWorld {
  const accounts: SsoAccount[] = [];
  const assignments: Record<string, string[]> = {};
  for (let i = 0; i < count; i++) {
    const accountId = String(100000000000 + i * 7919).padStart(12, '0');
    accounts.push({ accountId, accountName: `workload-${String(i).padStart(4, '0')}`, emailAddress: `aws+workload-${i}@example.com` });
    assignments[accountId] = [...permissionSets];
  }
  return { accounts, users: [{ userName: 'alice', password: 'alice-sso-password', assignments }] };
}

/**
 * The name Identity Center gives a permission set's role in each account: `AWSReservedSSO_<set>_<16 hex>`, under
 * the path /aws-reserved/sso.amazonaws.com/. The suffix is stable per permission set, as in AWS.
 */
export function reservedRoleName(permissionSet: string): string {
  let hash = 0x811c9dc5;
  for (const char of permissionSet) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return `AWSReservedSSO_${permissionSet}_${hash.toString(16).padStart(8, '0')}${((hash ^ 0x5bd1e995) >>> 0).toString(16).padStart(8, '0')}`;
}
