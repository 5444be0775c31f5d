// EKS ListClusters and DescribeCluster for the active role, with the SDK's own client against the local EKS (signed
// with SigV4 like every local service), every refusal one sentence; and the local EKS as strict as AWS for the real
// AWS CLI (botocore's eks model: ResourceNotFoundException is HTTP 404).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog } from '../../../src/core/catalog/roleCatalog';
import { describeCluster, type EksSettings, listClusters } from '../../../src/core/eks/clusters';
import type { AwsCredentials } from '../../../src/core/session';
import { assumeRole, StsCache } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { awsCli, cliSkip } from '../servers/realClients';
import { rejectsWith } from '../rejectsWith';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/aws-config');
const ALICE: AwsCredentials = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };

let server: AwsServer;
let readOnly: AwsCredentials;
const cache = new StsCache();
const settings = (extra: Partial<EksSettings> = {}): EksSettings => ({
  region: 'eu-west-1',
  endpoint: server.url,
  timeoutMs: 5000,
  ...extra,
});

before(async () => {
  server = await startAwsServer();
  const config = await loadAwsConfig({ configPath: path.join(FIXTURES, 'config'), credentialsPath: path.join(FIXTURES, 'credentials') });
  const role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'dev-readonly')!;
  readOnly = (await assumeRole(role, { config, endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000, cache })).credentials;
});
after(async () => {
  cache.clear();
  await server.close();
});

describe('EKS clusters of the active role', () => {
  it("lists the clusters of the role's account in the region, and only that region", async () => {
    assert.deepEqual(await listClusters(readOnly, settings()), ['dev-apps', 'dev-batch']);
    assert.deepEqual(await listClusters(readOnly, settings({ region: 'us-east-1' })), ['dev-us']);
  });

  it('describes a cluster: its ARN, endpoint and certificate authority', async () => {
    const cluster = await describeCluster(readOnly, 'dev-apps', settings());
    assert.equal(cluster.arn, 'arn:aws:eks:eu-west-1:222222222222:cluster/dev-apps');
    assert.match(cluster.endpoint, /^https:\/\/.*\.eu-west-1\.eks\.amazonaws\.com$/);
    assert.match(Buffer.from(cluster.certificateAuthority, 'base64').toString(), /^-----BEGIN CERTIFICATE-----/);
    assert.equal(cluster.region, 'eu-west-1');
  });

  it('a cluster that is not there: one sentence naming it and the region', async () => {
    await rejectsWith(
      describeCluster(readOnly, 'gone', settings()),
      'ResourceNotFoundException',
      "Could not describe EKS cluster 'gone' in eu-west-1: the active role's account has no such cluster there; check the name and the region.",
    );
  });

  it('an identity without eks permissions: one sentence saying to switch to a role that has them', async () => {
    await rejectsWith(listClusters(ALICE, settings()), 'AccessDenied', 'switch to a role allowed eks:ListClusters and eks:DescribeCluster');
  });

  it('EKS that does not answer: a sentence within the timeout', async () => {
    server.setFailure({ mode: 'slow', delayMs: 2000 }, 3);
    try {
      await rejectsWith(describeCluster(readOnly, 'dev-apps', settings({ timeoutMs: 300 })), 'Timeout', 'did not answer within');
    } finally {
      server.setFailure(undefined);
    }
  });

  it('the AWS CLI gets the same answers from the local EKS, 404 ResourceNotFoundException included', { skip: cliSkip }, async () => {
    const listed = await awsCli(server.url, readOnly, 'eks', 'list-clusters', '--region', 'eu-west-1');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), { clusters: ['dev-apps', 'dev-batch'] });
    const paged = await awsCli(server.url, readOnly, 'eks', 'list-clusters', '--region', 'eu-west-1', '--max-items', '1');
    assert.equal(JSON.parse(paged.stdout).clusters.length, 1);
    const missing = await awsCli(server.url, readOnly, 'eks', 'describe-cluster', '--name', 'gone', '--region', 'eu-west-1');
    assert.equal(missing.code, 254);
    assert.match(
      missing.stderr,
      /\(ResourceNotFoundException\) when calling the DescribeCluster operation: No cluster found for name: gone\./,
    );
  });
});
