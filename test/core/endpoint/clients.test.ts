// Core tests: once, on today's Node.
// Real clients against the credential endpoint, in the environment a VS Code terminal gets in endpoint mode:
// the AWS CLI (Debian's 2.9), the JS SDK v3 default chain and boto3, in a HOME whose ~/.aws has `[default]`
// static keys, with AWS_PROFILE and stale keys inherited: the trap the generated profile must beat.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CredentialEndpoint, EXTERNAL_REVOKED_MESSAGE, NO_ACTIVE_ROLE_MESSAGE } from '../../../src/core/endpoint/server';
import { externalProfileText, newSocketPath, socketFolders } from '../../../src/core/endpoint/externalSockets';
import type { Identity } from '../../../src/core/session';
import { endpointEnvironment, type EnvironmentCollectionChanges, pinnedTerminalEnvironment } from '../../../src/core/endpoint/terminalEnv';
import { helperCommand, writeTerminalProfile } from '../../../src/core/endpoint/terminalProfile';
import { CredentialsFileGuard, hasGeneratedProfile, moveGeneratedProfile } from '../../../src/core/endpoint/credentialsGuard';
import { type EndpointWorld, startEndpointWorld, TestProvider } from '../../support/endpointWorld';

const ROOT = path.resolve(__dirname, '../../../..');
// The helper as it ships in the .vsix (the esbuild bundle `npm run build` writes), not tsc's out/ copy.
const HELPER = path.join(ROOT, 'dist/credentialHelper.js');
const AWS_CLI = '/usr/bin/aws';
const ALICE_KEY = 'AKIALOCALALICE000001';
const ALICE_SECRET = 'aliceLocalSecretKey00000000000000000000A';
const READONLY_ARN = 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice';
const ALICE_ARN = 'arn:aws:iam::111111111111:user/alice';
const DEPLOYER_ARN = /^arn:aws:sts::222222222222:assumed-role\/Deployer\//;
const MINUTE = 60_000;
const run = promisify(execFile);

