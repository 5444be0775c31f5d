// Core tests: once, on today's Node.
// The agent identity provider the window wires into its credential endpoint, end to end: the real AWS CLI in an
// endpoint-mode terminal, through the bundled credential helper, with an agent's marker (CLAUDECODE=1) or without.
// The agent gets its own read-only session of the person's role, kept until 5 minutes before its end, of the new
// role after a switch, nothing after Clear; an MFA role's agent session comes from the cached MFA session only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AgentIdentities } from '../../../src/core/agents/agentIdentities';
import type { AgentAccessSettings } from '../../../src/core/agents/agentPlan';
import { type AwsConfig, loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { CredentialEndpoint } from '../../../src/core/endpoint/server';
import { endpointEnvironment } from '../../../src/core/endpoint/terminalEnv';
import { helperCommand, writeTerminalProfile } from '../../../src/core/endpoint/terminalProfile';
import { Session } from '../../../src/core/session';
import { type AssumeOptions, assumeRole, StsCache } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer, totp } from '../../servers/aws';

const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/aws-config');
const HELPER = path.join(ROOT, 'dist/credentialHelper.js');
const AWS_CLI = '/usr/bin/aws';
const BOB_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const noCli = !fs.existsSync(AWS_CLI) && 'Debian awscli is not installed at /usr/bin/aws (apt-get install -y awscli)';
const run = promisify(execFile);

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
let settings: AgentAccessSettings;
let now: number | undefined;
let mfaPrompts = 0;
const logged: string[] = [];

const stsOptions = (): AssumeOptions => ({ config, endpoint: aws.url, region: 'eu-west-1', timeoutMs: 5000, cache });

/** What Switch Role does: assume in VS Code (the MFA code asked there), then make it the window's session. */
async function switchTo(label: string): Promise<void> {
  const role = roles.get(label)!;
  const identity = await assumeRole(role, { ...stsOptions(), mfaCode: async () => totp(BOB_TOTP, Date.now()) });
  activeRole = role;
  session.set(identity);
}

function clear(): void {
  activeRole = undefined;
  session.clear();
}

/** The CLI in the terminal: its exit code and stdout, or its stderr. */
async function cli(args: string[], extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout } = await run(AWS_CLI, [...args, '--endpoint-url', aws.url], { env: { ...env, ...extra } });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function callerArn(extra: Record<string, string> = {}): Promise<string> {
  const answer = await cli(['sts', 'get-caller-identity', '--output', 'json'], extra);
  assert.equal(answer.code, 0, answer.stderr);
  return (JSON.parse(answer.stdout) as { Arn: string }).Arn;
}

const tagRole = (extra: Record<string, string> = {}) =>
  cli(['iam', 'tag-role', '--role-name', 'ReadOnly', '--tags', 'Key=by,Value=agent-test'], extra);

const AGENT = { CLAUDECODE: '1' };
const assumeRoles = () => aws.stats().actions.AssumeRole ?? 0;

