// Switches that overlap: the role the person picked last stays, whichever STS answer arrives last, and a quiet
// refresh of the previous role never brings it back. The local AWS server's failure switch makes one answer slow.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { session, shared } from './helpers';

const { awsUrl } = shared();

async function awsControl(what: 'clock' | 'failure', body: object): Promise<void> {
  const response = await fetch(`${awsUrl}/__test/${what}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  assert.ok(response.ok, `${what}: HTTP ${response.status}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const assume = (role: string) => Promise.resolve(vscode.commands.executeCommand<string | undefined>('iamSwitchboard.assumeRole', role));

suite('role switcher: overlapping switches', () => {
  teardown(async () => {
    await awsControl('failure', {});
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
  });

  test('the role picked last stays when the one picked first answers later', async () => {
    await awsControl('failure', { mode: 'slow', delayMs: 2000, count: 1 });
    const slow = assume('dev-readonly');
    await sleep(500); // its AssumeRole is at the server now, and takes the slow answer
    const fast = await assume('dev-deployer');
    assert.equal(fast, 'arn:aws:sts::222222222222:assumed-role/Deployer/alice');
    assert.equal(await slow, undefined, 'the superseded assume reports no role');
    const current = (await session()).identity;
    assert.equal(current?.label, 'dev-deployer');
    assert.equal(current?.arn, fast);
  });

  test('a quiet refresh still in flight when the person switches does not bring the old role back', async () => {
    // The server's clock set back makes the 1 h session it issues end SESSION_LEFT_S from now, so the silent
    // refresh (halfway to the end) starts in about 3 s.
    const SESSION_LEFT_S = 6;
    await awsControl('clock', { advanceMs: -(3600 - SESSION_LEFT_S) * 1000 });
    try {
      assert.ok(await assume('dev-readonly'));
    } finally {
      await awsControl('clock', { advanceMs: (3600 - SESSION_LEFT_S) * 1000 });
    }
    await awsControl('failure', { mode: 'slow', delayMs: 2500, count: 1 }); // the refresh's AssumeRole
    await sleep((SESSION_LEFT_S / 2) * 1000 + 600); // the refresh is waiting for its answer now
    const picked = await assume('dev-deployer');
    assert.equal((await session()).identity?.arn, picked);
    await sleep(3500); // past the refresh's answer and the old role's expiry
    const current = (await session()).identity;
    assert.equal(current?.label, 'dev-deployer');
    assert.equal(current?.arn, picked);
  });
});
