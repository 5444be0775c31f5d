// The local STS as strict as AWS about what narrows a session: session policies (Policy, PolicyArns) and their
// limits, SourceIdentity and session tags only where the role's trust policy allows them, SourceIdentity kept
// through role chaining. Spoken to with the SDK's own clients, as the extension and the CLI do.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type AssumeRoleCommandInput, AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetRoleCommand, IAMClient, ListRoleTagsCommand, ListRolesCommand, TagRoleCommand } from '@aws-sdk/client-iam';
import { type AwsServer, startAwsServer } from '../../servers/aws';

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const ALICE: Keys = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };
const DEVELOPER = 'arn:aws:iam::222222222222:role/Developer';
const DEV_READONLY = 'arn:aws:iam::222222222222:role/ReadOnly';
const READ_ONLY_ACCESS = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const VIEW_ONLY_ACCESS = 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess';

let server: AwsServer;
before(async () => {
  server = await startAwsServer();
});
after(() => server.close());

const sts = (credentials: Keys) => new STSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const iam = (credentials: Keys) => new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });

async function assume(
  credentials: Keys,
  input: Partial<AssumeRoleCommandInput>,
): Promise<Keys & { packed?: number; sourceIdentity?: string }> {
  const answer = await sts(credentials).send(new AssumeRoleCommand({ RoleArn: DEVELOPER, RoleSessionName: 'alice', ...input }));
  const c = answer.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    packed: answer.PackedPolicySize,
    sourceIdentity: answer.SourceIdentity,
  };
}

/** Asserts the AWS error the SDK made of the answer: its name (the botocore shape, e.g. PackedPolicyTooLargeException for Code PackedPolicyTooLarge) and HTTP status. */
async function rejectsWith(promise: Promise<unknown>, code: string, status: number, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, code, error.message);
    assert.equal(error.$metadata?.httpStatusCode, status);
    if (message) assert.match(error.message, message);
    return true;
  });
}

const tagOn = (role: string) => new TagRoleCommand({ RoleName: role, Tags: [{ Key: 'touched-by', Value: 'test' }] });

/** The trail's events of one session, by the access key's session ARN. */
const trailOf = (arn: string) => server.trail().filter((e) => e.arn === arn);

describe('session policies', () => {
  test('a managed session policy takes the write away: the role writes, its ReadOnlyAccess session only reads', async () => {
    const person = await assume(ALICE, {});
    await iam(person).send(tagOn('ReadOnly'));
    const narrowed = await assume(ALICE, { PolicyArns: [{ arn: READ_ONLY_ACCESS }] });
    assert.ok(narrowed.packed !== undefined && narrowed.packed > 0 && narrowed.packed <= 100, `PackedPolicySize ${narrowed.packed}`);
    const tags = await iam(narrowed).send(new ListRoleTagsCommand({ RoleName: 'ReadOnly' }));
    assert.deepEqual(tags.Tags, [{ Key: 'touched-by', Value: 'test' }]);
    await rejectsWith(
      iam(narrowed).send(tagOn('ReadOnly')),
      'AccessDenied',
      403,
      /^User: arn:aws:sts::222222222222:assumed-role\/Developer\/alice is not authorized to perform: iam:TagRole on resource: arn:aws:iam::222222222222:role\/ReadOnly because no session policy allows the iam:TagRole action$/,
    );
  });

  test('a session policy grants nothing the role lacks: AdministratorAccess as a session policy still cannot tag a ReadOnly session', async () => {
    const readOnly = await assume(ALICE, { RoleArn: DEV_READONLY, PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AdministratorAccess' }] });
    await rejectsWith(
      iam(readOnly).send(tagOn('Developer')),
      'AccessDenied',
      403,
      /because no identity-based policy allows the iam:TagRole action$/,
    );
  });

  test('ViewOnlyAccess lists roles but does not read one; ReadOnlyAccess reads it', async () => {
    const viewer = await assume(ALICE, { PolicyArns: [{ arn: VIEW_ONLY_ACCESS }] });
    const listed = await iam(viewer).send(new ListRolesCommand({}));
    assert.ok(listed.Roles?.some((r) => r.RoleName === 'Developer'));
    await rejectsWith(
      iam(viewer).send(new GetRoleCommand({ RoleName: 'Developer' })),
      'AccessDenied',
      403,
      /no session policy allows the iam:GetRole action/,
    );
    const reader = await assume(ALICE, { PolicyArns: [{ arn: READ_ONLY_ACCESS }] });
    assert.equal((await iam(reader).send(new GetRoleCommand({ RoleName: 'Developer' }))).Role?.RoleName, 'Developer');
  });

  test('an inline Policy narrows as a managed one does, and an explicit Deny in it wins', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:TagRole', Resource: 'arn:aws:iam::222222222222:role/Developer' },
      ],
    });
    const session = await assume(ALICE, { Policy: policy });
    await iam(session).send(tagOn('ReadOnly'));
    await rejectsWith(iam(session).send(tagOn('Developer')), 'AccessDenied', 403, /with an explicit deny in a session policy$/);
  });

  test('more than 10 PolicyArns is a ValidationError (400)', async () => {
    const arns = Array.from({ length: 11 }, () => ({ arn: READ_ONLY_ACCESS }));
    await rejectsWith(
      assume(ALICE, { PolicyArns: arns }),
      'ValidationError',
      400,
      /at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10$/,
    );
    const ten = await assume(ALICE, { PolicyArns: arns.slice(0, 10) });
    assert.ok(ten.packed !== undefined);
  });

  test('a Policy over 2,048 characters is a ValidationError, one that packs too large is PackedPolicyTooLarge, bad JSON MalformedPolicyDocument (all 400)', async () => {
    const statement = (resource: string) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:List*', Resource: resource }] });
    const long = statement(`arn:aws:iam::222222222222:role/${'a'.repeat(2048)}`);
    await rejectsWith(
      assume(ALICE, { Policy: long }),
      'ValidationError',
      400,
      /at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048$/,
    );
    // Within 2,048 characters but random, so it does not compress: AWS's packed form overflows.
    const random = statement(
      `arn:aws:iam::222222222222:role/${randomBytes(1400).toString('base64').replace(/[^\w]/g, 'x').slice(0, 1900)}`,
    );
    assert.ok(random.length <= 2048);
    await rejectsWith(
      assume(ALICE, { Policy: random }),
      'PackedPolicyTooLargeException',
      400,
      /^Packed policy consumes \d+% of allotted space, please use smaller policy\.$/,
    );
    await rejectsWith(assume(ALICE, { Policy: '{"Statement": [' }), 'MalformedPolicyDocumentException', 400);
  });

  test('a session policy also narrows role chaining: a ReadOnlyAccess session assumes nothing', async () => {
    const narrowed = await assume(ALICE, { PolicyArns: [{ arn: READ_ONLY_ACCESS }] });
    await rejectsWith(assume(narrowed, { RoleArn: DEVELOPER }), 'AccessDenied', 403, /sts:AssumeRole/);
    const person = await assume(ALICE, {});
    await assume(person, { RoleArn: DEVELOPER, RoleSessionName: 'again' });
  });
});

