// A profile whose key moved into the keychain keeps working: the AWS CLI and boto3 get the key through the
// credential_process line and the real helper (dist/credentialHelper.js) from a window's keychain socket, the
// extension's own AssumeRole reads the keychain without running that line, no file under HOME holds the key, and
// with no window open the helper says so in one sentence.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadAwsConfig } from '../../../src/core/aws/config';
import { replaceFileText } from '../../../src/core/aws/configBlock';
import { buildCatalog } from '../../../src/core/catalog/roleCatalog';
import { commandLine, helperCommand } from '../../../src/core/endpoint/terminalProfile';
import type { AccessKey } from '../../../src/core/keys/accessKey';
import { planKeyMove } from '../../../src/core/keys/credentialsFile';
import {
  AGENT_REFUSED_MESSAGE,
  KeychainServer,
  keychainArguments,
  noWindowMessage,
  notInKeychainMessage,
} from '../../../src/core/keys/keychainSocket';
import { assumeRole } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../../servers/aws';

const ROOT = path.resolve(__dirname, '../../../..');
// The helper as it ships (the esbuild bundle `npm run build` writes).
const HELPER = path.join(ROOT, 'dist/credentialHelper.js');
const AWS_CLI = '/usr/bin/aws';
const ALICE_ID = 'AKIALOCALALICE000001';
const ALICE_SECRET = 'aliceLocalSecretKey00000000000000000000A';
const ALICE_ARN = 'arn:aws:iam::111111111111:user/alice';
const run = promisify(execFile);
/** `node -e RUN file args…`: a process that runs `file args…` as its child and exits as it did (an agent's process). */
const RUN = `const r = require('node:child_process').spawnSync(process.argv[1], process.argv.slice(2), { stdio: 'inherit' });
process.exit(r.status ?? 1);`;
const WINDOW_KEY_ID = 'AKIALOCALWINDOW00001';
/**
 * `node -e WINDOW_FROM_AGENT <keychainSocket.js> <folder> <helper>`: a window serving WINDOW_KEY_ID on its socket in
 * <folder>, running the helper for 'default' as its child without the agent's marker, printing what it printed.
 */
const WINDOW_FROM_AGENT = `const { KeychainServer, keychainArguments } = require(process.argv[1]);
const [folder, helper] = process.argv.slice(2);
const window = new KeychainServer(async () => ({ accessKeyId: '${WINDOW_KEY_ID}', secretAccessKey: 'windowLocalSecretKey0000000000000000000A' }));
window.start([folder]).then((socket) => {
  const env = { ...process.env };
  delete env.CLAUDECODE;
  const args = [helper, ...keychainArguments('default', require('node:path').dirname(socket))];
  // Not spawnSync: this process must stay free to answer on its socket.
  require('node:child_process')
    .spawn(process.execPath, args, { env, stdio: 'inherit' })
    .on('exit', (code) => window.stop().then(() => process.exit(code ?? 1)));
});`;
const noCli = !fs.existsSync(AWS_CLI) && 'Debian awscli is not installed at /usr/bin/aws';

