// Discover Roles against the local IAM: the policies of a user and its groups (inline and managed, every page)
// become candidate roles with Deny honoured; missing read rights degrade to one sentence; Try marks the roles.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsConfig, loadAwsConfig } from '../../../src/core/aws/config';
import type { RoleCandidate } from '../../../src/core/discovery/iamPolicy';
import {
  type DiscoveryOptions,
  addToAccountsSetting,
  discoverRoles,
  discoverRolesForProfile,
} from '../../../src/core/discovery/roleDiscovery';
import { selectionAfterTrial, sourceMfaSerial, tryRoles } from '../../../src/core/discovery/roleTrial';
import { StsCache } from '../../../src/core/sts/assumeRole';
import { UserError } from '../../../src/core/userError';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';
import { accountNamesNote } from '../../../src/core/discovery/accountNamesNote';

const KEYS = {
  alice: { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' },
  bob: { accessKeyId: 'AKIALOCALBOB00000001', secretAccessKey: 'bobLocalSecretKey0000000000000000000000B' },
  erin: { accessKeyId: 'AKIALOCALERIN0000001', secretAccessKey: 'erinLocalSecretKey000000000000000000000E' },
  admin: { accessKeyId: 'AKIALOCALVAULT000001', secretAccessKey: 'vaultLocalSecretKey000000000000000000000V' },
};
const BOB_MFA = 'arn:aws:iam::111111111111:mfa/bob';
const BOB_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const PROD = (name: string) => `arn:aws:iam::333333333333:role/${name}`;

let server: AwsServer;
let home: string;
let config: AwsConfig;

const options = (extra: Partial<DiscoveryOptions> = {}): DiscoveryOptions => ({
  endpoint: server.url,
  iamEndpoint: server.url,
  region: 'us-east-1',
  timeoutMs: 5000,
  ...extra,
});

const resources = (candidates: RoleCandidate[]) => candidates.map((c) => c.resource);
const find = (candidates: RoleCandidate[], resource: string) => {
  const found = candidates.find((c) => c.resource === resource);
  assert.ok(found, `no candidate ${resource} in ${resources(candidates).join(', ')}`);
  return found;
};

/** A user made at runtime by the iamAdmin user, with these inline policies. */
async function userWithPolicies(name: string, policies: Record<string, object>) {
  const admin = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: KEYS.admin });
  await admin.send(new CreateUserCommand({ UserName: name }));
  for (const [policyName, document] of Object.entries(policies)) {
    await admin.send(new PutUserPolicyCommand({ UserName: name, PolicyName: policyName, PolicyDocument: JSON.stringify(document) }));
  }
  const { AccessKey } = await admin.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