/** boto3 as the machine image's Python has it (pyenv), or why it cannot be tested. */
function findBoto3(): { python?: string; skip?: string } {
  try {
    return {
      python: execFileSync('python3', ['-c', 'import boto3, sys; print(sys.executable)'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    };
  } catch {
    return { skip: 'boto3 is not importable by python3 on PATH (the machine image pyenv Python has it)' };
  }
}
const boto3 = findBoto3();
const TERRAFORM_MIRROR = '/opt/tf-plugins';
const terraform = ['/usr/local/bin/terraform', '/usr/bin/terraform'].find((file) => fs.existsSync(file));
const noTerraform =
  (!terraform && 'terraform is not installed') ||
  (!fs.existsSync(path.join(TERRAFORM_MIRROR, 'registry.terraform.io/hashicorp/aws')) &&
    `no hashicorp/aws provider in ${TERRAFORM_MIRROR} (no network here)`);
const noCli = !fs.existsSync(AWS_CLI) && 'Debian awscli is not installed at /usr/bin/aws (apt-get install -y awscli)';

const notRoot = process.getuid?.() !== 0 && 'running a listener as another user needs root';
// Debian's python3, which user 65534 may run from "/": the Node running the tests may sit under a folder only root
// can enter (a Node in .cache/ of a clone in /root).
const SQUATTER_PYTHON = '/usr/bin/python3';
const SQUATTER = `
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        print('request ' + str(self.headers.get('Authorization')), flush=True)
        self.send_response(403)
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        self.wfile.write(b'{"Code":"AccessDenied","Message":"no"}')
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
`;

let world: EndpointWorld;

/** Every file and socket under `folder`. */
function filesUnder(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.join(e.parentPath, e.name));
}
let provider: TestProvider;
let endpoint: CredentialEndpoint;
let endpointUrl: string;
let following: string;
let configFile: string;
let base: Record<string, string>;
let readOnly: Identity;
let offsetMs = 0;
const tokens: string[] = [];
const logs: string[] = [];

/**
 * What VS Code does: the inherited environment, the terminal's own variables (null removes one), then the
 * collection's replace and prepend on top.
 */
function terminalEnv(
  changes: EnvironmentCollectionChanges,
  own: Record<string, string | null> = {},
  inherited: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = { ...base, ...inherited };
  for (const [name, value] of Object.entries(own)) {
    if (value === null) delete env[name];
    else env[name] = value;
  }
  Object.assign(env, changes.replace);
  for (const [name, value] of Object.entries(changes.prepend)) {
    env[name] = value + (env[name] ?? '');
  }
  return env;
}

const windowEnv = (own?: Record<string, string | null>, inherited?: Record<string, string>) =>
  terminalEnv(endpointEnvironment({ configFile, endpointUrl, followingToken: following }), own, inherited);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function outcome(file: string, args: string[], env: Record<string, string>): Promise<Outcome> {
  // Asynchronous on purpose: the endpoint answering the child lives in this process.
  try {
    const { stdout, stderr } = await run(file, args, { env, cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const cli = (env: Record<string, string>, ...args: string[]) =>
  outcome(AWS_CLI, args.length ? args : ['sts', 'get-caller-identity', '--endpoint-url', world.aws.url, '--output', 'json'], env);

/** The CLI with `input` on its stdin, as a person typing answers to `aws configure`. */
function cliWithInput(env: Record<string, string>, input: string, ...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(AWS_CLI, args, { env, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A CredentialsFileGuard on `file`, with a promise for its first notice and the number of notices. */
function watchFor(file: string): { noticed: Promise<void>; count: () => number; stop: () => void } {
  let notices = 0;
  let wake!: () => void;
  const noticed = new Promise<void>((resolve) => (wake = resolve));
  const guard = new CredentialsFileGuard(file, () => {
    notices++;
    wake();
  });
  guard.start();
  return { noticed, count: () => notices, stop: () => guard.stop() };
}

const SDK_SCRIPT = `
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
const client = new STSClient({ endpoint: process.argv[1] });
client.send(new GetCallerIdentityCommand({})).then(
  async (r) => console.log(JSON.stringify({ arn: r.Arn, region: await client.config.region() })),
  (e) => { console.error(e.message); process.exit(1); });`;
const sdk = (env: Record<string, string>) => outcome(process.execPath, ['--no-warnings', '-e', SDK_SCRIPT, world.aws.url], env);

const BOTO3_SCRIPT = `
import boto3, json, sys
session = boto3.Session()
print(json.dumps({"arn": session.client("sts", endpoint_url=sys.argv[1]).get_caller_identity()["Arn"], "region": session.region_name, "method": session.get_credentials().method}))`;
const python = (env: Record<string, string>) => outcome(boto3.python!, ['-c', BOTO3_SCRIPT, world.aws.url], env);

/** Calls GetCallerIdentity every 200 ms and prints each outcome with the access key id the client holds. */
const LOOP_SDK = `
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
const client = new STSClient({ endpoint: process.argv[1] });
(async () => { for (;;) {
  try {
    const r = await client.send(new GetCallerIdentityCommand({}));
    const c = await client.config.credentials();
    console.log(JSON.stringify({ ok: true, arn: r.Arn, key: c.accessKeyId }));
  } catch (e) { console.log(JSON.stringify({ ok: false, error: e.message })); }
  await new Promise((r) => setTimeout(r, 200));
} })();`;
const LOOP_BOTO3 = `
import boto3, json, sys, time
session = boto3.Session()
client = session.client("sts", endpoint_url=sys.argv[1])
while True:
    try:
        arn = client.get_caller_identity()["Arn"]
        print(json.dumps({"ok": True, "arn": arn, "key": session.get_credentials().get_frozen_credentials().access_key}), flush=True)
    except Exception as e:
        print(json.dumps({"ok": False, "error": str(e)}), flush=True)
    time.sleep(0.2)`;

/**
 * Runs a polling client on a 4-minute session (inside every SDK's own refresh window, so it asks again at each
 * call), moves the endpoint's clock into its refresh margin, and checks that every call succeeded and the client
 * moved to the refreshed key after one refresh.
 */
async function followsRefresh(file: string, args: string[]): Promise<void> {
  const short = await world.assume('dev-readonly-plain', { lifetimeMs: 4 * MINUTE });
  provider.active = short;
  const refreshesBefore = provider.refreshes;
  const child = spawn(file, args, { env: windowEnv(), cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: { ok: boolean; arn?: string; key?: string; error?: string }[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(JSON.parse(line));
    waiters.splice(0).forEach((wake) => wake());
  });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  try {
    await until(() => lines.filter((l) => l.key === short.credentials.accessKeyId).length >= 2);
    // The endpoint's clock moves to a minute before the session ends: inside its refresh margin.
    offsetMs = 3 * MINUTE;
    await until(() => lines.some((l) => l.ok && l.key !== short.credentials.accessKeyId));
    const switched = lines.length;
    await until(() => lines.length >= switched + 2);
  } finally {
    child.kill();
    offsetMs = 0;
  }
  assert.deepEqual(
    lines.filter((l) => !l.ok),
    [],
    'every call succeeded',
  );
  assert.deepEqual([...new Set(lines.map((l) => l.key))], [short.credentials.accessKeyId, provider.active!.credentials.accessKeyId]);
  assert.ok(lines.every((l) => l.arn === READONLY_ARN));
  assert.equal(provider.refreshes - refreshesBefore, 1, 'one refresh for all the calls');
  provider.active = readOnly;
}

before(async () => {
  world = await startEndpointWorld();
  provider = new TestProvider(world);
  readOnly = await world.assume('dev-readonly');
  provider.active = readOnly;
  endpoint = new CredentialEndpoint({ provider, log: (line) => logs.push(line), now: () => Date.now() + offsetMs });
  endpointUrl = (await endpoint.start()).url;
  following = endpoint.issueToken({ kind: 'following' });
  tokens.push(following);

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-home-'));
  fs.mkdirSync(path.join(home, '.aws'));
  const keys = `aws_access_key_id = ${ALICE_KEY}\naws_secret_access_key = ${ALICE_SECRET}\n`;
  fs.writeFileSync(path.join(home, '.aws/credentials'), `[default]\n${keys}[central]\n${keys}`);
  fs.writeFileSync(path.join(home, '.aws/config'), `[default]\nregion = us-west-2\n${keys}[profile central]\nregion = us-east-2\n`);
  configFile = await writeTerminalProfile({
    folder: path.join(home, 'globalStorage'),
    personConfigPath: path.join(home, '.aws/config'),
    command: helperCommand({ execPath: process.execPath, helperPath: HELPER, electron: false }),
    region: 'eu-west-1',
  });
  // The window inherited a profile and stale keys from the shell that started VS Code.
  base = {
    PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: home,
    AWS_PROFILE: 'central',
    AWS_ACCESS_KEY_ID: ALICE_KEY,
    AWS_SECRET_ACCESS_KEY: ALICE_SECRET,
  };
});
after(async () => {
  await endpoint.stop();
  await world.close();
});

describe('real clients in an endpoint-mode terminal', () => {
  it('without the endpoint environment the trap is real: the CLI is the central user', { skip: noCli }, async () => {
    const plain = await cli(base);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(JSON.parse(plain.stdout).Arn, 'arn:aws:iam::111111111111:user/alice');
  });

  it(
    'the AWS CLI is the active role despite [default] static keys, an inherited AWS_PROFILE and inherited keys',
    { skip: noCli },
    async () => {
      const env = windowEnv();
      const who = await cli(env);
      assert.equal(who.code, 0, who.stderr);
      assert.equal(JSON.parse(who.stdout).Arn, READONLY_ARN);
      const region = await cli(env, 'configure', 'get', 'region');
      assert.equal(region.stdout.trim(), 'eu-west-1');
      // Through the generated profile's credential_process, which the CLI reads before the shared credentials file.
      assert.match((await cli(env, 'configure', 'list')).stdout, /access_key\s+\*+\w{4}\s+custom-process/);
    },
  );

  it('the JS SDK v3 default chain is the active role, in the profile region', async () => {
    const who = await sdk(windowEnv());
    assert.equal(who.code, 0, who.stderr);
    assert.deepEqual(JSON.parse(who.stdout), { arn: READONLY_ARN, region: 'eu-west-1' });
  });

  it('boto3 is the active role, in the profile region', { skip: boto3.skip }, async () => {
    const who = await python(windowEnv());
    assert.equal(who.code, 0, who.stderr);
    assert.deepEqual(JSON.parse(who.stdout), { arn: READONLY_ARN, region: 'eu-west-1', method: 'custom-process' });
  });

  it('a pinned terminal ("window token,pinned token") stays its role while the window switches', { skip: noCli }, async () => {
    const deployer = await world.assume('dev-deployer');
    const pinned = endpoint.issueToken({ kind: 'pinned', identity: deployer });
    tokens.push(pinned);
    const env = windowEnv({ AWS_CONTAINER_AUTHORIZATION_TOKEN: pinned });
    assert.equal(env.AWS_CONTAINER_AUTHORIZATION_TOKEN, `${following},${pinned}`);
    assert.match(JSON.parse((await cli(env)).stdout).Arn, DEPLOYER_ARN);
    provider.active = undefined;
    assert.match(JSON.parse((await cli(env)).stdout).Arn, DEPLOYER_ARN);
    provider.active = readOnly;
    assert.equal(JSON.parse((await cli(windowEnv())).stdout).Arn, READONLY_ARN);
  });

  it(
    "Open Terminal as Role: its own environment under the window's collection is its role in its own region",
    { skip: noCli },
    async () => {
      const deployer = { ...(await world.assume('dev-deployer')), region: 'ap-south-1' };
      const pinned = endpoint.issueToken({ kind: 'pinned', identity: deployer });
      tokens.push(pinned);
      const own = pinnedTerminalEnvironment({ configFile, endpointUrl, followingToken: following }, pinned, deployer);
      const env = windowEnv(own, { AWS_CONTAINER_AUTHORIZATION_TOKEN: 'from-the-parent', AWS_CA_BUNDLE: '' });
      assert.equal(env.AWS_CONTAINER_AUTHORIZATION_TOKEN, `${following},${pinned}`);
      assert.ok(!env.AWS_ACCESS_KEY_ID);
      assert.ok(!env.AWS_SECRET_ACCESS_KEY);
      assert.equal(env.AWS_PROFILE, 'iam-switchboard');
      assert.equal(env.AWS_CA_BUNDLE, '');
      assert.match(JSON.parse((await cli(env)).stdout).Arn, DEPLOYER_ARN);
      assert.match((await cli(env, 'configure', 'list')).stdout, /region\s+ap-south-1\s+env/);
      const bySdk = await sdk(env);
      assert.match(JSON.parse(bySdk.stdout).arn, DEPLOYER_ARN);
      assert.equal(JSON.parse(bySdk.stdout).region, 'ap-south-1');
    },
  );

  it(
    'the same terminal follows a switch at its next call, and after Clear the CLI and boto3 print the endpoint message',
    { skip: noCli },
    async () => {
      const env = windowEnv();
      provider.active = await world.assume('dev-deployer');
      assert.match(JSON.parse((await cli(env)).stdout).Arn, DEPLOYER_ARN);
      provider.active = undefined;
      const cleared = await cli(env);
      assert.notEqual(cleared.code, 0);
      assert.match(cleared.stderr, new RegExp(`custom-process: ${NO_ACTIVE_ROLE_MESSAGE}`));
      if (boto3.python) {
        const byBoto3 = await python(env);
        assert.notEqual(byBoto3.code, 0);
        assert.ok(byBoto3.stderr.includes(NO_ACTIVE_ROLE_MESSAGE), byBoto3.stderr.slice(-300));
      }
      // The JS SDK's chain ends with its own generic message; what matters is that it is not the central user.
      const bySdk = await sdk(env);
      assert.notEqual(bySdk.code, 0);
      assert.equal(bySdk.stdout, '');
      provider.active = readOnly;
    },
  );

  it("a helper under a path with spaces, quotes, '#' and ';' still runs for the CLI, the JS SDK and boto3", async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-odd-')), `it's my #1; "dir"`);
    fs.mkdirSync(dir);
    const helper = path.join(dir, 'credential helper.js');
    fs.copyFileSync(HELPER, helper);
    const odd = await writeTerminalProfile({
      folder: dir,
      personConfigPath: path.join(base.HOME, '.aws/config'),
      command: helperCommand({ execPath: process.execPath, helperPath: helper, electron: false }),
      region: 'eu-west-1',
    });
    const env = terminalEnv(endpointEnvironment({ configFile: odd, endpointUrl, followingToken: following }));
    if (!noCli) {
      assert.equal(JSON.parse((await cli(env)).stdout).Arn, READONLY_ARN);
    }
    assert.equal(JSON.parse((await sdk(env)).stdout).arn, READONLY_ARN);
    if (boto3.python) {
      assert.equal(JSON.parse((await python(env)).stdout).arn, READONLY_ARN);
    }
  });

  it("terraform's AWS provider (Go SDK v2) is the active role too", { skip: noTerraform }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-tf-'));
    fs.writeFileSync(
      path.join(dir, 'cli.tfrc'),
      `provider_installation {
  filesystem_mirror {
    path    = "${TERRAFORM_MIRROR}"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`,
    );
    fs.writeFileSync(
      path.join(dir, 'main.tf'),
      `terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {
  skip_region_validation  = true
  skip_metadata_api_check = true
  endpoints {
    sts = "${world.aws.url}"
  }
}
data "aws_caller_identity" "me" {}
output "arn" {
  value = data.aws_caller_identity.me.arn
}
`,
    );
    const env = { ...windowEnv(), TF_CLI_CONFIG_FILE: path.join(dir, 'cli.tfrc'), TF_IN_AUTOMATION: '1' };
    const run = (...args: string[]) =>
      outcome(terraform!, [...args, '-no-color'], env).then((r) => {
        assert.equal(r.code, 0, r.stderr.slice(-600));
        return r;
      });
    await run('-chdir=' + dir, 'init', '-input=false');
    await run('-chdir=' + dir, 'apply', '-auto-approve', '-input=false');
    const arn = await outcome(terraform!, ['-chdir=' + dir, 'output', '-raw', 'arn'], env);
    assert.equal(arn.stdout, READONLY_ARN);
  });

  it(
    'a client that skips profiles reads the endpoint directly with the "window token," header, and the CLI prints its message',
    { skip: noCli },
    async () => {
      const env = {
        ...windowEnv(),
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_DEFAULT_REGION: 'eu-west-1',
      };
      delete (env as Record<string, string | undefined>).AWS_PROFILE;
      delete (env as Record<string, string | undefined>).AWS_DEFAULT_PROFILE;
      assert.match((await cli(env, 'configure', 'list')).stdout, /access_key\s+\*+\w{4}\s+container-role/);
      assert.equal(JSON.parse((await cli(env)).stdout).Arn, READONLY_ARN);
      provider.active = undefined;
      const cleared = await cli(env);
      provider.active = readOnly;
      assert.ok(
        cleared.stderr.includes(`(404) from ECS metadata: {"Code":"NoActiveRole","Message":"${NO_ACTIVE_ROLE_MESSAGE}"}`),
        cleared.stderr,
      );
    },
  );

  it('the helper prints credential_process JSON, and says what to do when the window is gone', async () => {
    const env = windowEnv();
    const printed = await outcome(process.execPath, [HELPER], env);
    assert.equal(printed.code, 0, printed.stderr);
    const json = JSON.parse(printed.stdout);
    assert.deepEqual(Object.keys(json), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.equal(json.Version, 1);
    assert.equal(json.AccessKeyId, readOnly.credentials.accessKeyId);
    const stopped = new CredentialEndpoint({ provider });
    const { url } = await stopped.start();
    await stopped.stop();
    const gone = await outcome(process.execPath, [HELPER], { ...env, AWS_CONTAINER_CREDENTIALS_FULL_URI: url });
    assert.equal(gone.code, 1);
    assert.equal(
      gone.stderr,
      'The VS Code window that served AWS credentials to this terminal is closed or was reloaded: open a new terminal in VS Code.\n',
    );
    const remote = await outcome(process.execPath, [HELPER], {
      ...env,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://example.com/credentials',
    });
    assert.equal(remote.code, 1);
    assert.match(remote.stderr, /not the IAM Switchboard endpoint on 127\.0\.0\.1/);
  });

  it(
    'the helper never sends its token to a port another local user listens on (a window reloaded elsewhere)',
    { skip: notRoot || (!fs.existsSync(SQUATTER_PYTHON) && `the listener of another user runs ${SQUATTER_PYTHON}`) },
    async () => {
      // A program of user 65534 on a port, printing every Authorization header it is sent.
      const squatter = spawn(SQUATTER_PYTHON, ['-c', SQUATTER], { uid: 65534, gid: 65534, cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] });
      const lines: string[] = [];
      const closed = new Promise((resolve) => squatter.stdout!.on('end', resolve));
      const port = await new Promise<string>((resolve) =>
        createInterface({ input: squatter.stdout! }).on('line', (line) => (lines.push(line), lines.length === 1 && resolve(line))),
      );
      const env = { ...windowEnv(), AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/credentials` };
      const byHelper = await outcome(process.execPath, [HELPER], env);
      const byCli = noCli ? undefined : await cli(env);
      squatter.kill();
      await closed;
      assert.deepEqual(lines.slice(1), [], 'the token was sent to the other user');
      assert.equal(byHelper.code, 1);
      assert.match(
        byHelper.stderr,
        /Another user's program listens on port \d+.*its token was not sent: open a new terminal in VS Code\.\n$/,
      );
      if (byCli) {
        assert.notEqual(byCli.code, 0);
        assert.match(byCli.stderr, /Another user's program listens/);
      }
    },
  );

  it(
    '`aws configure set … --profile iam-switchboard` makes terminals the IAM user: noticed at once, and moving the section makes them the role again',
    { skip: noCli, timeout: 60_000 },
    async () => {
      const credentials = path.join(base.HOME, '.aws/credentials');
      const original = fs.readFileSync(credentials, 'utf8');
      const guard = watchFor(credentials);
      try {
        const env = windowEnv();
        const set = (name: string, value: string) => cli(env, 'configure', 'set', name, value, '--profile', 'iam-switchboard');
        assert.equal((await set('aws_access_key_id', ALICE_KEY)).code, 0);
        assert.equal((await set('aws_secret_access_key', ALICE_SECRET)).code, 0);
        await guard.noticed;
        // Why it must be said at once: the CLI and boto3 in every terminal are now those keys.
        assert.equal(JSON.parse((await cli(env)).stdout).Arn, ALICE_ARN);
        await moveGeneratedProfile(credentials, 'my-keys');
        assert.equal(JSON.parse((await cli(env)).stdout).Arn, READONLY_ARN);
        if (boto3.python) {
          assert.equal(JSON.parse((await python(env)).stdout).arn, READONLY_ARN);
        }
        const mine = await cli(
          env,
          'sts',
          'get-caller-identity',
          '--endpoint-url',
          world.aws.url,
          '--output',
          'json',
          '--profile',
          'my-keys',
          '--region',
          'us-east-1',
        );
        assert.equal(JSON.parse(mine.stdout).Arn, ALICE_ARN, 'the moved keys still work under their new name');
        assert.equal(guard.count(), 1, 'one notice for the two writes');
      } finally {
        guard.stop();
        fs.writeFileSync(credentials, original);
      }
    },
  );

  it(
    'plain `aws configure` answered on stdin writes to the terminal profile, and is noticed at once',
    { skip: noCli, timeout: 60_000 },
    async () => {
      const credentials = path.join(base.HOME, '.aws/credentials');
      const original = fs.readFileSync(credentials, 'utf8');
      const guard = watchFor(credentials);
      try {
        const configured = await cliWithInput(windowEnv(), `${ALICE_KEY}\n${ALICE_SECRET}\n\n\n`, 'configure');
        assert.equal(configured.code, 0, configured.stderr);
        await guard.noticed;
        assert.ok(hasGeneratedProfile(fs.readFileSync(credentials, 'utf8')));
        await moveGeneratedProfile(credentials, 'my-keys');
        assert.equal(JSON.parse((await cli(windowEnv())).stdout).Arn, READONLY_ARN);
      } finally {
        guard.stop();
        fs.writeFileSync(credentials, original);
      }
    },
  );

  it(
    'a tool outside VS Code gets a socket of its own that only its user can open, no secret on disk or a command line, and hears when it is revoked',
    { skip: noCli },
    async () => {
      const storage = path.join(base.HOME, 'globalStorage');
      const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-run-'));
      const folders = socketFolders(storage, { XDG_RUNTIME_DIR: runtime });
      const socket = await newSocketPath(folders, 'my tool');
      assert.equal(path.dirname(socket), path.join(runtime, 'iam-switchboard'), '$XDG_RUNTIME_DIR comes first');
      await endpoint.openExternal('my tool', socket);
      assert.deepEqual(endpoint.externalTokens(), ['my tool']);
      assert.equal(fs.statSync(socket).mode & 0o777, 0o600);
      assert.equal(fs.statSync(path.dirname(socket)).mode & 0o777, 0o700);
      const profile = externalProfileText(
        'my tool',
        helperCommand({ execPath: process.execPath, helperPath: HELPER, electron: false }),
        socket,
      );
      assert.ok(profile.includes(`--socket ${socket}`), profile);
      // Another program's own HOME and config: no container variables, only the pasted profile.
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-tool-'));
      fs.mkdirSync(path.join(home, '.aws'));
      fs.writeFileSync(path.join(home, '.aws/config'), profile);
      const env = { PATH: base.PATH, HOME: home, AWS_PROFILE: 'vscode-my-tool', AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' };
      const who = await cli(env);
      assert.equal(who.code, 0, who.stderr);
      assert.equal(JSON.parse(who.stdout).Arn, READONLY_ARN);
      if (boto3.python) {
        const byBoto3 = await python(env);
        assert.equal(byBoto3.code, 0, byBoto3.stderr.split('\n').slice(-3).join(' | '));
        assert.equal(JSON.parse(byBoto3.stdout).arn, READONLY_ARN);
      }
      const bySdk = await sdk(env);
      assert.equal(bySdk.code, 0, bySdk.stderr);
      assert.equal(JSON.parse(bySdk.stdout).arn, READONLY_ARN);
      // No token anywhere: not in the profile, nor in any file of the storage or runtime folders (tokens start iamsb).
      const secrets = ['iamsb', ...world.aws.issuedSecrets()];
      for (const file of [...filesUnder(storage), ...filesUnder(runtime), path.join(home, '.aws/config')]) {
        const text = fs.lstatSync(file).isSocket() ? '' : fs.readFileSync(file, 'utf8');
        assert.equal(
          secrets.some((secret) => text.includes(secret)),
          false,
          `${file} holds a token or key`,
        );
      }
      fs.chmodSync(path.dirname(socket), 0o755);
      const open = await cli(env);
      assert.notEqual(open.code, 0);
      assert.match(open.stderr, /is not yours alone: revoke this program's access in VS Code/);
      fs.chmodSync(path.dirname(socket), 0o700);
      await endpoint.revokeExternal('my tool');
      assert.deepEqual(endpoint.externalTokens(), []);
      assert.equal(fs.existsSync(socket), false);
      const revoked = await cli(env);
      assert.notEqual(revoked.code, 0);
      assert.ok(revoked.stderr.includes(EXTERNAL_REVOKED_MESSAGE), revoked.stderr);
    },
  );

  it('a long-running JS SDK process keeps succeeding across a refresh and picks up the new access key id', async () => {
    await followsRefresh(process.execPath, ['--no-warnings', '-e', LOOP_SDK, world.aws.url]);
  });

  it(
    'a long-running boto3 process keeps succeeding across a refresh and picks up the new access key id',
    { skip: boto3.skip },
    async () => {
      await followsRefresh(boto3.python!, ['-c', LOOP_BOTO3, world.aws.url]);
    },
  );

  it('neither the generated config nor the terminal environment holds a key, secret or token', async () => {
    const secrets = [...world.aws.issuedSecrets(), ALICE_KEY, ALICE_SECRET];
    const text = fs.readFileSync(configFile, 'utf8');
    assert.equal(fs.statSync(configFile).mode & 0o777, 0o600);
    const env = windowEnv();
    for (const secret of secrets) {
      assert.equal(text.includes(secret), false, 'the generated config holds a secret');
      assert.equal(
        Object.values(env).some((value) => value.includes(secret)),
        false,
        'the terminal environment holds a secret',
      );
    }
    for (const line of logs) {
      for (const secret of [...secrets, ...tokens]) {
        assert.equal(line.includes(secret), false, 'a log line holds a secret');
      }
    }
  });
});
