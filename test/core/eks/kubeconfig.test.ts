// A kubeconfig context per EKS cluster, as `aws eks update-kubeconfig` writes it: merged into the file that is
// there (other clusters, users and contexts kept), mode 0600, no secret, exec credentials that follow the
// terminal's identity (no profile, no role) unless a role is pinned, and read by the real kubectl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { load } from 'js-yaml';
import type { EksCluster } from '../../../src/core/eks/clusters';
import { EXEC_API_VERSION, kubeconfigPaths, writeKubeconfig } from '../../../src/core/eks/kubeconfig';
import { rejectsWith } from '../rejectsWith';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
const noKubectl = !fs.existsSync(KUBECTL) && 'kubectl is not installed at /usr/bin/kubectl';

const CLUSTER: EksCluster = {
  name: 'dev-apps',
  arn: 'arn:aws:eks:eu-west-1:222222222222:cluster/dev-apps',
  region: 'eu-west-1',
  endpoint: 'https://DEVAPPS0000.gr7.eu-west-1.eks.amazonaws.com',
  certificateAuthority: Buffer.from('-----BEGIN CERTIFICATE-----\nTE9DQUw=\n-----END CERTIFICATE-----\n').toString('base64'),
};

/** Someone else's kubeconfig: another cluster with a static token, a comment, a context that is current. */
const OTHER = `# my clusters
apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://kind.local:6443
    insecure-skip-tls-verify: true
  name: kind
users:
- name: kind-admin
  user:
    token: other-tool-token
contexts:
- context:
    cluster: kind
    user: kind-admin
    namespace: default
  name: kind
current-context: kind
preferences: {}
`;

let home: string;
const env = () => ({ HOME: home });
const configFile = () => path.join(home, '.kube', 'config');
const parse = (file: string) =>
  load(fs.readFileSync(file, 'utf8')) as Record<string, Array<Record<string, unknown>>> & Record<string, unknown>;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-kube-'));
});
after(() => fs.rmSync(home, { recursive: true, force: true }));