before(async () => {
  server = await startAwsServer();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'discovery-'));
  const credentials = Object.entries(KEYS)
    .map(([name, k]) => `[${name}]\naws_access_key_id = ${k.accessKeyId}\naws_secret_access_key = ${k.secretAccessKey}\n`)
    .join('\n');
  fs.writeFileSync(path.join(home, 'credentials'), credentials);
  fs.writeFileSync(path.join(home, 'config'), '[profile alice]\nregion = us-east-1\n');
  config = await loadAwsConfig({ configPath: path.join(home, 'config'), credentialsPath: path.join(home, 'credentials') });
});
after(async () => {
  await server.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('discover roles', () => {
  test("alice's user and group policies, inline and managed, give exact roles and patterns; a Deny takes prod Admin away", async () => {
    const found = await discoverRolesForProfile('alice', config, options());
    assert.deepEqual(found.user, { name: 'alice', arn: 'arn:aws:iam::111111111111:user/alice', accountId: '111111111111' });
    assert.deepEqual(found.problems, []);
    assert.equal(found.summary, undefined);
    assert.deepEqual(resources(found.candidates), [
      PROD('Auditor'),
      PROD('BreakGlass'),
      PROD('ReadOnly'),
      'arn:aws:iam::*:role/Dev*',
      'arn:aws:iam::222222222222:role/*',
    ]);
    assert.deepEqual(
      found.candidates.map((c) => c.kind),
      ['role', 'role', 'role', 'pattern', 'pattern'],
    );
    // From the user's attached managed policy, and from the default (v2) version of the group's managed policy.
    assert.deepEqual(
      find(found.candidates, PROD('Auditor')).origins.map((o) => o.label),
      ['managed policy AuditorAccess of user alice'],
    );
    assert.deepEqual(
      find(found.candidates, PROD('BreakGlass')).origins.map((o) => o.label),
      ['managed policy ProdAccess of group ProdReaders'],
    );
    // A group inline policy; the user's Deny of DevAdmin takes part of both patterns.
    const devStar = find(found.candidates, 'arn:aws:iam::*:role/Dev*');
    assert.deepEqual(
      devStar.origins.map((o) => o.label),
      ['inline policy AssumeDevRoles of group Developers'],
    );
    assert.deepEqual(
      devStar.denies.map((d) => [d.resource, d.covers, d.origin.label]),
      [['arn:aws:iam::*:role/DevAdmin', 'part', 'inline policy GuardRails of user alice']],
    );
    assert.equal(find(found.candidates, 'arn:aws:iam::222222222222:role/*').denies[0]?.covers, 'part');
    // Allowed by ProdAccess v2 but denied by GuardRails: IAM's explicit Deny wins.
    assert.deepEqual(resources(found.denied), [PROD('Admin')]);
    assert.equal(found.denied[0].denies[0].origin.label, 'inline policy GuardRails of user alice');
    assert.equal(found.policies.length, 6);
  });

  test('an AWS managed policy attached to the user grants the reads; its inline policy lists prod roles', async () => {
    const found = await discoverRolesForProfile('bob', config, options());
    assert.deepEqual(resources(found.candidates), [PROD('Admin'), PROD('ReadOnly')]);
    assert.deepEqual(found.problems, []);
  });

  test('a user who may not read its group policies gets what it could read and one sentence per missing action', async () => {
    const found = await discoverRoles(KEYS.erin, options());
    // Her own NotResource allow: every role but prod's.
    assert.deepEqual(resources(found.candidates), ['*']);
    assert.deepEqual(found.candidates[0].excluded, ['arn:aws:iam::333333333333:role/*']);
    assert.deepEqual(
      found.problems.map((p) => p.message),
      [
        'Could not read the inline policies of group Contractors: your user lacks iam:ListGroupPolicies.',
        'Could not read the managed policies attached to group Contractors: your user lacks iam:ListAttachedGroupPolicies.',
      ],
    );
    assert.equal(
      found.summary,
      'Some policies could not be read, so roles may be missing: your user lacks iam:ListGroupPolicies and iam:ListAttachedGroupPolicies.',
    );
  });

  test('a user without any IAM read rights ends with sentences naming each missing action and no candidates', async () => {
    const keys = await userWithPolicies('nobody', {});
    const found = await discoverRoles(keys, options());
    assert.deepEqual(found.candidates, []);
    assert.deepEqual(found.problems.map((p) => p.action).sort(), [
      'iam:ListAttachedUserPolicies',
      'iam:ListGroupsForUser',
      'iam:ListUserPolicies',
    ]);
    assert.ok(
      found.problems.every((p) => p.message.startsWith('Could not read the ') && p.message.endsWith(`your user lacks ${p.action}.`)),
    );
  });

  test('every page of a list is read: three inline policies in pages of one', async () => {
    const keys = await userWithPolicies('pager', {
      A1: { Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::222222222222:role/ReadOnly' } },
      A2: { Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: [PROD('ReadOnly'), 'arn:aws:s3:::not-a-role'] }] },
      SelfRead: { Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: 'arn:aws:iam::111111111111:user/pager' }] },
    });
    const log: string[] = [];
    const found = await discoverRoles(keys, options({ pageSize: 1, log: (line) => log.push(line) }));
    assert.deepEqual(resources(found.candidates), ['arn:aws:iam::222222222222:role/ReadOnly', PROD('ReadOnly')]);
    assert.equal(log.filter((l) => l === 'IAM ListUserPolicies').length, 3);
    assert.deepEqual(found.problems, []);
  });

  test("policy variables are filled in with the caller's name, account and id from GetCallerIdentity", async () => {
    const keys = await userWithPolicies('carol', {
      Own: {
        Version: '2012-10-17',
        Statement: {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: ['arn:aws:iam::${aws:PrincipalAccount}:role/${aws:username}-dev', 'arn:aws:iam::*:role/${aws:SourceIp}'],
        },
      },
      SelfRead: { Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: 'arn:aws:iam::111111111111:user/carol' }] },
    });
    const found = await discoverRoles(keys, options());
    assert.deepEqual(resources(found.candidates), ['arn:aws:iam::111111111111:role/carol-dev']);
    assert.deepEqual(
      found.notOffered.map((n) => n.reason),
      ['it uses ${aws:SourceIp}, which has no value before the request is made'],
    );
  });

  test('accounts are named when the user may list the organization: alice sees Central, Development, Production', async () => {
    const found = await discoverRolesForProfile('alice', config, options());
    assert.deepEqual(found.accountNames, { '111111111111': 'Central', '222222222222': 'Development', '333333333333': 'Production' });
    assert.equal(found.accountNamesNote, undefined);
  });

  test('account names follow every ListAccounts page: pages of one give three calls and all names', async () => {
    const keys = await userWithPolicies('orgpager', {
      NameAccounts: { Statement: { Effect: 'Allow', Action: 'organizations:List*', Resource: '*' } },
    });
    const log: string[] = [];
    const found = await discoverRoles(keys, options({ pageSize: 1, log: (line) => log.push(line) }));
    assert.equal(log.filter((l) => l === 'Organizations ListAccounts').length, 3);
    assert.deepEqual(Object.keys(found.accountNames).sort(), ['111111111111', '222222222222', '333333333333']);
    assert.equal(found.accountNames['333333333333'], 'Production');
  });

  test('a user who may not list accounts gets unnamed accounts, a note, and no problem', async () => {
    const found = await discoverRolesForProfile('bob', config, options());
    assert.deepEqual(found.accountNames, {});
    assert.equal(found.accountNamesNote, accountNamesNote('AccessDeniedException'));
    assert.match(found.accountNamesNote!, /management account or a delegated administrator/);
    assert.deepEqual(found.problems, []);
    assert.equal(found.summary, undefined);
    assert.deepEqual(resources(found.candidates), [PROD('Admin'), PROD('ReadOnly')]);
  });

  test('role session credentials are refused with a sentence: discovery reads IAM users', async () => {
    const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: KEYS.alice });
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: PROD('ReadOnly'), RoleSessionName: 'x1' }));
    await assert.rejects(
      discoverRoles({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken }, options()),
      (e: unknown) => e instanceof UserError && e.code === 'NotAnIamUser' && e.message.includes('assumed-role/ReadOnly/x1'),
    );
  });

  test('a wrong secret stops discovery with the key sentence, not a permission problem', async () => {
    await assert.rejects(
      discoverRoles({ ...KEYS.alice, secretAccessKey: 'wrongLocalSecret000000000000000000000000' }, options()),
      (e: unknown) => e instanceof UserError && e.code === 'SignatureDoesNotMatch',
    );
  });
});

