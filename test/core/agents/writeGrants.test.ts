// Core tests: once, on today's Node.
// Write grants change what AWS allows, end to end: the real AWS CLI in an endpoint-mode terminal with an agent's
// marker (CLAUDECODE=1). Read-only by default (AWS refuses `iam tag-role`); while the person's grant lives the
// agent's own session of the role has no session policy and the write succeeds, still named agent-claude-code-alice;
// after the grant expires, is ended, or the role is cleared or switched, AWS refuses the write again. A refresh of
// the same role keeps the grant and the agent's session.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AgentIdentities, type AgentIssue, writeTarget } from '../../../src/core/agents/agentIdentities';
import { type Clock, type Grant, WriteGrants } from '../../../src/core/agents/grants';
import { onRoleLeft } from '../../../src/core/agents/sessionChange';
import { type AwsConfig, loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { CredentialEndpoint } from '../../../src/core/endpoint/server';
import { endpointEnvironment } from '../../../src/core/endpoint/terminalEnv';
import { helperCommand, writeTerminalProfile } from '../../../src/core/endpoint/terminalProfile';
import { Session } from '../../../src/core/session';
import { type AssumeOptions, assumeRole, StsCache } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../../servers/aws';

const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/aws-config');
const HELPER = path.join(ROOT, 'dist/credentialHelper.js');
const AWS_CLI = '/usr/bin/aws';
const noCli = !fs.existsSync(AWS_CLI) && 'Debian awscli is not installed at /usr/bin/aws (apt-get install -y awscli)';
const run = promisify(execFile);

/** The grants' clock, moved by the test: a grant expires when the test says, not after 15 real minutes. */
class TestClock implements Clock {
  private time = Date.now();
  private timers: { at: number; fire: () => void }[] = [];
  now(): number {
    return this.time;
  }
  setTimer(fire: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, fire };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((t) => t !== timer));
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    due.forEach((t) => t.fire());
  }
}

let aws: AwsServer;
let home: string;
let config: AwsConfig;
let roles: Map<string, RoleEntry>;
let env: Record<string, string>;
let endpoint: CredentialEndpoint;
let agents: AgentIdentities;
let session: Session;
let cache: StsCache;
let activeRole: RoleEntry | undefined;
let clock: TestClock;
let grants: WriteGrants;
let using: { dispose(): void } | undefined;
let leaving: { dispose(): void } | undefined;
const issues: AgentIssue[] = [];
const logged: string[] = [];

const stsOptions = (): AssumeOptions => ({ config, endpoint: aws.url, region: 'eu-west-1', timeoutMs: 5000, cache });

async function switchTo(label: string): Promise<void> {
  const role = roles.get(label)!;
  const identity = await assumeRole(role, stsOptions());
  activeRole = role;
  session.set(identity);
}

async function cli(args: string[], extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout } = await run(AWS_CLI, [...args, '--endpoint-url', aws.url], { env: { ...env, ...extra } });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const AGENT = { CLAUDECODE: '1' };
const callerArn = async () => {
  const answer = await cli(['sts', 'get-caller-identity', '--output', 'json'], AGENT);
  assert.equal(answer.code, 0, answer.stderr);
  return (JSON.parse(answer.stdout) as { Arn: string }).Arn;
};
const tagRole = () => cli(['iam', 'tag-role', '--role-name', 'ReadOnly', '--tags', 'Key=by,Value=agent-grant'], AGENT);
const assumeRoles = () => aws.stats().actions.AssumeRole ?? 0;

async function assertDenied(): Promise<void> {
  const denied = await tagRole();
  assert.notEqual(denied.code, 0, 'AWS refuses the read-only agent session a write');
  assert.match(denied.stderr, /AccessDenied.*no session policy allows the iam:TagRole action/);
}

async function assertWrites(): Promise<void> {
  const written = await tagRole();
  assert.equal(written.code, 0, written.stderr);
}

/** What the person's Allow does: the agent asks for the active role, the person approves. */
function grantWrites(minutes = 15): Grant {
  const target = writeTarget(session.identity!, activeRole);
  const grant = grants.request({
    agent: 'claude-code',
    reason: 'tag the ReadOnly role',
    account: { id: target.accountId, name: 'dev', production: false },
    role: target.role,
    minutes,
  });
  return grants.approve(grant.id);
}