describe('kubeconfig per EKS cluster', () => {
  it('a new ~/.kube/config: one context named by the cluster ARN, current, mode 0600, exec with no profile or role', async () => {
    const written = await writeKubeconfig({ cluster: CLUSTER }, env());
    assert.deepEqual(written, { file: configFile(), context: CLUSTER.arn, updated: false });
    assert.equal(fs.statSync(configFile()).mode & 0o777, 0o600);
    const config = parse(configFile());
    assert.equal(config['current-context'], CLUSTER.arn);
    assert.deepEqual(config.clusters, [
      { cluster: { 'certificate-authority-data': CLUSTER.certificateAuthority, server: CLUSTER.endpoint }, name: CLUSTER.arn },
    ]);
    assert.deepEqual(config.users, [
      {
        name: CLUSTER.arn,
        user: {
          exec: {
            apiVersion: EXEC_API_VERSION,
            args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'dev-apps', '--output', 'json'],
            command: 'aws',
          },
        },
      },
    ]);
    assert.deepEqual(config.contexts, [{ context: { cluster: CLUSTER.arn, user: CLUSTER.arn }, name: CLUSTER.arn }]);
    assert.doesNotMatch(fs.readFileSync(configFile(), 'utf8'), /AWS_PROFILE|--profile|--role|token:|aws_secret|ASIA|AKIA/);
  });

  it("merges into an existing file: the other cluster, user and context are kept as they were, and it's still 0600", async () => {
    fs.mkdirSync(path.dirname(configFile()));
    fs.writeFileSync(configFile(), OTHER, { mode: 0o644 });
    const before = parse(configFile());
    await writeKubeconfig({ cluster: CLUSTER }, env());
    const after = parse(configFile());
    assert.deepEqual(after.clusters[0], before.clusters[0]);
    assert.deepEqual(after.users[0], before.users[0]);
    assert.deepEqual(after.contexts[0], before.contexts[0]);
    assert.deepEqual(
      after.contexts.map((c) => c.name),
      ['kind', CLUSTER.arn],
    );
    assert.equal(after['current-context'], CLUSTER.arn);
    assert.equal(fs.statSync(configFile()).mode & 0o777, 0o600);
  });

  it('writing the same cluster again replaces its entries (no duplicates); a pinned role gets a context and user of its own', async () => {
    await writeKubeconfig({ cluster: CLUSTER }, env());
    const pinned = 'arn:aws:iam::222222222222:role/Deployer';
    const again = await writeKubeconfig({ cluster: CLUSTER, pinnedRoleArn: pinned, alias: 'dev-apps-deployer' }, env());
    assert.equal(again.updated, true);
    const config = parse(configFile());
    assert.equal(config.clusters.length, 1);
    const args = (name: string) => (config.users.find((u) => u.name === name)?.user as { exec: { args: string[] } }).exec.args;
    assert.deepEqual(args('dev-apps-deployer').slice(-2), ['--role-arn', pinned]);
    assert.ok(!args(CLUSTER.arn).includes('--role-arn'), 'the following context keeps its own user');
    assert.deepEqual(
      config.contexts.map((c) => c.name),
      [CLUSTER.arn, 'dev-apps-deployer'],
    );
    assert.equal(config['current-context'], 'dev-apps-deployer');
  });

  it('$KUBECONFIG: the file that already has the cluster is updated, the others untouched; else the first', async () => {
    const first = path.join(home, 'a.yaml');
    const second = path.join(home, 'b.yaml');
    fs.writeFileSync(first, OTHER);
    await writeKubeconfig({ cluster: CLUSTER }, { HOME: home, KUBECONFIG: second });
    const written = await writeKubeconfig({ cluster: CLUSTER }, { HOME: home, KUBECONFIG: [first, second].join(path.delimiter) });
    assert.deepEqual(written, { file: second, context: CLUSTER.arn, updated: true });
    assert.equal(fs.readFileSync(first, 'utf8'), OTHER);
    assert.deepEqual(kubeconfigPaths({ HOME: home }), [configFile()]);
    const other = { ...CLUSTER, name: 'dev-batch', arn: 'arn:aws:eks:eu-west-1:222222222222:cluster/dev-batch' };
    const fresh = await writeKubeconfig({ cluster: other }, { HOME: home, KUBECONFIG: [first, second].join(path.delimiter) });
    assert.equal(fresh.file, first);
  });

  it('a file that is not a kubeconfig is left alone, with one sentence that quotes nothing of it', async () => {
    fs.mkdirSync(path.dirname(configFile()));
    const broken = 'clusters: {not: a list}\nusers:\n  token: secret-looking-value\n';
    fs.writeFileSync(configFile(), broken);
    const error = await rejectsWith(writeKubeconfig({ cluster: CLUSTER }, env()), 'KubeconfigCorrupted', configFile());
    assert.doesNotMatch(error.message, /secret-looking-value/);
    assert.equal(fs.readFileSync(configFile(), 'utf8'), broken);
  });

  it('a file changed by another tool after it was read is left as that tool wrote it, with one sentence', async () => {
    fs.mkdirSync(path.dirname(configFile()));
    fs.writeFileSync(configFile(), OTHER, { mode: 0o600 });
    const edited = OTHER.replace('current-context: kind', 'current-context: ""');
    // Another `aws eks update-kubeconfig` (or an editor) writes the file just after this one read it.
    const readFile = fs.promises.readFile;
    let reads = 0;
    fs.promises.readFile = (async (...args: Parameters<typeof readFile>) => {
      const text = await readFile(...args);
      if (args[0] === configFile() && ++reads === 1) fs.writeFileSync(configFile(), edited);
      return text;
    }) as typeof readFile;
    try {
      await rejectsWith(writeKubeconfig({ cluster: CLUSTER }, env()), 'KubeconfigChanged', configFile());
    } finally {
      fs.promises.readFile = readFile;
    }
    assert.equal(fs.readFileSync(configFile(), 'utf8'), edited);
    assert.deepEqual(fs.readdirSync(path.dirname(configFile())), ['config'], 'no temporary file left');
  });

  it('kubectl reads the merged file: both contexts, ours current, its exec command aws', { skip: noKubectl }, async () => {
    fs.mkdirSync(path.dirname(configFile()));
    fs.writeFileSync(configFile(), OTHER);
    await writeKubeconfig({ cluster: CLUSTER }, env());
    const { stdout } = await run(KUBECTL, ['config', 'view', '-o', 'json'], { env: { PATH: '/usr/bin:/bin', HOME: home } });
    const view = JSON.parse(stdout) as {
      'current-context': string;
      contexts: Array<{ name: string }>;
      users: Array<{ name: string; user: { exec?: { command: string; env: unknown } } }>;
    };
    assert.equal(view['current-context'], CLUSTER.arn);
    assert.deepEqual(view.contexts.map((c) => c.name).sort(), [CLUSTER.arn, 'kind'].sort());
    const ours = view.users.find((u) => u.name === CLUSTER.arn);
    assert.equal(ours?.user.exec?.command, 'aws');
    assert.equal(ours?.user.exec?.env, null);
  });
});
