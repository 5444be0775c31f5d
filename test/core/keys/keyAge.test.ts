// A central user's key age and last use, read with the key itself (ListAccessKeys, GetAccessKeyLastUsed) from the
// local IAM, and the tooltip lines with the warning from iamSwitchboard.keys.maxAgeDays.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { keyFactsLines, readKeyFacts } from '../../../src/core/keys/keyAge';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { CENTRAL_ACCOUNT, addKey, userWithKey } from '../../support/accessKeys';
import { rejectsWith } from '../rejectsWith';

let server: AwsServer;
before(async () => {
  server = await startAwsServer();
});
after(() => server.close());

const settings = () => ({ iamEndpoint: server.url, region: 'us-east-1', timeoutMs: 5000 });
const DAY_MS = 86_400_000;

describe('key age and last use', () => {
  test("reads the profile's key first, with its age and the last use IAM recorded", async () => {
    const key = userWithKey(server, 'age-user', { createdDaysAgo: 120 });
    const other = addKey(server, 'age-user', 3);
    const facts = await readKeyFacts(key, settings());
    assert.deepEqual(
      facts.map((k) => [k.accessKeyId, k.inUse, k.status]),
      [
        [key.accessKeyId, true, 'Active'],
        [other.accessKeyId, false, 'Active'],
      ],
    );
    // Asking signed with the key: IAM recorded that use before it answered.
    assert.equal(facts[0].lastService, 'iam');
    assert.equal(facts[0].lastRegion, 'us-east-1');
    assert.equal(facts[1].lastUsedAt, undefined);
    assert.equal(facts[1].lastUseKnown, true);
    const lines = keyFactsLines(facts, 90, Date.now());
    assert.match(
      lines[0],
      new RegExp(
        `^Access key ${key.accessKeyId} \\(in use\\): 120 days old — older than 90 days: run Rotate Access Key; last used just now \\(iam in us-east-1\\)$`,
      ),
    );
    assert.equal(lines[1], `Other access key ${other.accessKeyId}: 3 days old; never used`);
  });

  test('the warning starts at the configured age, and 0 turns it off', () => {
    const now = Date.UTC(2026, 11, 7);
    const facts = [
      { accessKeyId: 'AKIAEXAMPLE000000001', status: 'Active', createdAt: new Date(now - 30 * DAY_MS), inUse: true, lastUseKnown: false },
    ];
    assert.match(keyFactsLines(facts, 30, now)[0], /30 days old — older than 30 days/);
    assert.doesNotMatch(keyFactsLines(facts, 31, now)[0], /older than/);
    assert.doesNotMatch(keyFactsLines(facts, 0, now)[0], /older than/);
    assert.match(keyFactsLines(facts, 0, now)[0], /last use unknown/);
  });

  test('a user who may not list their keys is told what to ask for, and which key is in use', async () => {
    const user = server.identities.addUser(CENTRAL_ACCOUNT, 'age-no-list', '/');
    const record = server.identities.createAccessKey(user);
    record.usableAtMs = 0;
    const key = { accessKeyId: record.accessKeyId, secretAccessKey: record.secretAccessKey };
    await rejectsWith(
      readKeyFacts(key, settings()),
      'AccessDenied',
      `Could not list the access keys of your IAM user (AccessDenied): key ${key.accessKeyId} is in use as before; ask your administrator to allow iam:ListAccessKeys`,
    );
  });
});
