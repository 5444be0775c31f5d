// Core tests: once, on today's Node.
// The agent identity provider the window wires into its credential endpoint, end to end: the real AWS CLI in an
// endpoint-mode terminal, through the bundled credential helper, with an agent's marker (CLAUDECODE=1) or without.
// The agent gets its own read-only session of the person's role, kept until 5 minutes before its end, of the new
// role after a switch, nothing after Clear; an MFA role's agent session comes from the cached MFA session only.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AgentIdentities } from '../../../src/core/agents/agentIdentities';
import type { AgentAccessSettings } from '../../../src/core/agents/agentPlan';
import { StsCache } from '../../../src/core/sts/assumeRole';
import { totp } from '../../servers/aws';
import { AGENT, type AgentWorld, noCli, startAgentWorld } from '../../support/agentWorld';
import { BOB_TOTP } from '../../support/endpointWorld';

let world: AgentWorld;
let settings: AgentAccessSettings;
let now: number | undefined;
let mfaPrompts = 0;
const logged: string[] = [];

before(async () => {
  world = await startAgentWorld({
    name: 'agent-identities',
    moreProfiles: [
      '[profile prod-readonly-bob-mfa]',
      'role_arn = arn:aws:iam::333333333333:role/ReadOnly',
      'source_profile = bob',
      'mfa_serial = arn:aws:iam::111111111111:mfa/bob',
      '[profile prod-readonly-chained-mfa]',
      'role_arn = arn:aws:iam::333333333333:role/ReadOnly',
      'source_profile = dev-readonly',
      'mfa_serial = arn:aws:iam::111111111111:mfa/alice',
    ],
    // The active role behind the session, the person's STS options without any prompt, and every agent session
    // forgotten at a change of the window's session.
    agents: (w) => {
      const agents = new AgentIdentities({
        settings: () => settings,
        roleOf: (person) => (person === w.session.identity ? w.activeRole : undefined),
        // The window's options ask the person for an MFA code: the provider must never use that from a background request.
        assumeOptions: async () => ({ ...w.stsOptions(), mfaCode: async () => (mfaPrompts++, totp(BOB_TOTP, Date.now())) }),
        log: (line) => logged.push(line),
        now: () => now ?? Date.now(),
      });
      w.session.onDidChange(() => agents.forget());
      return agents;
    },
    agentAccess: () => settings.access,
  });
});
beforeEach(async () => {
  world.cache = new StsCache();
  settings = { access: 'readOnly' };
  now = undefined;
  mfaPrompts = 0;
  logged.length = 0;
  await world.switchTo('dev-developer');
});
after(() => world.close());

describe("the window's agent identities, through the real AWS CLI", { skip: noCli }, () => {
  it('a CLAUDECODE process is its own read-only session of the role, refused a write by AWS; the person writes', async () => {
    assert.equal(await world.callerArn(AGENT), 'arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice');
    const denied = await world.tagRole(AGENT);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /AccessDenied.*no session policy allows the iam:TagRole action/);

    assert.match(await world.callerArn(), /^arn:aws:sts::222222222222:assumed-role\/Developer\/(?!agent-)/);
    const written = await world.tagRole();
    assert.equal(written.code, 0, written.stderr);
    // One line for the issue, naming agent, role and session; no key in it.
    assert.equal(logged.length, 1);
    assert.match(
      logged[0],
      /^Agent claude-code: issued .*assumed-role\/Developer\/agent-claude-code-alice of arn:aws:iam::222222222222:role\/Developer .*source identity claude-code@alice/,
    );
    for (const secret of world.aws.issuedSecrets()) assert.ok(!logged[0].includes(secret));
  });

  it('keeps the agent session until 5 minutes before its end, then issues another', async () => {
    const first = world.assumeRoles();
    await world.callerArn(AGENT);
    await world.callerArn(AGENT);
    assert.equal(world.assumeRoles() - first, 1, 'the second command is served the same session');
    // The provider itself (the CLI asks the helper again when credentials near their end, which a moved clock
    // would turn into more issues): 4.5 of the 15 minutes left is too little, so it issues a new session.
    const person = world.session.identity!;
    const kept = await world.agents.identityFor('claude-code', person);
    now = Date.now() + 10.5 * 60 * 1000;
    const next = await world.agents.identityFor('claude-code', person);
    assert.equal(world.assumeRoles() - first, 2);
    assert.ok('credentials' in kept && 'credentials' in next);
    assert.notEqual(next.credentials.accessKeyId, kept.credentials.accessKeyId);
    assert.equal(logged.length, 2);
  });

  it('after a switch the agent gets a session of the new role; after Clear it gets nothing', async () => {
    assert.match(await world.callerArn(AGENT), /assumed-role\/Developer\/agent-claude-code-alice$/);
    await world.switchTo('dev-readonly');
    assert.equal(await world.callerArn(AGENT), 'arn:aws:sts::222222222222:assumed-role/ReadOnly/agent-claude-code-alice');
    world.clear();
    const none = await world.cli(['sts', 'get-caller-identity'], AGENT);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /No AWS role is active/i);
  });

  it('a switch back is a new agent session, not the one from before the switch', async () => {
    await world.callerArn(AGENT);
    const before = world.assumeRoles();
    await world.switchTo('dev-readonly');
    await world.switchTo('dev-developer');
    await world.callerArn(AGENT);
    // Two switches by the person, and one new agent session: the first one was forgotten at the switch.
    assert.equal(world.assumeRoles() - before, 3);
  });

  it("an MFA role's agent session comes from the MFA session VS Code holds, and without one it is one sentence", async () => {
    await world.switchTo('prod-readonly-bob-mfa');
    assert.equal(await world.callerArn(AGENT), 'arn:aws:sts::333333333333:assumed-role/ReadOnly/agent-claude-code-bob');
    world.cache = new StsCache(); // the MFA session ended (or the window forgot it)
    world.agents.forget();
    const refused = await world.cli(['sts', 'get-caller-identity'], AGENT);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /claude-code needs a new MFA session for prod-readonly-bob-mfa.*assume prod-readonly-bob-mfa once in VS Code first/,
    );
    assert.doesNotMatch(refused.stderr, /Traceback|at .*\.js:\d+/);
    assert.equal(mfaPrompts, 0, 'no MFA prompt from a background request');
  });

  it('a role that needs a code on every AssumeRole is refused in one sentence, without a prompt or an AWS call', async () => {
    const chained = world.roles.get('prod-readonly-chained-mfa')!;
    const person = { ...world.session.identity!, label: chained.label, accountId: '333333333333' };
    const calls = world.assumeRoles();
    const answer = await new AgentIdentities({
      settings: () => settings,
      roleOf: () => chained,
      assumeOptions: async () => ({ ...world.stsOptions(), mfaCode: async () => (mfaPrompts++, '123456') }),
      log: (line) => logged.push(line),
    }).identityFor('claude-code', person);
    assert.deepEqual(answer, {
      refused:
        'prod-readonly-chained-mfa needs an MFA code on every AssumeRole, which a background request cannot ask for: set iamSwitchboard.agents.roles for account 333333333333 to a role agents may assume.',
    });
    assert.equal(world.assumeRoles(), calls);
    assert.equal(mfaPrompts, 0);
  });
});
