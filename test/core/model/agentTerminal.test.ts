// Issue 21 over the window's real stores and endpoint (EndpointHost as the extension creates it): an agent's
// process in a terminal that follows the window, asking through the shipped credential helper with CLAUDECODE=1,
// is its own read-only session of the active role; after a switch, of the new role; after Clear, nothing. The
// same terminal without the marker is the person.
import './fakeVscode';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { getCallerIdentity } from '../../../src/core/sts/assumeRole';
import { fake } from './fakeVscode';
import { clock, type Window, World } from './world';

const HELPER = path.resolve(__dirname, '../../../src/credentialHelper.js');
const run = promisify(execFile);

describe("an agent in the window's terminals (issue 21)", () => {
  let world: World;
  let window: Window;
  before(async () => {
    clock.offsetMs = 0;
    world = await World.start();
    window = await world.openWindow(0);
  });
  after(async () => {
    await window.dispose();
    await world.close();
  });

  /** What the helper prints for the terminal's process, as the CLI runs it: the caller ARN of its keys, or its error. */
  async function caller(marker: Record<string, string>): Promise<{ arn?: string; error?: string }> {
    try {
      const { stdout } = await run(process.execPath, [HELPER], {
        env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: window.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: window.followingToken, ...marker },
      });
      const keys = JSON.parse(stdout) as { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string };
      const credentials = { accessKeyId: keys.AccessKeyId, secretAccessKey: keys.SecretAccessKey, sessionToken: keys.SessionToken };
      const { arn } = await getCallerIdentity(credentials, { endpoint: world.servers.aws.url, region: 'eu-west-1', timeoutMs: 5000 });
      return { arn };
    } catch (error) {
      return { error: (error as { stderr?: string }).stderr ?? String(error) };
    }
  }

  it('the agent is a read-only session of the active role, then of the new role after a switch, then nothing after Clear', async () => {
    const agent = { CLAUDECODE: '1' };
    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('dev-readonly') });
    assert.equal((await caller(agent)).arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/agent-claude-code-alice');
    assert.equal((await caller({})).arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
    assert.ok(
      fake.said.some((line) =>
        /Agent claude-code: issued .*agent-claude-code-alice of arn:aws:iam::222222222222:role\/ReadOnly/.test(line),
      ),
    );

    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('prod-auditor') });
    assert.match((await caller(agent)).arn ?? '', /^arn:aws:sts::333333333333:assumed-role\/Auditor\/agent-claude-code-/);

    // Back to dev: a new agent session, not the one kept from before the switches.
    const issued = () => fake.said.filter((line) => line.includes('Agent claude-code: issued')).length;
    const before = issued();
    await world.command(window, 'iamSwitchboard.assumeRole', { role: world.role('dev-readonly') });
    assert.equal((await caller(agent)).arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/agent-claude-code-alice');
    assert.equal(issued(), before + 1);

    await world.command(window, 'iamSwitchboard.clearCredentials');
    const cleared = await caller(agent);
    assert.equal(cleared.arn, undefined);
    assert.match(cleared.error ?? '', /No AWS role is active in VS Code/);
  });
});