describe('try discovered roles', () => {
  const trial = (sourceProfile: string, extra = {}) => ({
    config,
    endpoint: server.url,
    region: 'us-east-1',
    timeoutMs: 5000,
    cache: new StsCache(),
    sourceProfile,
    ...extra,
  });

  test('marks the role that works and the ones whose trust policy refuses the user', async () => {
    const results = await tryRoles([PROD('ReadOnly'), PROD('BreakGlass'), PROD('Auditor')], trial('alice'));
    assert.deepEqual(results, [
      { arn: PROD('ReadOnly'), status: 'works' },
      { arn: PROD('BreakGlass'), status: 'refused', code: 'AccessDenied' },
      { arn: PROD('Auditor'), status: 'refused', code: 'AccessDenied' },
    ]);
  });

  test('with an MFA device, a refused role is tried again with MFA, works after a valid code, and the code is asked once', async () => {
    let asked = 0;
    const mfaCode = async () => {
      asked++;
      return totp(BOB_TOTP);
    };
    const results = await tryRoles([PROD('Admin'), PROD('BreakGlass'), PROD('ReadOnly')], trial('bob', { mfaSerial: BOB_MFA, mfaCode }));
    assert.deepEqual(results, [
      { arn: PROD('Admin'), status: 'works', mfa: true },
      { arn: PROD('BreakGlass'), status: 'refused', code: 'AccessDenied' },
      { arn: PROD('ReadOnly'), status: 'works' },
    ]);
    assert.equal(asked, 1);
  });

  test('tried again with the MFA session cached, the role that needs MFA still works, and no code is asked', async () => {
    const cache = new StsCache();
    let asked = 0;
    const mfaCode = async () => {
      asked++;
      return totp(BOB_TOTP);
    };
    await tryRoles([PROD('Admin')], trial('bob', { mfaSerial: BOB_MFA, mfaCode, cache }));
    const again = await tryRoles([PROD('Admin'), PROD('ReadOnly')], trial('bob', { mfaSerial: BOB_MFA, mfaCode, cache }));
    assert.deepEqual(again, [
      { arn: PROD('Admin'), status: 'works', mfa: true },
      { arn: PROD('ReadOnly'), status: 'works' },
    ]);
    assert.equal(asked, 1, 'the cached MFA session serves the second try');
  });

  test("the source's MFA device comes from its profile, or from the role profiles that use it", async () => {
    const file = path.join(home, 'mfa-config');
    fs.writeFileSync(
      file,
      `[profile bob]\nmfa_serial = ${BOB_MFA}\n\n[profile via-alice]\nrole_arn = ${PROD('Admin')}\nsource_profile = alice\nmfa_serial = arn:aws:iam::111111111111:mfa/alice\n`,
    );
    const mfaConfig = await loadAwsConfig({ configPath: file, credentialsPath: path.join(home, 'credentials') });
    assert.equal(sourceMfaSerial(mfaConfig, 'bob'), BOB_MFA);
    assert.equal(sourceMfaSerial(mfaConfig, 'alice'), 'arn:aws:iam::111111111111:mfa/alice');
    assert.equal(sourceMfaSerial(mfaConfig, 'erin'), undefined);
  });

  test('a rejected MFA code marks that role with its code and is not asked for again', async () => {
    let asked = 0;
    const mfaCode = async () => {
      asked++;
      return '000000';
    };
    const results = await tryRoles([PROD('Admin'), PROD('BreakGlass')], trial('bob', { mfaSerial: BOB_MFA, mfaCode }));
    assert.deepEqual(
      results.map((r) => [r.status, r.code]),
      [
        ['other', 'MfaFailed'],
        ['refused', 'AccessDenied'],
      ],
    );
    assert.equal(asked, 1);
  });
});

