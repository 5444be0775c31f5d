import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it, test } from 'node:test';
import { type AwsConfig, loadAwsConfig, profilesFromIni } from '../../../src/core/aws/config';
import { StsCache, assumeRole } from '../../../src/core/sts/assumeRole';
import { buildCatalog, orderByRecent, roleDefinedIn, roleForArn } from '../../../src/core/catalog/roleCatalog';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures');
const demo = { configPath: path.join(FIXTURES, 'aws/config'), credentialsPath: path.join(FIXTURES, 'aws/credentials') };

describe('role catalog', () => {
  it('groups the demo profiles into accounts with their roles and needs', async () => {
    const { profiles } = await loadAwsConfig(demo);
    const catalog = buildCatalog({ profiles });
    assert.deepEqual(
      catalog.accounts.map((a) => [a.id, a.roles.map((r) => r.label)]),
      [
        ['222222222222', ['dev-deployer', 'dev-readonly']],
        ['333333333333', ['prod-admin', 'prod-auditor', 'prod-breakglass', 'prod-readonly']],
      ],
    );
    const byLabel = new Map(catalog.roles.map((r) => [r.label, r]));
    assert.equal(byLabel.get('prod-admin')!.needsMfa, true);
    assert.equal(byLabel.get('dev-deployer')!.needsExternalId, true);
    assert.equal(byLabel.get('dev-readonly')!.needsMfa, false);
    assert.equal(byLabel.get('prod-auditor')!.chained, true);
    assert.deepEqual(byLabel.get('prod-auditor')!.source, { kind: 'role', profile: 'dev-readonly' });
    assert.equal(catalog.broken.length, 0);
  });

  it('adds accounts and roles from the setting, aliases first, with their source profile', async () => {
    const { profiles } = await loadAwsConfig(demo);
    const catalog = buildCatalog({
      profiles,
      accounts: [
        {
          id: '333333333333',
          alias: 'prod',
          color: 'charts.red',
          roles: ['ReadOnly', 'arn:aws:iam::333333333333:role/Admin', 'Viewer'],
          sourceProfile: 'bob',
          mfaSerial: 'arn:aws:iam::111111111111:mfa/bob',
        },
        { id: '444444444444', alias: 'sandbox', roles: ['Dev'], sourceProfile: 'dev-readonly' },
        { id: '44444444444', alias: 'typo', roles: ['Dev'] },
        { id: '555555555555', roles: ['Ops'], sourceProfile: 'nobody' },
      ],
      terraformRoleArns: ['arn:aws:iam::666666666666:role/FromTerraform', 'arn:aws:iam::333333333333:role/ReadOnly', 'not-an-arn'],
    });
    assert.deepEqual(
      catalog.accounts.map((a) => [a.id, a.alias]),
      [
        ['333333333333', 'prod'],
        ['444444444444', 'sandbox'],
        ['555555555555', undefined],
        ['222222222222', undefined],
        ['666666666666', undefined],
      ],
    );
    const prod = catalog.accounts[0];
    assert.equal(prod.color, 'charts.red');
    // ReadOnly and Admin already come from profiles (which win); only Viewer is new from the setting.
    const viewer = prod.roles.find((r) => r.name === 'Viewer')!;
    assert.equal(viewer.label, 'prod/Viewer');
    assert.equal(viewer.origin, 'setting');
    assert.equal(viewer.needsMfa, true);
    assert.deepEqual(viewer.source, { kind: 'profile', profile: 'bob' });
    assert.equal(prod.roles.filter((r) => r.name === 'ReadOnly').length, 1);
    const sandbox = catalog.accounts[1].roles[0];
    assert.deepEqual(sandbox.source, { kind: 'role', profile: 'dev-readonly' });
    assert.equal(sandbox.chained, true);
    const ops = catalog.accounts[2].roles[0];
    assert.equal(ops.source, undefined);
    assert.match(ops.warnings[0].message, /source profile 'nobody' does not exist/);
    assert.equal(ops.warnings[0].code, 'UnknownSourceProfile');
    assert.equal(catalog.accounts[4].roles[0].origin, 'terraform');
    assert.deepEqual(
      catalog.broken.map((b) => b.name),
      ['account typo', 'Terraform role not-an-arn'],
    );
    assert.match(catalog.broken[0].warnings[0].message, /'44444444444' is not a 12-digit account id/);
    assert.equal(catalog.broken[0].warnings[0].code, 'InvalidAccountId');
  });

  it('sorts roles by label in code-unit order within each account, a tie kept in the order roles were found', () => {
    const role = (account: string, name: string) => ({ role_arn: `arn:aws:iam::${account}:role/${name}`, source_profile: 'central' });
    const profiles = profilesFromIni(
      {
        central: { region: 'eu-west-1' },
        b: role('333333333333', 'B'),
        'x/Admin': role('222222222222', 'FromProfile'),
        a10: role('222222222222', 'A10'),
        B: role('222222222222', 'Upper'),
        a9: role('222222222222', 'A9'),
        c: role('111111111111', 'C'),
      },
      { central: { aws_access_key_id: 'AKIALOCALROLES000001', aws_secret_access_key: 'x' } },
    );
    const catalog = buildCatalog({
      profiles,
      accounts: [
        { id: '999999999999', alias: 'empty', roles: [] },
        { id: '222222222222', alias: 'x', roles: ['Admin'], sourceProfile: 'central' },
      ],
    });
    assert.deepEqual(
      catalog.accounts.map((a) => [a.id, a.roles.map((r) => `${r.label} ${r.name}`)]),
      [
        ['999999999999', []],
        ['222222222222', ['B Upper', 'a10 A10', 'a9 A9', 'x/Admin FromProfile', 'x/Admin Admin']],
        ['111111111111', ['c C']],
        ['333333333333', ['b B']],
      ],
    );
    assert.deepEqual(
      catalog.roles.map((r) => r.label),
      catalog.accounts.flatMap((a) => a.roles.map((r) => r.label)),
    );
  });

  it('orders the switcher with recently used roles first', async () => {
    const { profiles } = await loadAwsConfig(demo);
    const { roles } = buildCatalog({ profiles });
    const ordered = orderByRecent(roles, ['arn:aws:iam::333333333333:role/Auditor', 'arn:aws:iam::222222222222:role/ReadOnly']);
    assert.deepEqual(
      ordered.slice(0, 3).map((r) => r.label),
      ['prod-auditor', 'dev-readonly', 'dev-deployer'],
    );
    assert.equal(ordered.length, roles.length);
  });
});

