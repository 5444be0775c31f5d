// IAM users who manage their own access keys, set up in the local AWS server the way an administrator would grant
// it: an inline policy on arn:aws:iam::*:user/${aws:username}, the writes perhaps only with MFA. Shared by the
// server's tests and the rotation tests.
import type { AwsServer } from '../servers/aws';

export const CENTRAL_ACCOUNT = '111111111111';

export interface TestKey {
  accessKeyId: string;
  secretAccessKey: string;
}

const READS = ['iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed'];
const WRITES = ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:UpdateAccessKey'];
const OWN_USER = 'arn:aws:iam::*:user/${aws:username}';

/** The policy AWS's own examples give users for their keys; `mfa`: the writes only from an MFA session. */
export function manageOwnKeysPolicy(mfa: boolean, actions = WRITES): string {
  const writes = mfa
    ? { Effect: 'Allow', Action: actions, Resource: OWN_USER, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }
    : { Effect: 'Allow', Action: actions, Resource: OWN_USER };
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: READS, Resource: OWN_USER }, writes] });
}

/**
 * A new user of the central account with the key-management policy and one key that works at once (a key a person
 * has had for a while, not one IAM is still propagating). Bob's MFA device is given to users that need MFA.
 */
export function userWithKey(
  server: AwsServer,
  name: string,
  options: { mfa?: boolean; createdDaysAgo?: number; writes?: string[] } = {},
): TestKey {
  const user = server.identities.addUser(CENTRAL_ACCOUNT, name, '/');
  user.inlinePolicies.set('ManageOwnKeys', manageOwnKeysPolicy(options.mfa === true, options.writes));
  if (options.mfa) user.mfaDevices = [{ serialNumber: mfaSerial(name), totpSecret: MFA_SECRET }];
  return addKey(server, name, options.createdDaysAgo);
}

/** Another key of `name` that works at once, e.g. the second one a person made in the console. */
export function addKey(server: AwsServer, name: string, createdDaysAgo = 0): TestKey {
  const user = server.identities.getUser(CENTRAL_ACCOUNT, name)!;
  const record = server.identities.createAccessKey(user);
  record.usableAtMs = 0;
  record.createDate -= createdDaysAgo * 86_400_000;
  return { accessKeyId: record.accessKeyId, secretAccessKey: record.secretAccessKey };
}

export const MFA_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const mfaSerial = (name: string): string => `arn:aws:iam::${CENTRAL_ACCOUNT}:mfa/${name}`;

/** The tests' KeyHolder: a map in memory, with a hook to make `replace` fail. */
export class MemoryKeyHolder {
  readonly keys = new Map<string, TestKey>();
  failReplace: Error | undefined;

  constructor(profile?: string, key?: TestKey) {
    if (profile && key) this.keys.set(profile, key);
  }

  holds(profile: string): boolean {
    return this.keys.has(profile);
  }

  read(profile: string): Promise<TestKey | undefined> {
    return Promise.resolve(this.keys.get(profile));
  }

  replace(profile: string, key: TestKey): Promise<void> {
    if (this.failReplace) return Promise.reject(this.failReplace);
    this.keys.set(profile, key);
    return Promise.resolve();
  }
}