function findPython(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import boto3, sys; print(sys.executable)'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}
const python = findPython();

/** The keychain of a VS Code install, as SecretStorage would hold it. */
class TestKeychain {
  readonly keys = new Map<string, AccessKey>();
  async read(profile: string): Promise<AccessKey | undefined> {
    return this.keys.get(profile);
  }
  async replace(profile: string, key: AccessKey): Promise<void> {
    this.keys.set(profile, key);
  }
}

let aws: AwsServer;
let home: string;
let runtime: string;
let folder: string;
let env: Record<string, string>;
const keychain = new TestKeychain();
const window = new KeychainServer((profile) => keychain.read(profile));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function outcome(file: string, args: string[], environment = env): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { env: environment, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const cli = () => outcome(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', aws.url, '--output', 'json']);
const boto3 = () =>
  outcome(python!, [
    '-c',
    'import boto3, json, sys\nprint(json.dumps(boto3.client("sts", endpoint_url=sys.argv[1]).get_caller_identity()["Arn"]))',
    aws.url,
  ]);

/** What `run` gets while a window with agents' access `sameAsMe` serves the keys instead of `window`. */
async function withSameAsMeWindow<T>(run: () => Promise<T>): Promise<T> {
  const sameAsMe = new KeychainServer(
    (profile) => keychain.read(profile),
    () => true,
  );
  await sameAsMe.start([folder]);
  await window.stop();
  try {
    return await run();
  } finally {
    await window.start([folder]);
    await sameAsMe.stop();
  }
}

/** Every regular file under `dir`. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('a key moved into the keychain', () => {
  before(async () => {
    aws = await startAwsServer();
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-keychain-home-'));
    runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-keychain-run-'));
    fs.mkdirSync(path.join(home, '.aws'));
    fs.writeFileSync(
      path.join(home, '.aws/config'),
      '[default]\nregion = eu-west-1\n\n[profile dev-readonly]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = default\n',
    );
    fs.writeFileSync(
      path.join(home, '.aws/credentials'),
      `# central user\n[default]\naws_access_key_id = ${ALICE_ID}\naws_secret_access_key = ${ALICE_SECRET}\n`,
      { mode: 0o600 },
    );
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    // What the command does once the person agrees: the key into the keychain, the window's socket, the file.
    const socket = await window.start([path.join(runtime, 'iam-switchboard')]);
    folder = path.dirname(socket);
    const file = path.join(home, '.aws/credentials');
    const text = fs.readFileSync(file, 'utf8');
    const helper = helperCommand({ execPath: process.execPath, helperPath: HELPER, electron: false });
    const plan = planKeyMove(text, ['default'], (profile) => commandLine([...helper, ...keychainArguments(profile, folder)]));
    for (const { profile, key } of plan.moved) await keychain.replace(profile, key);
    await replaceFileText(file, plan.before, plan.after, 'changed');
  });

  after(async () => {
    await window.stop();
    await aws.close();
  });

  it('is in no file under HOME or the sockets folder, and the sockets are this user’s alone', () => {
    for (const file of [...filesUnder(home), ...filesUnder(runtime)]) {
      const text = fs.readFileSync(file, 'utf8');
      assert.equal(text.includes(ALICE_SECRET) || text.includes(ALICE_ID), false, `${file} holds the key`);
    }
    assert.equal(fs.statSync(folder).mode & 0o777, 0o700);
    for (const socket of fs.readdirSync(folder)) assert.equal(fs.statSync(path.join(folder, socket)).mode & 0o777, 0o600);
  });

  it('reaches the AWS CLI through credential_process', { skip: noCli }, async () => {
    const who = await cli();
    assert.equal(who.code, 0, who.stderr);
    assert.equal(JSON.parse(who.stdout).Arn, ALICE_ARN);
  });

  it('reaches boto3 through credential_process', { skip: !python && 'boto3 is not importable by python3' }, async () => {
    const who = await boto3();
    assert.equal(who.code, 0, who.stderr.split('\n').slice(-3).join(' | '));
    assert.equal(JSON.parse(who.stdout), ALICE_ARN);
  });

  it("is what the extension's own AssumeRole uses, without running the credential_process line", async () => {
    const config = await loadAwsConfig({
      configPath: path.join(home, '.aws/config'),
      credentialsPath: path.join(home, '.aws/credentials'),
    });
    assert.equal(config.profiles.get('default')?.credentialKind, 'process');
    const role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'dev-readonly')!;
    const asked: string[] = [];
    const options = { config, endpoint: aws.url, region: 'eu-west-1', timeoutMs: 5000, env };
    const identity = await assumeRole(role, {
      ...options,
      keychainKey: async (profile) => {
        asked.push(profile);
        return keychain.read(profile);
      },
    });
    assert.deepEqual(asked, ['default']);
    assert.match(identity.arn ?? '', /^arn:aws:sts::222222222222:assumed-role\/ReadOnly\//);
  });

  it("is not used once the profile's credential_process line is no longer the keychain helper's for it", async () => {
    // The person pointed [default] at another program since: its key decides, as for the CLI; the keychain still
    // holds a key for 'default' (here one AWS does not know, so using it would fail).
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-keychain-other-'));
    const program = path.join(elsewhere, 'other.js');
    fs.writeFileSync(
      program,
      `console.log(JSON.stringify({ Version: 1, AccessKeyId: '${ALICE_ID}', SecretAccessKey: '${ALICE_SECRET}' }));\n`,
    );
    const configPath = path.join(elsewhere, 'config');
    const credentialsPath = path.join(elsewhere, 'credentials');
    fs.copyFileSync(path.join(home, '.aws/config'), configPath);
    fs.writeFileSync(credentialsPath, `[default]\ncredential_process = ${commandLine([process.execPath, program])}\n`);
    const config = await loadAwsConfig({ configPath, credentialsPath });
    const role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'dev-readonly')!;
    const asked: string[] = [];
    const identity = await assumeRole(role, {
      config,
      endpoint: aws.url,
      region: 'eu-west-1',
      timeoutMs: 5000,
      env,
      keychainKey: async (profile) => {
        asked.push(profile);
        return { accessKeyId: 'AKIASTALEKEYCHAIN001', secretAccessKey: 'staleKeychainSecret00000000000000000001' };
      },
    });
    assert.deepEqual(asked, []);
    assert.match(identity.arn ?? '', /^arn:aws:sts::222222222222:assumed-role\/ReadOnly\//);
  });

  it('is served by another open window when the one that moved it closes', { skip: noCli }, async () => {
    const other = new KeychainServer((profile) => keychain.read(profile));
    await other.start([folder]);
    await window.stop();
    try {
      assert.equal(fs.readdirSync(folder).length, 1, "only the other window's socket is left");
      const who = await cli();
      assert.equal(who.code, 0, who.stderr);
      assert.equal(JSON.parse(who.stdout).Arn, ALICE_ARN);
    } finally {
      await window.start([folder]);
      await other.stop();
    }
  });

  it("gives an AI agent's command no long-lived key, unless agents may act as the person", async () => {
    const helper = (extra: Record<string, string>) =>
      outcome(process.execPath, [HELPER, ...keychainArguments('default', folder)], { ...env, ...extra });
    const agent = await helper({ CLAUDECODE: '1' });
    assert.notEqual(agent.code, 0);
    assert.equal(agent.stderr.trim(), AGENT_REFUSED_MESSAGE);
    assert.equal(agent.stdout, '');
    const person = await helper({});
    assert.equal(person.code, 0, person.stderr);
    assert.equal(JSON.parse(person.stdout).AccessKeyId, ALICE_ID);
    // iamSwitchboard.agents.access = sameAsMe: the agent has what the person has, as at the endpoint.
    const allowed = await withSameAsMeWindow(() => helper({ CLAUDECODE: '1' }));
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(JSON.parse(allowed.stdout).AccessKeyId, ALICE_ID);
  });

  it("gives no long-lived key to an agent's command that dropped its marker below the agent's process", async () => {
    const node = process.execPath;
    const helper = [node, HELPER, ...keychainArguments('default', folder)];
    // Each parent carries the marker from its start; the helper itself runs without it.
    const dropped: [how: string, file: string, args: string[]][] = [
      ['`env -u CLAUDECODE` run by the agent', node, ['-e', RUN, '/usr/bin/env', '-u', 'CLAUDECODE', ...helper]],
      [
        "`unset CLAUDECODE; exec …` in the agent's command",
        node,
        ['-e', RUN, '/bin/sh', '-c', 'unset CLAUDECODE; exec "$@"', 'sh', ...helper],
      ],
      ["`unset CLAUDECODE` in the agent's shell", '/bin/sh', ['-c', 'unset CLAUDECODE; "$@"; exit $?', 'sh', ...helper]],
      ["`env -i` in the agent's shell", '/bin/sh', ['-c', 'env -i PATH="$PATH" HOME="$HOME" "$@"; exit $?', 'sh', ...helper]],
    ];
    for (const [how, file, args] of dropped) {
      const refused = await outcome(file, args, { ...env, CLAUDECODE: '1' });
      assert.notEqual(refused.code, 0, how);
      assert.equal(refused.stderr.trim(), AGENT_REFUSED_MESSAGE, how);
      assert.equal(refused.stdout, '', how);
    }
    // A person's shell, no marker between it and this window (the test's own process, whose ancestors may be an
    // agent's when the suite runs under one: the window's own ancestors are never the requester's).
    const person = await outcome('/bin/sh', ['-c', '"$@"; exit $?', 'sh', ...helper]);
    assert.equal(person.code, 0, person.stderr);
    assert.equal(JSON.parse(person.stdout).AccessKeyId, ALICE_ID);
    // iamSwitchboard.agents.access = sameAsMe: the agent has what the person has, as at the endpoint.
    const [how, file, args] = dropped[2];
    const allowed = await withSameAsMeWindow(() => outcome(file, args, { ...env, CLAUDECODE: '1' }));
    assert.equal(allowed.code, 0, `${how}: ${allowed.stderr}`);
    assert.equal(JSON.parse(allowed.stdout).AccessKeyId, ALICE_ID);
  });

  it("gives the key to a person's command in a window started from an agent's shell (the window's ancestors are not the requester's)", async () => {
    // A window process carrying CLAUDECODE=1 from its start (VS Code opened from an agent's shell) serves its own
    // socket and runs the helper without the marker, as a person's terminal of that window would.
    const moduleFile = path.join(__dirname, '../../../src/core/keys/keychainSocket.js');
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-keychain-agentwindow-'));
    const served = await outcome(process.execPath, ['-e', WINDOW_FROM_AGENT, moduleFile, path.join(own, 'sockets'), HELPER], {
      ...env,
      CLAUDECODE: '1',
    });
    assert.equal(served.code, 0, served.stderr);
    assert.equal(JSON.parse(served.stdout).AccessKeyId, WINDOW_KEY_ID);
  });

  it('says in one sentence when the open windows do not have the key, and when no window is open', { skip: noCli }, async () => {
    keychain.keys.delete('default');
    try {
      const missing = await cli();
      assert.notEqual(missing.code, 0);
      assert.ok(missing.stderr.includes(notInKeychainMessage('default')), missing.stderr);
    } finally {
      await keychain.replace('default', { accessKeyId: ALICE_ID, secretAccessKey: ALICE_SECRET });
    }
    await window.stop();
    try {
      assert.deepEqual(fs.readdirSync(folder), [], 'the closed window took its socket away');
      const closed = await cli();
      assert.notEqual(closed.code, 0);
      assert.ok(closed.stderr.includes(noWindowMessage('default')), closed.stderr);
    } finally {
      await window.start([folder]);
    }
  });
});
