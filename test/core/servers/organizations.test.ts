// Core tests: once, on today's Node.
// Organizations ListAccounts as AWS answers it (botocore organizations model): only the management account or a
// delegated administrator may list, `State` rather than the retired `Status`, and a page may be empty with a
// NextToken. Checked through the JS SDK, boto3 and the AWS CLI; then the product's note for each refusal.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { accountNamesNote } from '../../../src/core/discovery/accountNamesNote';
import { discoverRoles } from '../../../src/core/discovery/roleDiscovery';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';
import { type Keys, awsCli, boto3Call, boto3Skip, cliSkip } from './realClients';

const ALICE: Keys = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };
const BOB: Keys = { accessKeyId: 'AKIALOCALBOB00000001', secretAccessKey: 'bobLocalSecretKey0000000000000000000000B' };

let server: AwsServer;
before(async () => {
  server = await startAwsServer();
});
after(() => server.close());
afterEach(() => {
  server.world.accounts[0].inOrganization = undefined;
  server.world.accounts[2].delegatedAdministrator = undefined;
  server.world.organizationEmptyFirstPage = undefined;
});

const orgs = (credentials: Keys) => new OrganizationsClient({ endpoint: server.url, region: 'us-east-1', credentials });

async function sdkError(keys: Keys): Promise<string> {
  try {
    await orgs(keys).send(new ListAccountsCommand({}));
    return 'listed';
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return `${e.$metadata?.httpStatusCode} ${e.name}: ${e.message}`;
  }
}

describe('who may list the organization’s accounts (AWS SDK)', () => {
  test('the management account’s allowed user lists them, each with State and no Status', async () => {
    const { Accounts } = await orgs(ALICE).send(new ListAccountsCommand({}));
    assert.deepEqual(
      Accounts?.map((a) => [a.Id, a.Name, a.State, a.Status]),
      [
        ['111111111111', 'Central', 'ACTIVE', undefined],
        ['222222222222', 'Development', 'ACTIVE', undefined],
        ['333333333333', 'Production', 'ACTIVE', undefined],
      ],
    );
  });

  test('a role session in a member account is refused with AccessDeniedException, whatever its policies', async () => {
    const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: ALICE });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/ReadOnly', RoleSessionName: 'org' }),
    );
    const member = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
    assert.equal(await sdkError(member), "400 AccessDeniedException: You don't have permissions to access this resource.");
  });

  test('a member account made delegated administrator may list, with a policy that allows it', async () => {
    // bob's MFA session in prod Admin (AdministratorAccess): a member account, refused until it is delegated.
    const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: BOB });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::333333333333:role/Admin',
        RoleSessionName: 'delegated',
        SerialNumber: 'arn:aws:iam::111111111111:mfa/bob',
        TokenCode: totp('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'),
      }),
    );
    const admin = { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
    assert.equal(await sdkError(admin), "400 AccessDeniedException: You don't have permissions to access this resource.");
    server.world.accounts[2].delegatedAdministrator = true;
    assert.equal(await sdkError(admin), 'listed');
  });

  test('a user of the management account without organizations:ListAccounts is refused too', async () => {
    assert.match(await sdkError(BOB), /^400 AccessDeniedException: .*is not authorized to perform: organizations:ListAccounts/);
  });

  test('an account outside any organization gets AWSOrganizationsNotInUseException', async () => {
    server.world.accounts[0].inOrganization = false;
    assert.equal(await sdkError(ALICE), '400 AWSOrganizationsNotInUseException: Your account is not a member of an organization.');
  });

  test('a first page may be empty with a NextToken; the next page holds the accounts', async () => {
    server.world.organizationEmptyFirstPage = true;
    const first = await orgs(ALICE).send(new ListAccountsCommand({}));
    assert.deepEqual(first.Accounts, []);
    assert.ok(first.NextToken);
    const second = await orgs(ALICE).send(new ListAccountsCommand({ NextToken: first.NextToken }));
    assert.equal(second.Accounts?.length, 3);
  });
});

describe('the same answers through boto3 and the AWS CLI', () => {
  test('boto3: State, and the two refusals with their codes', { skip: boto3Skip }, async () => {
    const listed = await boto3Call(server.url, ALICE, 'organizations', 'list_accounts');
    assert.deepEqual(
      (listed.Accounts as { State?: string; Status?: string }[]).map((a) => [a.State, a.Status]),
      [
        ['ACTIVE', undefined],
        ['ACTIVE', undefined],
        ['ACTIVE', undefined],
      ],
    );
    assert.equal((await boto3Call(server.url, BOB, 'organizations', 'list_accounts')).error?.Code, 'AccessDeniedException');
    server.world.accounts[0].inOrganization = false;
    const notInUse = await boto3Call(server.url, ALICE, 'organizations', 'list_accounts');
    assert.deepEqual({ status: notInUse.status, code: notInUse.error?.Code }, { status: 400, code: 'AWSOrganizationsNotInUseException' });
  });

  test('the AWS CLI follows an empty first page to every account', { skip: cliSkip }, async () => {
    server.world.organizationEmptyFirstPage = true;
    const result = await awsCli(server.url, ALICE, 'organizations', 'list-accounts');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      (JSON.parse(result.stdout) as { Accounts: { Id: string }[] }).Accounts.map((a) => a.Id),
      ['111111111111', '222222222222', '333333333333'],
    );
  });
});

describe('what Discover Roles says about account names', () => {
  const options = () => ({ endpoint: server.url, iamEndpoint: server.url, region: 'us-east-1', timeoutMs: 5000 });

  test('it follows an empty first page with a NextToken and still names every account', async () => {
    server.world.organizationEmptyFirstPage = true;
    const found = await discoverRoles(ALICE, options());
    assert.deepEqual(found.accountNames, { '111111111111': 'Central', '222222222222': 'Development', '333333333333': 'Production' });
  });

  test('outside an organization the note says so and where to name accounts instead', async () => {
    server.world.accounts[0].inOrganization = false;
    const found = await discoverRoles(ALICE, options());
    assert.deepEqual(found.accountNames, {});
    assert.equal(found.accountNamesNote, accountNamesNote('AWSOrganizationsNotInUseException'));
    assert.match(found.accountNamesNote!, /not in an AWS organization.*iamSwitchboard\.accounts/);
  });

  test('a refusal names the management account or delegated administrator, not only a missing permission', async () => {
    const found = await discoverRoles(BOB, options());
    assert.match(found.accountNamesNote!, /management account or a delegated administrator.*iamSwitchboard\.accounts/);
  });
});