describe('source identity and session tags', () => {
  test('SourceIdentity is set where the trust policy allows sts:SetSourceIdentity and recorded on every call', async () => {
    const session = await assume(ALICE, { SourceIdentity: 'claude-code@alice', RoleSessionName: 'agent-claude-code-alice' });
    assert.equal(session.sourceIdentity, 'claude-code@alice');
    const arn = (await sts(session).send(new GetCallerIdentityCommand({}))).Arn ?? '';
    assert.equal(arn, 'arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice');
    assert.deepEqual(
      trailOf(arn).map((e) => [e.action, e.sourceIdentity]),
      [['GetCallerIdentity', 'claude-code@alice']],
    );
  });

  test('SourceIdentity is AccessDenied (403) on a role whose trust policy does not allow sts:SetSourceIdentity', async () => {
    await rejectsWith(
      assume(ALICE, { RoleArn: DEV_READONLY, SourceIdentity: 'claude-code@alice' }),
      'AccessDenied',
      403,
      /^User: arn:aws:iam::111111111111:user\/alice is not authorized to perform: sts:SetSourceIdentity on resource: arn:aws:iam::222222222222:role\/ReadOnly$/,
    );
    await rejectsWith(assume(ALICE, { SourceIdentity: 'has space' }), 'ValidationError', 400, /at 'sourceIdentity'/);
  });

  test('role chaining keeps the SourceIdentity and refuses to change it', async () => {
    const first = await assume(ALICE, { SourceIdentity: 'copilot@alice', RoleSessionName: 'first' });
    const chained = await assume(first, { RoleSessionName: 'chained' });
    assert.equal(chained.sourceIdentity, 'copilot@alice');
    const arn = (await sts(chained).send(new GetCallerIdentityCommand({}))).Arn ?? '';
    assert.deepEqual(
      trailOf(arn).map((e) => e.sourceIdentity),
      ['copilot@alice'],
    );
    await rejectsWith(
      assume(first, { RoleSessionName: 'renamed', SourceIdentity: 'someone-else' }),
      'AccessDenied',
      403,
      /sts:SetSourceIdentity/,
    );
  });

  test('session Tags need sts:TagSession in the trust policy', async () => {
    const Tags = [{ Key: 'agent', Value: 'claude-code' }];
    await rejectsWith(
      assume(ALICE, { RoleArn: DEV_READONLY, Tags }),
      'AccessDenied',
      403,
      /sts:TagSession on resource: arn:aws:iam::222222222222:role\/ReadOnly$/,
    );
    const tagged = await assume(ALICE, { Tags });
    assert.ok(tagged.packed !== undefined && tagged.packed > 0);
  });
});
