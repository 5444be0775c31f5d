import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import {
  commandLine,
  helperCommand,
  removeTerminalProfile,
  TERMINAL_PROFILE,
  terminalConfigPath,
  withoutCredentials,
  writeTerminalProfile,
} from '../../../src/core/endpoint/terminalProfile';
import { UserError } from '../../../src/core/userError';

const PERSON_CONFIG = [
  '# my config',
  '[default]',
  'region = us-west-2',
  'aws_access_key_id = AKIALOCALDEFAULT0001',
  'aws_secret_access_key = defaultLocalSecret000000000000000000000D',
  '',
  '[profile central]',
  'AWS_SECRET_ACCESS_KEY: centralLocalSecretColon0000000000000000C',
  'aws_session_token =',
  '    continuedLocalTokenLine0000000000000000T',
  '    secondLocalTokenLine00000000000000000T2',
  's3 =',
  '  max_concurrent_requests = 20',
  '; aws_secret_access_key = commentedLocalSecret000000000000000000X',
  'mfa_serial = arn:aws:iam::111111111111:mfa/alice',
  '',
  '[profile iam-switchboard]',
  'region = stale-1',
  'credential_process = /somewhere/else',
  '',
  '[profile dev]',
  'role_arn = arn:aws:iam::222222222222:role/ReadOnly',
  'source_profile = central',
  'aws_security_token = legacyLocalToken0000000000000000000000L',
  '',
].join('\n');
const SECRETS = [
  'AKIALOCALDEFAULT0001',
  'defaultLocalSecret',
  'centralLocalSecretColon',
  'continuedLocalTokenLine',
  'secondLocalTokenLine',
  'commentedLocalSecret',
  'legacyLocalToken',
];

/** The generated file as the JS SDK's own loader reads it: profiles by name. */
async function sdkProfiles(file: string): Promise<Record<string, Record<string, string | undefined>>> {
  return (await loadSharedConfigFiles({ configFilepath: file, filepath: '/dev/null', ignoreCache: true })).configFile;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-profile-'));
}