test('a typed role ARN is assumed from the source its account already uses, else from default', () => {
  const profiles = profilesFromIni(
    { central: { region: 'eu-west-1' }, dev: { role_arn: 'arn:aws:iam::222222222222:role/ReadOnly', source_profile: 'central' } },
    {
      central: { aws_access_key_id: 'AKIALOCALROLES000001', aws_secret_access_key: 'x' },
      default: { aws_access_key_id: 'AKIALOCALROLES000002', aws_secret_access_key: 'y' },
    },
  );
  const catalog = buildCatalog({ profiles });
  const sameAccount = roleForArn('arn:aws:iam::222222222222:role/Admin', catalog, profiles)!;
  assert.deepEqual(sameAccount.source, { kind: 'profile', profile: 'central' });
  assert.equal(sameAccount.label, '222222222222/Admin');
  const otherAccount = roleForArn('arn:aws:iam::444444444444:role/Admin', catalog, profiles)!;
  assert.deepEqual(otherAccount.source, { kind: 'profile', profile: 'default' });
  assert.equal(roleForArn('not an arn', catalog, profiles), undefined);
});

test('a Terraform role is assumed from its account’s existing source, else the one source all roles use, and says where it came from', () => {
  // The seed tutorial: keys only in [central], no [default]; Terraform made roles in the peer account.
  const profiles = profilesFromIni(
    { central: { region: 'eu-west-1' }, dev: { role_arn: 'arn:aws:iam::222222222222:role/ReadOnly', source_profile: 'central' } },
    { central: { aws_access_key_id: 'AKIALOCALROLES000001', aws_secret_access_key: 'x' } },
  );
  const catalog = buildCatalog({
    profiles,
    terraformRoleArns: ['arn:aws:iam::222222222222:role/FromTerraform', 'arn:aws:iam::555555555555:role/Peer'],
  });
  const roleOf = (arn: string) => catalog.roles.find((r) => r.arn === arn)!;
  assert.deepEqual(roleOf('arn:aws:iam::222222222222:role/FromTerraform').source, { kind: 'profile', profile: 'central' });
  const peer = roleOf('arn:aws:iam::555555555555:role/Peer');
  assert.deepEqual(peer.source, { kind: 'profile', profile: 'central' });
  assert.deepEqual(peer.warnings, []);
  assert.match(roleDefinedIn(peer), /^the Terraform import it came from/);
  assert.doesNotMatch(roleDefinedIn(peer), /iamSwitchboard\.accounts/);
  // With a [default] and no sibling, default stays the source, as for a pasted ARN.
  const withDefault = profilesFromIni({}, { default: { aws_access_key_id: 'AKIALOCALROLES000002', aws_secret_access_key: 'y' } });
  const alone = buildCatalog({ profiles: withDefault, terraformRoleArns: ['arn:aws:iam::555555555555:role/Peer'] }).roles[0];
  assert.deepEqual(alone.source, { kind: 'profile', profile: 'default' });
});

test('a Terraform role without any source says it came from Terraform, not from iamSwitchboard.accounts', async () => {
  const profiles = profilesFromIni({}, {});
  const role = buildCatalog({ profiles, terraformRoleArns: ['arn:aws:iam::555555555555:role/Peer'] }).roles[0];
  const config = { profiles, files: { configPath: '/nonexistent/config', credentialsPath: '/nonexistent/credentials' } } as AwsConfig;
  await assert.rejects(
    assumeRole(role, { config, endpoint: 'http://127.0.0.1:9', region: 'us-east-1', timeoutMs: 1000, cache: new StsCache() }),
    (error: Error) => {
      assert.match(error.message, /^Cannot assume Peer: source profile 'default' does not exist .*Fix the Terraform import it came from/);
      assert.doesNotMatch(error.message, /iamSwitchboard\.accounts/);
      return true;
    },
  );
});