before(async () => {
  aws = await startAwsServer();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-write-grants-'));
  const configPath = path.join(home, 'config');
  fs.writeFileSync(
    configPath,
    [
      '[default]',
      'region = eu-west-1',
      '[profile dev-developer]',
      'role_arn = arn:aws:iam::222222222222:role/Developer',
      'source_profile = default',
      '[profile dev-readonly]',
      'role_arn = arn:aws:iam::222222222222:role/ReadOnly',
      'source_profile = default',
      '',
    ].join('\n'),
  );
  config = await loadAwsConfig({ configPath, credentialsPath: path.join(FIXTURES, 'credentials') });
  roles = new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r]));
  session = new Session();
  // As src/terminals/endpointHost.ts and src/features/agents.ts wire it.
  agents = new AgentIdentities({
    settings: () => ({ access: 'readOnly' }),
    roleOf: (person) => (person === session.identity ? activeRole : undefined),
    assumeOptions: async () => stsOptions(),
    log: (line) => logged.push(line),
  });
  agents.onDidIssue((issue) => issues.push(issue));
  onRoleLeft(session, () => agents.forget());
  endpoint = new CredentialEndpoint({
    provider: { activeIdentity: () => session.identity, refresh: () => Promise.reject(new Error('not in this test')) },
    agentIdentity: (agent, person) => agents.identityFor(agent, person),
    agentAccess: () => 'readOnly',
  });
  const { url } = await endpoint.start();
  const configFile = await writeTerminalProfile({
    folder: home,
    personConfigPath: path.join(home, 'none'),
    command: helperCommand({ execPath: process.execPath, helperPath: HELPER, electron: false }),
    region: 'eu-west-1',
  });
  const changes = endpointEnvironment({ configFile, endpointUrl: url, followingToken: endpoint.issueToken({ kind: 'following' }) });
  env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, ...changes.replace };
  for (const [name, value] of Object.entries(changes.prepend)) env[name] = value;
});
beforeEach(async () => {
  using?.dispose();
  leaving?.dispose();
  cache = new StsCache();
  clock = new TestClock();
  grants = new WriteGrants(clock);
  using = agents.useGrants(grants);
  leaving = onRoleLeft(session, (change) => grants.endAll(change));
  issues.length = 0;
  logged.length = 0;
  session.clear();
  await switchTo('dev-developer');
});
after(async () => {
  await endpoint.stop();
  await aws.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('write grants decide what AWS lets an agent do, through the real AWS CLI', { skip: noCli }, () => {
  it('refused before, writes during the grant as its own agent session, refused again after it expires', async () => {
    await assertDenied();
    const before = assumeRoles();
    grantWrites(15);
    // The read-only session kept for the agent is dropped at the grant's start: the next command gets a new one.
    assert.equal(await callerArn(), 'arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice');
    await assertWrites();
    assert.equal(assumeRoles() - before, 1, 'one AssumeRole for the write session, used by both commands');
    assert.deepEqual(
      issues.map((i) => [i.arn, i.write]),
      [
        ['arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice', false],
        ['arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice', true],
      ],
    );
    assert.match(logged[1], /with write access granted by the person \(no session policy\).*source identity claude-code@alice/);
    for (const secret of aws.issuedSecrets()) assert.ok(!logged.join('\n').includes(secret));

    clock.advance(15 * 60_000);
    assert.equal(grants.live().length, 0, 'the grant expired');
    await assertDenied();
  });

  it('ended by the person (End): the next command is refused the write', async () => {
    grantWrites();
    await assertWrites();
    assert.equal(grants.end('claude-code'), true);
    await assertDenied();
  });

  it('Clear ends the grant: after the role is assumed again the agent is read-only', async () => {
    grantWrites();
    await assertWrites();
    session.clear();
    activeRole = undefined;
    assert.equal(grants.live().length, 0);
    await switchTo('dev-developer');
    await assertDenied();
  });

  it('a refresh of the same role keeps the grant and the write session; a switch ends both', async () => {
    grantWrites();
    await assertWrites();
    const before = assumeRoles();
    // What a refresh does: the same role assumed again becomes the session.
    session.set(await assumeRole(activeRole!, stsOptions()));
    assert.equal(grants.live().length, 1, 'the grant outlives a refresh');
    await assertWrites();
    assert.equal(assumeRoles() - before, 1, "the person's refresh only: the agent's write session was kept");

    await switchTo('dev-readonly');
    assert.equal(grants.live()[0]?.endReason ?? 'ended', 'ended');
    assert.equal(grants.active('claude-code'), undefined);
    await switchTo('dev-developer');
    await assertDenied();
  });
});