before(async () => {
  aws = await startAwsServer();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-agent-identities-'));
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
      '[profile prod-readonly-bob-mfa]',
      'role_arn = arn:aws:iam::333333333333:role/ReadOnly',
      'source_profile = bob',
      'mfa_serial = arn:aws:iam::111111111111:mfa/bob',
      '[profile prod-readonly-chained-mfa]',
      'role_arn = arn:aws:iam::333333333333:role/ReadOnly',
      'source_profile = dev-readonly',
      'mfa_serial = arn:aws:iam::111111111111:mfa/alice',
      '',
    ].join('\n'),
  );
  config = await loadAwsConfig({ configPath, credentialsPath: path.join(FIXTURES, 'credentials') });
  roles = new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r]));
  session = new Session();
  // As the window wires it (src/terminals/endpointHost.ts): the active role behind the session, the person's STS
  // options without any prompt, and every agent session forgotten at a change of the window's session.
  agents = new AgentIdentities({
    settings: () => settings,
    roleOf: (person) => (person === session.identity ? activeRole : undefined),
    // The window's options ask the person for an MFA code: the provider must never use that from a background request.
    assumeOptions: async () => ({ ...stsOptions(), mfaCode: async () => (mfaPrompts++, totp(BOB_TOTP, Date.now())) }),
    log: (line) => logged.push(line),
    now: () => now ?? Date.now(),
  });
  session.onDidChange(() => agents.forget());
  endpoint = new CredentialEndpoint({
    provider: { activeIdentity: () => session.identity, refresh: () => Promise.reject(new Error('not in this test')) },
    agentIdentity: (agent, person) => agents.identityFor(agent, person),
    agentAccess: () => settings.access,
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
  cache = new StsCache();
  settings = { access: 'readOnly' };
  now = undefined;
  mfaPrompts = 0;
  logged.length = 0;
  await switchTo('dev-developer');
});
after(async () => {
  await endpoint.stop();
  await aws.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe("the window's agent identities, through the real AWS CLI", { skip: noCli }, () => {
  it('a CLAUDECODE process is its own read-only session of the role, refused a write by AWS; the person writes', async () => {
    assert.equal(await callerArn(AGENT), 'arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice');
    const denied = await tagRole(AGENT);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /AccessDenied.*no session policy allows the iam:TagRole action/);

    assert.match(await callerArn(), /^arn:aws:sts::222222222222:assumed-role\/Developer\/(?!agent-)/);
    const written = await tagRole();
    assert.equal(written.code, 0, written.stderr);
    // One line for the issue, naming agent, role and session; no key in it.
    assert.equal(logged.length, 1);
    assert.match(
      logged[0],
      /^Agent claude-code: issued .*assumed-role\/Developer\/agent-claude-code-alice of arn:aws:iam::222222222222:role\/Developer .*source identity claude-code@alice/,
    );
    for (const secret of aws.issuedSecrets()) assert.ok(!logged[0].includes(secret));
  });

  it('keeps the agent session until 5 minutes before its end, then issues another', async () => {
    const first = assumeRoles();
    await callerArn(AGENT);
    await callerArn(AGENT);
    assert.equal(assumeRoles() - first, 1, 'the second command is served the same session');
    // The provider itself (the CLI asks the helper again when credentials near their end, which a moved clock
    // would turn into more issues): 4.5 of the 15 minutes left is too little, so it issues a new session.
    const person = session.identity!;
    const kept = await agents.identityFor('claude-code', person);
    now = Date.now() + 10.5 * 60 * 1000;
    const next = await agents.identityFor('claude-code', person);
    assert.equal(assumeRoles() - first, 2);
    assert.ok('credentials' in kept && 'credentials' in next);
    assert.notEqual(next.credentials.accessKeyId, kept.credentials.accessKeyId);
    assert.equal(logged.length, 2);
  });

  it('after a switch the agent gets a session of the new role; after Clear it gets nothing', async () => {
    assert.match(await callerArn(AGENT), /assumed-role\/Developer\/agent-claude-code-alice$/);
    await switchTo('dev-readonly');
    assert.equal(await callerArn(AGENT), 'arn:aws:sts::222222222222:assumed-role/ReadOnly/agent-claude-code-alice');
    clear();
    const none = await cli(['sts', 'get-caller-identity'], AGENT);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /No AWS role is active/i);
  });

  it('a switch back is a new agent session, not the one from before the switch', async () => {
    await callerArn(AGENT);
    const before = assumeRoles();
    await switchTo('dev-readonly');
    await switchTo('dev-developer');
    await callerArn(AGENT);
    // Two switches by the person, and one new agent session: the first one was forgotten at the switch.
    assert.equal(assumeRoles() - before, 3);
  });

  it("an MFA role's agent session comes from the MFA session VS Code holds, and without one it is one sentence", async () => {
    await switchTo('prod-readonly-bob-mfa');
    assert.equal(await callerArn(AGENT), 'arn:aws:sts::333333333333:assumed-role/ReadOnly/agent-claude-code-bob');
    cache = new StsCache(); // the MFA session ended (or the window forgot it)
    agents.forget();
    const refused = await cli(['sts', 'get-caller-identity'], AGENT);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /claude-code needs a new MFA session for prod-readonly-bob-mfa.*assume prod-readonly-bob-mfa once in VS Code first/,
    );
    assert.doesNotMatch(refused.stderr, /Traceback|at .*\.js:\d+/);
    assert.equal(mfaPrompts, 0, 'no MFA prompt from a background request');
  });

  it('a role that needs a code on every AssumeRole is refused in one sentence, without a prompt or an AWS call', async () => {
    const chained = roles.get('prod-readonly-chained-mfa')!;
    const person = { ...session.identity!, label: chained.label, accountId: '333333333333' };
    const calls = assumeRoles();
    const answer = await new AgentIdentities({
      settings: () => settings,
      roleOf: () => chained,
      assumeOptions: async () => ({ ...stsOptions(), mfaCode: async () => (mfaPrompts++, '123456') }),
      log: (line) => logged.push(line),
    }).identityFor('claude-code', person);
    assert.deepEqual(answer, {
      refused:
        'prod-readonly-chained-mfa needs an MFA code on every AssumeRole, which a background request cannot ask for: set iamSwitchboard.agents.roles for account 333333333333 to a role agents may assume.',
    });
    assert.equal(assumeRoles(), calls);
    assert.equal(mfaPrompts, 0);
  });
});
