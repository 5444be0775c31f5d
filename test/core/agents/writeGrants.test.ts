// Core tests: once, on today's Node.
// Write grants change what AWS allows, end to end: the real AWS CLI in an endpoint-mode terminal with an agent's
// marker (CLAUDECODE=1). Read-only by default (AWS refuses `iam tag-role`); while the person's grant lives the
// agent's own session of the role has no session policy and the write succeeds, still named agent-claude-code-alice;
// after the grant expires, is ended, or the role is cleared or switched, AWS refuses the write again. A refresh of
// the same role keeps the grant and the agent's session.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AgentIdentities, type AgentIssue, writeTarget } from '../../../src/core/agents/agentIdentities';
import { type Grant, WriteGrants } from '../../../src/core/agents/grants';
import { onRoleLeft } from '../../../src/core/agents/sessionChange';
import { assumeRole, StsCache } from '../../../src/core/sts/assumeRole';
import { AGENT, type AgentWorld, noCli, startAgentWorld } from '../../support/agentWorld';
import { TestClock } from '../../support/testClock';

let world: AgentWorld;
let clock: TestClock;
let grants: WriteGrants;
let using: { dispose(): void } | undefined;
let leaving: { dispose(): void } | undefined;
const issues: AgentIssue[] = [];
const logged: string[] = [];

const callerArn = () => world.callerArn(AGENT);
const tagRole = () => world.tagRole(AGENT);

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
  const target = writeTarget(world.session.identity!, world.activeRole);
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
  world = await startAgentWorld({
    name: 'write-grants',
    // As src/terminals/endpointHost.ts and src/features/agents.ts wire it.
    agents: (w) => {
      const agents = new AgentIdentities({
        settings: () => ({ access: 'readOnly' }),
        roleOf: (person) => (person === w.session.identity ? w.activeRole : undefined),
        assumeOptions: async () => w.stsOptions(),
        log: (line) => logged.push(line),
      });
      agents.onDidIssue((issue) => issues.push(issue));
      onRoleLeft(w.session, () => agents.forget());
      return agents;
    },
    agentAccess: () => 'readOnly',
  });
});
beforeEach(async () => {
  using?.dispose();
  leaving?.dispose();
  world.cache = new StsCache();
  clock = new TestClock();
  grants = new WriteGrants(clock);
  using = world.agents.useGrants(grants);
  leaving = onRoleLeft(world.session, (change) => grants.endAll(change));
  issues.length = 0;
  logged.length = 0;
  world.session.clear();
  await world.switchTo('dev-developer');
});
after(() => world.close());

describe('write grants decide what AWS lets an agent do, through the real AWS CLI', { skip: noCli }, () => {
  it('refused before, writes during the grant as its own agent session, refused again after it expires', async () => {
    await assertDenied();
    const before = world.assumeRoles();
    grantWrites(15);
    // The read-only session kept for the agent is dropped at the grant's start: the next command gets a new one.
    assert.equal(await callerArn(), 'arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice');
    await assertWrites();
    assert.equal(world.assumeRoles() - before, 1, 'one AssumeRole for the write session, used by both commands');
    assert.deepEqual(
      issues.map((i) => [i.arn, i.write]),
      [
        ['arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice', false],
        ['arn:aws:sts::222222222222:assumed-role/Developer/agent-claude-code-alice', true],
      ],
    );
    assert.match(logged[1], /with write access granted by the person \(no session policy\).*source identity claude-code@alice/);
    for (const secret of world.aws.issuedSecrets()) assert.ok(!logged.join('\n').includes(secret));

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
    world.session.clear();
    world.activeRole = undefined;
    assert.equal(grants.live().length, 0);
    await world.switchTo('dev-developer');
    await assertDenied();
  });

  it('a refresh of the same role keeps the grant and the write session; a switch ends both', async () => {
    grantWrites();
    await assertWrites();
    const before = world.assumeRoles();
    // What a refresh does: the same role assumed again becomes the session.
    world.session.set(await assumeRole(world.activeRole!, world.stsOptions()));
    assert.equal(grants.live().length, 1, 'the grant outlives a refresh');
    await assertWrites();
    assert.equal(world.assumeRoles() - before, 1, "the person's refresh only: the agent's write session was kept");

    await world.switchTo('dev-readonly');
    assert.equal(grants.live()[0]?.endReason ?? 'ended', 'ended');
    assert.equal(grants.active('claude-code'), undefined);
    await world.switchTo('dev-developer');
    await assertDenied();
  });
});
