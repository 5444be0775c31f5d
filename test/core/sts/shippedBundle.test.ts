// What ships is what is tested: the ES-module bundle the .vsix carries (dist/aws/stsSdk.mjs, built by
// `npm run build`), loaded as the extension loads it (a real import(), not the sources), assumes a role against
// the local STS and reads the new identity back through the same client code the extension uses.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { StsClientPool, type StsSdk } from '../../../src/core/sts/clients';
import { type AwsServer, startAwsServer } from '../../servers/aws';

const BUNDLE = path.resolve(__dirname, '../../../../dist/aws/stsSdk.mjs');
const ALICE = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };

// tsc turns import() into require() for CommonJS output; the extension's bundle keeps a real import(), so does this.
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

let server: AwsServer;
before(async () => (server = await startAwsServer()));
after(() => server.close());

test('the shipped dist/aws/stsSdk.mjs assumes a role and the new credentials are that role', async () => {
  assert.ok(fs.existsSync(BUNDLE), `${BUNDLE} is missing: run \`npm run build\` first`);
  const sdk = (await importModule(pathToFileURL(BUNDLE).href)) as StsSdk;
  const pool = new StsClientPool();
  try {
    const settings = { endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000 };
    const assumed = await pool
      .client(sdk, settings, ALICE)
      .send(new sdk.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/ReadOnly', RoleSessionName: 'alice' }));
    const keys = assumed.Credentials;
    assert.ok(keys?.AccessKeyId && keys.SecretAccessKey && keys.SessionToken, 'AssumeRole returned credentials');
    const role = { accessKeyId: keys.AccessKeyId, secretAccessKey: keys.SecretAccessKey, sessionToken: keys.SessionToken };
    const identity = await pool.client(sdk, settings, role).send(new sdk.GetCallerIdentityCommand({}));
    assert.equal(identity.Arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
  } finally {
    pool.dispose();
  }
});