describe('keeping discovered roles in the accounts setting', () => {
  test('roles join the entry for their account and source, or a new entry, without repeats', () => {
    const before = [{ id: '333333333333', alias: 'prod', sourceProfile: 'alice', roles: ['ReadOnly'] }];
    const result = addToAccountsSetting(
      before,
      [PROD('ReadOnly'), PROD('BreakGlass'), 'arn:aws:iam::222222222222:role/vault/VaultS3', PROD('Admin')],
      'alice',
    );
    assert.deepEqual(result, [
      { id: '333333333333', alias: 'prod', sourceProfile: 'alice', roles: ['ReadOnly', 'BreakGlass', 'Admin'] },
      { id: '222222222222', sourceProfile: 'alice', roles: ['arn:aws:iam::222222222222:role/vault/VaultS3'] },
    ]);
    assert.deepEqual(before[0].roles, ['ReadOnly'], 'the input is not changed');
    const bob = addToAccountsSetting(result, [PROD('Admin')], 'bob', BOB_MFA);
    assert.deepEqual(bob[2], { id: '333333333333', sourceProfile: 'bob', mfaSerial: BOB_MFA, roles: ['Admin'] });
  });
});

test("Try keeps the person's own picks, refused or not, and unchecks only the refused roles it had pre-checked", () => {
  const refused = new Set(['Auditor', 'BreakGlass']);
  const preselected = new Set(['BreakGlass', 'ReadOnly']);
  // The person checked Auditor (a role they reach another way) and left the pre-checked ones.
  const after = selectionAfterTrial(['Auditor', 'BreakGlass', 'ReadOnly'], preselected, (r) => refused.has(r));
  assert.deepEqual([...after], ['Auditor', 'ReadOnly']);
  // A role the person unchecked stays unchecked; nothing is added.
  assert.deepEqual([...selectionAfterTrial(['Auditor'], preselected, (r) => refused.has(r))], ['Auditor']);
});
