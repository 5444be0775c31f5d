// The local IAM answers the policy-reading calls as real IAM does for @aws-sdk/client-iam: URL-encoded documents,
// Marker/MaxItems pages, managed policy versions, NoSuchEntity, and AccessDenied decided by the caller's own policies.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  paginateListUserPolicies,
} from '@aws-sdk/client-iam';
import { type AwsServer, startAwsServer } from '../../servers/aws';

const ALICE = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };
const ERIN = { accessKeyId: 'AKIALOCALERIN0000001', secretAccessKey: 'erinLocalSecretKey000000000000000000000E' };
const PROD_ACCESS = 'arn:aws:iam::111111111111:policy/ProdAccess';

let server: AwsServer;
before(async () => {
  server = await startAwsServer();
});
after(() => server.close());

const iam = (credentials: typeof ALICE) => new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials });

async function rejectsWith(promise: Promise<unknown>, name: string, status: number, message?: string): Promise<void> {
  await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, name);
    assert.equal(error.$metadata?.httpStatusCode, status);
    if (message !== undefined) assert.equal(error.message, message);
    return true;
  });
}

describe('IAM policy reads', () => {
  test('GetUserPolicy returns the inline document URL-encoded, and it decodes to the policy', async () => {
    const answer = await iam(ALICE).send(new GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'GuardRails' }));
    assert.equal(answer.UserName, 'alice');
    assert.match(answer.PolicyDocument ?? '', /^%7B%0A/);
    const document = JSON.parse(decodeURIComponent(answer.PolicyDocument!)) as { Statement: { Sid: string }[] };
    assert.deepEqual(
      document.Statement.map((s) => s.Sid),
      ['NoProdAdmin', 'NoDevAdmin'],
    );
  });

  test('ListUserPolicies pages with MaxItems and Marker, and the SDK paginator follows them', async () => {
    const first = await iam(ERIN).send(new ListUserPoliciesCommand({ UserName: 'erin', MaxItems: 1 }));
    assert.deepEqual(first.PolicyNames, ['AnythingButProd']);
    assert.equal(first.IsTruncated, true);
    const second = await iam(ERIN).send(new ListUserPoliciesCommand({ UserName: 'erin', MaxItems: 1, Marker: first.Marker }));
    assert.deepEqual(second.PolicyNames, ['ReadOwnPolicies']);
    assert.equal(second.IsTruncated, false);
    assert.equal(second.Marker, undefined);
    const names: string[] = [];
    for await (const page of paginateListUserPolicies({ client: iam(ERIN), pageSize: 1 }, { UserName: 'erin' })) {
      names.push(...(page.PolicyNames ?? []));
    }
    assert.deepEqual(names, ['AnythingButProd', 'ReadOwnPolicies']);
    await rejectsWith(
      iam(ERIN).send(new ListUserPoliciesCommand({ UserName: 'erin', Marker: 'not-a-marker' })),
      'ValidationError',
      400,
      'Invalid Marker.',
    );
  });

  test('a managed policy names its default version, and GetPolicyVersion returns that or an older one', async () => {
    const attached = await iam(ALICE).send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }));
    assert.deepEqual(attached.AttachedPolicies, [
      { PolicyName: 'AuditorAccess', PolicyArn: 'arn:aws:iam::111111111111:policy/AuditorAccess' },
    ]);
    const { Policy } = await iam(ALICE).send(new GetPolicyCommand({ PolicyArn: PROD_ACCESS }));
    assert.equal(Policy?.DefaultVersionId, 'v2');
    assert.equal(Policy?.AttachmentCount, 1);
    assert.match(Policy?.PolicyId ?? '', /^ANPA[A-Z2-7]{17}$/);
    const current = await iam(ALICE).send(new GetPolicyVersionCommand({ PolicyArn: PROD_ACCESS, VersionId: 'v2' }));
    assert.equal(current.PolicyVersion?.IsDefaultVersion, true);
    assert.match(decodeURIComponent(current.PolicyVersion?.Document ?? ''), /role\/BreakGlass/);
    const old = await iam(ALICE).send(new GetPolicyVersionCommand({ PolicyArn: PROD_ACCESS, VersionId: 'v1' }));
    assert.equal(old.PolicyVersion?.IsDefaultVersion, false);
    await rejectsWith(
      iam(ALICE).send(new GetPolicyVersionCommand({ PolicyArn: PROD_ACCESS, VersionId: 'v3' })),
      'NoSuchEntityException',
      404,
      `Policy ${PROD_ACCESS} version v3 does not exist or is not attachable.`,
    );
    await rejectsWith(
      iam(ALICE).send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' })),
      'NoSuchEntityException',
      404,
      'Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.',
    );
  });

  test("a user's groups list their inline and attached policies", async () => {
    const { Groups } = await iam(ALICE).send(new ListGroupsForUserCommand({ UserName: 'alice' }));
    assert.deepEqual(
      Groups?.map((g) => g.Arn),
      ['arn:aws:iam::111111111111:group/Developers', 'arn:aws:iam::111111111111:group/ProdReaders'],
    );
    assert.match(Groups?.[0].GroupId ?? '', /^AGPA/);
    const inline = await iam(ALICE).send(new ListGroupPoliciesCommand({ GroupName: 'Developers' }));
    assert.deepEqual(inline.PolicyNames, ['AssumeDevRoles']);
    const policy = await iam(ALICE).send(new GetGroupPolicyCommand({ GroupName: 'Developers', PolicyName: 'AssumeDevRoles' }));
    assert.match(decodeURIComponent(policy.PolicyDocument ?? ''), /arn:aws:iam::\*:role\/Dev\*/);
    const attached = await iam(ALICE).send(new ListAttachedGroupPoliciesCommand({ GroupName: 'ProdReaders' }));
    assert.deepEqual(
      attached.AttachedPolicies?.map((p) => p.PolicyArn),
      [PROD_ACCESS],
    );
    await rejectsWith(
      iam(ALICE).send(new ListGroupPoliciesCommand({ GroupName: 'Nobody' })),
      'NoSuchEntityException',
      404,
      'The group with name Nobody cannot be found.',
    );
    await rejectsWith(
      iam(ALICE).send(new GetGroupPolicyCommand({ GroupName: 'Developers', PolicyName: 'Missing' })),
      'NoSuchEntityException',
      404,
      'The group policy with name Missing cannot be found.',
    );
  });

  test("the caller's own policies decide: ${aws:username} lets erin read herself, not alice, nor her group", async () => {
    const own = await iam(ERIN).send(new ListGroupsForUserCommand({ UserName: 'erin' }));
    assert.deepEqual(
      own.Groups?.map((g) => g.GroupName),
      ['Contractors'],
    );
    await rejectsWith(
      iam(ERIN).send(new ListUserPoliciesCommand({ UserName: 'alice' })),
      'AccessDenied',
      403,
      'User: arn:aws:iam::111111111111:user/erin is not authorized to perform: iam:ListUserPolicies on resource: user alice because no identity-based policy allows the iam:ListUserPolicies action',
    );
    await rejectsWith(
      iam(ERIN).send(new ListGroupPoliciesCommand({ GroupName: 'Contractors' })),
      'AccessDenied',
      403,
      'User: arn:aws:iam::111111111111:user/erin is not authorized to perform: iam:ListGroupPolicies on resource: group Contractors because no identity-based policy allows the iam:ListGroupPolicies action',
    );
  });
});
