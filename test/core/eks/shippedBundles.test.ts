// What ships is what is tested: the bundles the .vsix carries, loaded as the extension loads them (a real import()
// or require of dist/, not the sources): the STS bundle's fromIni reads an `aws login` session (the SDK's login
// provider is a chunk of its own there), the EKS bundle lists the local EKS's clusters, and dist/kubeconfig.js
// (with its YAML parser) writes a kubeconfig.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { loginCacheFile } from '../../../src/core/aws/loginSession';
import { type AwsServer, startAwsServer } from '../../servers/aws';

const DIST = path.resolve(__dirname, '../../../../dist');
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;
const load = <T>(file: string) => {
  assert.ok(fs.existsSync(path.join(DIST, file)), `dist/${file} is missing: run \`npm run build\` first`);
  return importModule(pathToFileURL(path.join(DIST, file)).href) as Promise<T>;
};
const ALICE_ARN = 'arn:aws:iam::111111111111:user/alice';

let server: AwsServer;
let folder: string;
const savedCacheDirectory = process.env.AWS_LOGIN_CACHE_DIRECTORY;
before(async () => {
  server = await startAwsServer();
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-bundles-'));
});
after(async () => {
  if (savedCacheDirectory === undefined) delete process.env.AWS_LOGIN_CACHE_DIRECTORY;
  else process.env.AWS_LOGIN_CACHE_DIRECTORY = savedCacheDirectory;
  fs.rmSync(folder, { recursive: true, force: true });
  await server.close();
});

test("the shipped STS bundle's fromIni gives an aws login profile's session", async () => {
  const sdk = await load<typeof import('../../../src/core/sts/stsSdk')>('aws/stsSdk.mjs');
  process.env.AWS_LOGIN_CACHE_DIRECTORY = path.join(folder, 'cache');
  const signedIn = server.consoleLogin('111111111111', 'alice', 'eu-west-1');
  fs.mkdirSync(process.env.AWS_LOGIN_CACHE_DIRECTORY, { recursive: true });
  fs.writeFileSync(loginCacheFile(ALICE_ARN), JSON.stringify(signedIn), { mode: 0o600 });
  const configFilepath = path.join(folder, 'config');
  fs.writeFileSync(configFilepath, `[profile console]\nlogin_session = ${ALICE_ARN}\nregion = eu-west-1\n`);
  const credentials = await sdk.fromIni({ profile: 'console', configFilepath, filepath: path.join(folder, 'none'), ignoreCache: true })();
  assert.equal(credentials.accessKeyId, signedIn.accessToken.accessKeyId);
});

test('the shipped EKS bundle lists the clusters, and the shipped kubeconfig writer writes one', async () => {
  const eks = await load<typeof import('../../../src/core/eks/eksSdk')>('aws/eksSdk.mjs');
  const alice = { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'aliceLocalSecretKey00000000000000000000A' };
  const sts = await load<typeof import('../../../src/core/sts/stsSdk')>('aws/stsSdk.mjs');
  const stsClient = new sts.STSClient({ region: 'eu-west-1', endpoint: server.url, credentials: alice });
  const assumed = await stsClient.send(
    new sts.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/ReadOnly', RoleSessionName: 'alice' }),
  );
  stsClient.destroy();
  const c = assumed.Credentials!;
  const client = new eks.EKSClient({
    region: 'eu-west-1',
    endpoint: server.url,
    credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
  });
  const listed = await client.send(new eks.ListClustersCommand({}));
  client.destroy();
  assert.deepEqual(listed.clusters, ['dev-apps', 'dev-batch']);

  const writer = (await load<{ default: typeof import('../../../src/core/eks/kubeconfig') }>('kubeconfig.js')).default;
  const cluster = {
    name: 'dev-apps',
    arn: 'arn:aws:eks:eu-west-1:222222222222:cluster/dev-apps',
    region: 'eu-west-1',
    endpoint: 'https://x',
    certificateAuthority: '',
  };
  const written = await writer.writeKubeconfig({ cluster }, { HOME: folder });
  assert.match(fs.readFileSync(written.file, 'utf8'), /current-context: arn:aws:eks:eu-west-1:222222222222:cluster\/dev-apps/);
});