describe('terminal profile', () => {
  it('drops every credential line, their continuation lines and an old iam-switchboard section, and keeps the rest verbatim', () => {
    const text = withoutCredentials(PERSON_CONFIG);
    for (const secret of SECRETS) {
      assert.equal(text.includes(secret), false, secret);
    }
    assert.equal(text.includes('stale-1'), false);
    for (const kept of [
      '# my config',
      'region = us-west-2',
      '[profile central]',
      's3 =',
      '  max_concurrent_requests = 20',
      'mfa_serial = arn:aws:iam::111111111111:mfa/alice',
      'source_profile = central',
    ]) {
      assert.ok(text.split('\n').includes(kept), kept);
    }
  });

  it('writes the person config plus a credential_process profile, mode 0600, and the SDK parser reads both', async () => {
    const dir = tempDir();
    const personConfigPath = path.join(dir, 'config');
    fs.writeFileSync(personConfigPath, PERSON_CONFIG);
    const folder = path.join(dir, 'storage');
    const file = await writeTerminalProfile({
      folder,
      personConfigPath,
      command: ['/opt/node', '/opt/ext/dist/credentialHelper.js'],
      region: 'eu-central-1',
    });
    assert.equal(file, terminalConfigPath(folder));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const text = fs.readFileSync(file, 'utf8');
    for (const secret of SECRETS) {
      assert.equal(text.includes(secret), false, secret);
    }
    const profiles = await sdkProfiles(file);
    assert.deepEqual(profiles[TERMINAL_PROFILE], {
      credential_process: '/opt/node /opt/ext/dist/credentialHelper.js',
      region: 'eu-central-1',
    });
    assert.equal(profiles.dev.role_arn, 'arn:aws:iam::222222222222:role/ReadOnly');
    assert.equal(profiles.default.aws_access_key_id, undefined);
    assert.deepEqual(fs.readdirSync(folder), ['aws-config'], 'no temporary file is left behind');
  });

  it('rewrites the file in place on a switch, and works without a person config', async () => {
    const dir = tempDir();
    const options = { folder: dir, personConfigPath: path.join(dir, 'missing'), command: ['/opt/node', '/h.js'] };
    const file = await writeTerminalProfile({ ...options, region: 'eu-west-1' });
    await writeTerminalProfile({ ...options, region: 'ap-south-1' });
    assert.equal((await sdkProfiles(file))[TERMINAL_PROFILE].region, 'ap-south-1');
    await assert.rejects(writeTerminalProfile({ ...options, region: 'eu-west-1\ncredential_process = evil' }), UserError);
  });

  it('changes asked for in the same millisecond are written in order: the last region wins', async () => {
    const dir = tempDir();
    // A large person config makes each write take long enough for the writes to overlap.
    const person = path.join(dir, 'config');
    fs.writeFileSync(person, `[profile p]\nregion = eu-west-1\n`.repeat(40_000));
    const options = { folder: dir, personConfigPath: person, command: ['/opt/node', '/h.js'] };
    const regions = ['eu-west-1', 'us-east-1', 'ap-south-1', 'eu-central-1', 'us-west-2', 'sa-east-1', 'ca-central-1', 'eu-north-1'];
    // Each round asks for every region at once; any round may show the race, so all must end on the last.
    for (let round = 0; round < 3; round++) {
      const [file] = await Promise.all(regions.map((region) => writeTerminalProfile({ ...options, region })));
      assert.equal((await sdkProfiles(file))[TERMINAL_PROFILE].region, regions.at(-1));
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), ['aws-config', 'config'], 'no temporary file is left behind');
  });

  it("keeps one file per window, and removes a closed window's file", async () => {
    const dir = tempDir();
    const options = { folder: dir, personConfigPath: path.join(dir, 'missing'), command: ['/opt/node', '/h.js'] };
    const first = await writeTerminalProfile({ ...options, region: 'eu-west-1', windowKey: '41001' });
    const second = await writeTerminalProfile({ ...options, region: 'us-east-1', windowKey: '41002' });
    assert.notEqual(first, second);
    assert.equal((await sdkProfiles(first))[TERMINAL_PROFILE].region, 'eu-west-1');
    await removeTerminalProfile(dir, '41001');
    assert.deepEqual(fs.readdirSync(dir), [path.basename(second)]);
    await removeTerminalProfile(dir, '41001');
  });

  it('runs Electron as Node through env(1), and Node directly', () => {
    assert.deepEqual(helperCommand({ execPath: '/usr/share/code/code', helperPath: '/ext/h.js', electron: true, platform: 'linux' }), [
      '/usr/bin/env',
      'ELECTRON_RUN_AS_NODE=1',
      '/usr/share/code/code',
      '/ext/h.js',
    ]);
    assert.deepEqual(helperCommand({ execPath: '/usr/bin/node', helperPath: '/ext/h.js', electron: false, platform: 'linux' }), [
      '/usr/bin/node',
      '/ext/h.js',
    ]);
  });

  it('the Electron command line, run as the JS SDK runs it (sh), starts the program with ELECTRON_RUN_AS_NODE=1', () => {
    const dir = tempDir();
    const script = path.join(dir, 'print env.js');
    fs.writeFileSync(script, 'process.stdout.write(String(process.env.ELECTRON_RUN_AS_NODE))');
    const line = commandLine(helperCommand({ execPath: process.execPath, helperPath: script, electron: true, platform: 'linux' }), 'linux');
    assert.equal(execFileSync('/bin/sh', ['-c', line], { env: { PATH: '/usr/bin:/bin' } }).toString(), '1');
  });

  it('escapes the command so that sh (the JS and Go SDKs) and shlex (botocore) split it back into the same paths', () => {
    const argv = ['/opt/My Apps/node', `/home/o'brien/$HOME/\`x\`/"q"\\/my #1; ok/h.js`];
    const line = commandLine(argv, 'linux');
    // The Go SDK strips quotes around a whole value, and the JS SDK cuts at a whitespace-preceded '#' or ';'.
    assert.doesNotMatch(line, /^['"]|\s[;#]/);
    const bySh = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${line}`])
      .toString()
      .split('\n')
      .slice(0, -1);
    assert.deepEqual(bySh, argv);
    const byShlex = execFileSync('python3', ['-c', 'import json,shlex,sys;print(json.dumps(shlex.split(sys.argv[1])))', line]).toString();
    assert.deepEqual(JSON.parse(byShlex), argv);
    assert.equal(commandLine(['C:\\Program Files\\node.exe', 'C:\\x\\h.js'], 'win32'), '"C:\\Program Files\\node.exe" C:\\x\\h.js');
  });

  it('keeps a character outside the basic plane whole, in the command line and in the written file', async () => {
    const argv = ['/opt/n\u{1F600}de/node', '/home/\u{10437}/h.js'];
    const line = commandLine(argv, 'linux');
    assert.doesNotMatch(line, /\uFFFD/);
    const bySh = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${line}`]).toString();
    assert.deepEqual(bySh.split('\n').slice(0, -1), argv);
    const byShlex = execFileSync('python3', ['-c', 'import json,shlex,sys;print(json.dumps(shlex.split(sys.argv[1])))', line]).toString();
    assert.deepEqual(JSON.parse(byShlex), argv);
    const dir = tempDir();
    const file = await writeTerminalProfile({ folder: dir, personConfigPath: path.join(dir, 'none'), command: argv, region: 'eu-west-1' });
    assert.ok(fs.readFileSync(file, 'utf8').includes(line));
    assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /\uFFFD/);
  });

  it("refuses a Windows path the JS SDK's ini parser would cut at ' #' or ' ;'", () => {
    assert.throws(
      () => commandLine(['C:\\node.exe', 'C:\\my #1\\h.js'], 'win32'),
      (e: unknown) => e instanceof UserError && e.code === 'UnsupportedHelperPath',
    );
  });
});
