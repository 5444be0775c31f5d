// An agent's own AWS identity, against the local STS/IAM: read-only by AWS's rules (a session policy), named
// agent-… in the ARN, SourceIdentity where the trust policy allows it and a stated fallback where it does not.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetRoleCommand, IAMClient, ListRolesCommand, TagRoleCommand } from '@aws-sdk/client-iam';
import { loadAwsConfig, type AwsConfig } from '../../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { agentSession, type AgentAccessSettings } from '../../../src/core/agents/agentSession';
import type { AwsCredentials, Identity } from '../../../src/core/session';
import { assumeRole, type AssumeOptions, getCallerIdentity, roleSource, StsCache } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { awsCli, cliSkip } from '../servers/realClients';
import { rejectsWith } from '../rejectsWith';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/aws-config');
const ALICE_KEYS: AwsCredentials = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };
const DEVELOPER = 'arn:aws:iam::222222222222:role/Developer';

let server: AwsServer;
let config: AwsConfig;
let roles: Map<string, RoleEntry>;
let dir: string;

function options(): AssumeOptions {
  return { config, endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000, cache: new StsCache() };
}

/** The person's session of a profile's role, and what may assume that role again: what the edge would pass. */
async function person(profile: string): Promise<{ identity: Identity; role: RoleEntry; sts: AssumeOptions }> {
  const role = roles.get(profile);
  assert.ok(role, `no profile ${profile}`);
  const sts = options();
  return { identity: await assumeRole(role, sts), role, sts };
}

async function agentFor(profile: string, settings: AgentAccessSettings, agent = 'claude-code') {
  const { identity, role, sts } = await person(profile);
  const source = await roleSource(role, sts);
  return { person: identity, agent: await agentSession({ agent, person: identity, source, settings, sts }) };
}

const iam = (credentials: AwsCredentials) => new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const tagReadOnly = new TagRoleCommand({ RoleName: 'ReadOnly', Tags: [{ Key: 'by', Value: 'agent-test' }] });

async function deniedWrite(credentials: AwsCredentials): Promise<void> {
  await assert.rejects(iam(credentials).send(tagReadOnly), (e: Error) => e.name === 'AccessDenied');
}

