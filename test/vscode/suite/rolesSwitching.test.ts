// Switches that overlap: the role the person picked last stays, whichever STS answer arrives last, and a quiet
// refresh of the previous role never brings it back. The local AWS server's failure switch makes one answer slow,
// and the server says when that request has arrived and when it was answered: no guessed waits.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { serverRequests, session, shared } from './helpers';

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
/** Waits until the AWS server's request `seq` arrived (or was answered); without `seq`, its count so far. */
const awsRequests = (seq?: number, state?: 'arrived' | 'answered') => serverRequests(awsUrl, seq, state);
const assume = (role: string) => Promise.resolve(vscode.commands.executeCommand<string | undefined>('iamSwitchboard.assumeRole', role));

suite('role switcher: overlapping switches', () => {
  teardown(async () => {
    await awsControl('failure', {});
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
  });

  test('the role picked last stays when the one picked first answers later', async () => {
    await awsControl('failure', { mode: 'slow', delayMs: 2000, count: 1 });
    const next = (await awsRequests()) + 1;
    const slow = assume('dev-readonly');
    await awsRequests(next); // its AssumeRole is at the server now, and takes the slow answer
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
    const oldExpiry = (await session()).identity?.credentials.expiration?.getTime() ?? 0;
    await awsControl('failure', { mode: 'slow', delayMs: 2500, count: 1 }); // the refresh's AssumeRole
    const refresh = (await awsRequests()) + 1;
    await awsRequests(refresh); // the refresh is waiting for its answer now
    const picked = await assume('dev-deployer');
    assert.equal((await session()).identity?.arn, picked);
    await awsRequests(refresh, 'answered');
    await sleep(Math.max(0, oldExpiry - Date.now()) + 500); // past the old role's expiry, which is a time
    const current = (await session()).identity;
    assert.equal(current?.label, 'dev-deployer');
    assert.equal(current?.arn, picked);
  });
});