before(async () => {
  server = await startAwsServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agents-'));
  const configPath = path.join(dir, 'config');
  fs.writeFileSync(
    configPath,
    [
      '[default]',
      'region = eu-west-1',
      '[profile dev-developer]',
      `role_arn = ${DEVELOPER}`,
      'source_profile = default',
      '[profile dev-readonly]',
      'role_arn = arn:aws:iam::222222222222:role/ReadOnly',
      'source_profile = default',
      '[profile prod-breakglass]',
      'role_arn = arn:aws:iam::333333333333:role/BreakGlass',
      'source_profile = default',
      '',
    ].join('\n'),
  );
  config = await loadAwsConfig({ configPath, credentialsPath: path.join(FIXTURES, 'credentials') });
  roles = new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r]));
});
after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('agent session', () => {
  it('readOnly: the agent reads, its write is AccessDenied by AWS, and the person writes', async () => {
    const { person: me, agent } = await agentFor('dev-developer', { access: 'readOnly' });
    assert.equal(agent.policyArn, 'arn:aws:iam::aws:policy/ReadOnlyAccess');
    assert.equal(agent.roleArn, DEVELOPER);
    assert.ok((await iam(agent.credentials).send(new GetRoleCommand({ RoleName: 'ReadOnly' }))).Role);
    await deniedWrite(agent.credentials);
    await iam(me.credentials).send(tagReadOnly);
    const lifetime = agent.credentials.expiration!.getTime() - Date.now();
    assert.ok(lifetime <= 900_000 && lifetime > 800_000, `lifetime ${lifetime}`);
  });

  it('the ARN names the agent and the person, and SourceIdentity is recorded where the trust policy allows it', async () => {
    const { agent } = await agentFor('dev-developer', { access: 'readOnly' });
    const caller = await getCallerIdentity(agent.credentials, { endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000 });
    assert.equal(caller.arn, 'arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice');
    assert.equal(agent.arn, caller.arn);
    assert.equal(agent.sourceIdentitySet, true);
    assert.equal(agent.sourceIdentity, 'claude-code@alice');
    const recorded = server.trail().filter((e) => e.arn === caller.arn && e.action === 'GetCallerIdentity');
    assert.ok(recorded.length > 0 && recorded.every((e) => e.sourceIdentity === 'claude-code@alice'));
  });

  it('falls back without SourceIdentity where the trust policy does not allow it, and says so', async () => {
    const before = server.stats().actions.AssumeRole ?? 0;
    const { agent } = await agentFor('dev-readonly', { access: 'readOnly' }, 'copilot');
    // The person's own AssumeRole, the refused one with SourceIdentity, the one without.
    assert.equal((server.stats().actions.AssumeRole ?? 0) - before, 3);
    assert.equal(agent.sourceIdentitySet, false);
    assert.equal(agent.sourceIdentity, undefined);
    assert.equal(agent.arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/agent-copilot-alice');
    const caller = await getCallerIdentity(agent.credentials, { endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000 });
    assert.equal(server.trail().find((e) => e.arn === caller.arn)?.sourceIdentity, undefined);
  });

  it('a refresh that already knows the role refuses SourceIdentity asks once', async () => {
    const { identity, role, sts } = await person('dev-readonly');
    const source = await roleSource(role, sts);
    const before = server.stats().actions.AssumeRole ?? 0;
    const refreshed = await agentSession({
      agent: 'copilot',
      person: identity,
      source,
      settings: { access: 'readOnly' },
      sts,
      withoutSourceIdentity: true,
    });
    assert.equal((server.stats().actions.AssumeRole ?? 0) - before, 1);
    assert.equal(refreshed.sourceIdentitySet, false);
    await deniedWrite(refreshed.credentials);
  });

  it('the retry without SourceIdentity does not hide another refusal', async () => {
    // BreakGlass trusts another account only: alice may not assume it at all, so the agent gets nothing either.
    const role = roles.get('prod-breakglass')!;
    const sts = options();
    const source = await roleSource(role, sts);
    const me: Identity = {
      label: 'prod/BreakGlass',
      arn: 'arn:aws:iam::111111111111:user/alice',
      accountId: '333333333333',
      region: 'eu-west-1',
      credentials: ALICE_KEYS,
      origin: { kind: 'sts', roleArn: role.arn, needsMfa: false },
    };
    const error = await rejectsWith(
      agentSession({ agent: 'codex', person: me, source, settings: { access: 'readOnly' }, sts }),
      'AccessDenied',
      'codex',
      role.arn,
    );
    assert.ok(!error.message.includes('is not authorized to perform'), 'no server text in the message');
  });

  it('viewOnly lists but cannot read a role; a person-named policy replaces the default', async () => {
    const { agent } = await agentFor('dev-developer', { access: 'viewOnly' });
    assert.equal(agent.policyArn, 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess');
    assert.ok((await iam(agent.credentials).send(new ListRolesCommand({}))).Roles?.length);
    await assert.rejects(
      iam(agent.credentials).send(new GetRoleCommand({ RoleName: 'ReadOnly' })),
      (e: Error) => e.name === 'AccessDenied',
    );
    const named = await agentFor('dev-developer', { access: 'readOnly', policyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' });
    assert.equal(named.agent.policyArn, 'arn:aws:iam::aws:policy/IAMReadOnlyAccess');
    assert.ok((await iam(named.agent.credentials).send(new GetRoleCommand({ RoleName: 'ReadOnly' }))).Role);
    await deniedWrite(named.agent.credentials);
  });

  it("sameAsMe gives the person's own credentials; none refuses in one sentence", async () => {
    const { person: me, agent } = await agentFor('dev-developer', { access: 'sameAsMe' });
    assert.equal(agent.credentials, me.credentials);
    assert.equal(agent.arn, me.arn);
    const { identity, role, sts } = await person('dev-developer');
    const source = await roleSource(role, sts);
    const before = server.stats().actions.AssumeRole ?? 0;
    await rejectsWith(
      agentSession({ agent: 'claude-code', person: identity, source, settings: { access: 'none' }, sts }),
      'AgentAccessNone',
      'iamSwitchboard.agents.access',
    );
    assert.equal(server.stats().actions.AssumeRole ?? 0, before, 'none asks AWS for nothing');
  });

  it('an identity that cannot take a session policy uses the designated agent role, or says what to set', async () => {
    // A Vault lease of IAM user keys: no role of ours to assume again with a session policy.
    const lease: Identity = {
      label: 'vault/dev-deploy',
      arn: 'arn:aws:iam::111111111111:user/alice',
      accountId: '111111111111',
      region: 'eu-west-1',
      credentials: ALICE_KEYS,
      origin: {
        kind: 'vault',
        server: 'local',
        mount: 'aws',
        role: 'dev-deploy',
        leaseId: 'aws/creds/dev-deploy/x',
        renewable: true,
        credentialType: 'iam_user',
      },
    };
    const sts = options();
    await rejectsWith(
      agentSession({ agent: 'claude-code', person: lease, settings: { access: 'readOnly' }, sts }),
      'AgentRoleNeeded',
      'Vault lease',
      'iamSwitchboard.agents.roles',
      '111111111111',
    );
    const inDev: Identity = { ...lease, accountId: '222222222222' };
    const agent = await agentSession({
      agent: 'claude-code',
      person: inDev,
      settings: { access: 'readOnly', roles: { '222222222222': DEVELOPER } },
      sts,
    });
    assert.equal(agent.designated, true);
    assert.equal(agent.arn, 'arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice');
    await deniedWrite(agent.credentials);
    await rejectsWith(
      agentSession({
        agent: 'claude-code',
        person: inDev,
        settings: { access: 'readOnly', roles: { '222222222222': 'arn:aws:iam::333333333333:role/Admin' } },
        sts,
      }),
      'AgentRoleInvalid',
    );
  });

  it(
    "the real AWS CLI with the agent's keys: the caller is agent-…, tag-role is AccessDenied; with the person's keys it works",
    { skip: cliSkip },
    async () => {
      const { person: me, agent } = await agentFor('dev-developer', { access: 'readOnly' });
      const who = await awsCli(server.url, agent.credentials, 'sts', 'get-caller-identity');
      assert.equal(who.code, 0, who.stderr);
      assert.equal(
        (JSON.parse(who.stdout) as { Arn: string }).Arn,
        'arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice',
      );
      const tag = ['iam', 'tag-role', '--role-name', 'ReadOnly', '--tags', 'Key=by,Value=cli'];
      const refused = await awsCli(server.url, agent.credentials, ...tag);
      assert.notEqual(refused.code, 0);
      assert.match(
        refused.stderr,
        /\(AccessDenied\) when calling the TagRole operation: .*because no session policy allows the iam:TagRole action/,
      );
      const written = await awsCli(server.url, me.credentials, ...tag);
      assert.equal(written.code, 0, written.stderr);
    },
  );
});
