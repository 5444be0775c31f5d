// Core tests: once, on today's Node.
// One line of ~/.aws/config that the AWS CLI cannot parse makes the CLI and boto3 refuse the whole file, while the
// SDK for JavaScript skips it and reads the lines after it into the profile above. The extension must say so, not
// use that profile, and never hand terminals a generated config that carries the broken file along.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadAwsConfig } from '../../../src/core/aws/config';
import { cliRejectedLines } from '../../../src/core/aws/iniLines';
import { buildCatalog } from '../../../src/core/catalog/roleCatalog';
import { assumeRole } from '../../../src/core/sts/assumeRole';
import { terminalConfigText } from '../../../src/core/endpoint/terminalProfile';
import { rejectsWith } from '../rejectsWith';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures');
const AWS_CLI = '/usr/bin/aws';
const BROKEN_TAIL = ['[profile broken-one', 'role_arn = arn:aws:iam::222222222222:role/ReadOnly', 'source_profile = default', ''];

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cli-rejected-'));
}

/** The demo config with the three lines appended; returns the files and the broken header's line. */
function brokenDemoFiles(dir: string): { configPath: string; credentialsPath: string; line: number } {
  const demo = fs.readFileSync(path.join(FIXTURES, 'aws', 'config'), 'utf8').replace(/\n*$/, '\n\n');
  const configPath = path.join(dir, 'config');
  fs.writeFileSync(configPath, demo + BROKEN_TAIL.join('\n'));
  const credentialsPath = path.join(dir, 'credentials');
  fs.copyFileSync(path.join(FIXTURES, 'aws', 'credentials'), credentialsPath);
  return { configPath, credentialsPath, line: demo.split('\n').length };
}

/** What the real AWS CLI does with a config file: its exit code and what it printed. */
function awsCli(configPath: string, args: string[]): { status: number | null; output: string } {
  const env = { PATH: '/usr/bin:/bin', HOME: path.dirname(configPath), AWS_CONFIG_FILE: configPath };
  const result = spawnSync(AWS_CLI, args, { env, encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** boto3 (from the Python on PATH), if installed: the profile's region as it reads it, or the exception's name and message. */
function boto3Reads(configPath: string, profile: string): string | undefined {
  const script = [
    'import sys, boto3',
    'try:',
    `    print(boto3.Session(profile_name=${JSON.stringify(profile)}).region_name)`,
    'except Exception as e:',
    '    print(type(e).__name__, e)',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script], { env: { ...process.env, AWS_CONFIG_FILE: configPath }, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const hasCli = fs.existsSync(AWS_CLI);
const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

describe('a line the AWS CLI refuses', () => {
  it('the real AWS CLI and boto3 refuse the whole file; the line is found by its number', { skip: !hasCli && 'no /usr/bin/aws' }, () => {
    const dir = tempDir();
    try {
      const files = brokenDemoFiles(dir);
      const cli = awsCli(files.configPath, ['configure', 'get', 'region', '--profile', 'dev-readonly']);
      assert.equal(cli.status, 255, cli.output);
      assert.match(cli.output, /Unable to parse config file/);
      if (hasBoto3) {
        assert.match(boto3Reads(files.configPath, 'dev-readonly')!, /^ConfigParseError Unable to parse config file/);
      }
      // Then its two keys land in the profile above, which has them already.
      assert.deepEqual(cliRejectedLines(fs.readFileSync(files.configPath, 'utf8')), [
        { line: files.line, reason: 'NotKeyValue' },
        { line: files.line + 1, reason: 'DuplicateKey' },
        { line: files.line + 2, reason: 'DuplicateKey' },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the profile the lines fall into is refused, named with the line; roles that go through it too; the others stay', async () => {
    const dir = tempDir();
    try {
      const files = brokenDemoFiles(dir);
      const config = await loadAwsConfig(files);
      // Without the check, the SDK gives the last profile above the broken header that header's role_arn.
      const above = config.profiles.get('prod-breakglass')!;
      assert.equal(above.source, undefined);
      assert.deepEqual(
        above.warnings.map((w) => w.code),
        ['CliRejectedLine'],
      );
      assert.match(above.warnings[0].message, new RegExp(`config line ${files.line} is neither 'key = value' nor a \\[section\\] header`));
      assert.match(above.warnings[0].message, /the AWS CLI and boto3 refuse the whole file/);
      assert.deepEqual(config.profiles.get('dev-readonly')!.source, { kind: 'profile', profile: 'default' });
      const role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'prod-breakglass')!;
      const unreachable = { config, endpoint: 'http://127.0.0.1:9', region: 'eu-west-1', timeoutMs: 1000 };
      await rejectsWith(assumeRole(role, unreachable), 'BrokenProfile', `line ${files.line}`, "profile 'prod-breakglass'");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a role whose source_profile is the refused profile is refused too', async () => {
    const dir = tempDir();
    try {
      const configPath = path.join(dir, 'config');
      fs.writeFileSync(
        configPath,
        [
          '[default]',
          'region = eu-west-1',
          '[profile hop]',
          'role_arn = arn:aws:iam::222222222222:role/ReadOnly',
          'source_profile = default',
          'oops',
          '[profile via-hop]',
          'role_arn = arn:aws:iam::333333333333:role/ReadOnly',
          'source_profile = hop',
          '',
        ].join('\n'),
      );
      const { profiles } = await loadAwsConfig({ configPath, credentialsPath: path.join(dir, 'credentials') });
      assert.equal(profiles.get('via-hop')!.source, undefined);
      assert.deepEqual(
        profiles.get('via-hop')!.warnings.map((w) => w.code),
        ['BrokenSourceProfile'],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    "a terminal's generated config parses in the real AWS CLI and boto3 when the person's does not",
    { skip: !hasCli && 'no /usr/bin/aws' },
    () => {
      const dir = tempDir();
      try {
        const files = brokenDemoFiles(dir);
        const generated = path.join(dir, 'aws-config-generated');
        fs.writeFileSync(generated, terminalConfigText(fs.readFileSync(files.configPath, 'utf8'), '/bin/false', 'eu-west-1'));
        const cli = awsCli(generated, ['configure', 'get', 'region', '--profile', 'iam-switchboard']);
        assert.deepEqual([cli.status, cli.output.trim()], [0, 'eu-west-1']);
        if (hasBoto3) {
          assert.equal(boto3Reads(generated, 'iam-switchboard'), 'eu-west-1');
        }
        assert.doesNotMatch(fs.readFileSync(generated, 'utf8'), /broken-one/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('finds exactly the files Python configparser (what botocore uses) refuses', { skip: !hasCli && 'no /usr/bin/aws' }, () => {
    const samples = [
      '[a]\nx = 1\n',
      '[a]\nx: 1\n',
      'x = 1\n[a]\n',
      '# only a comment first\n[a]\nx = 1\n',
      '[a]\nno separator\n',
      '[a]\n= empty key\n',
      '[a]\n: empty key\n',
      '[a]\nx = 1\n  continued\n',
      '[a]\n  indented first = 1\n',
      '[a]\n  indented without separator\n',
      '[a]\nx = 1\n\n  continued after a blank line\n',
      '[a]\nx = 1\nX = 2\n',
      '[a]\nx = 1\n[b]\nx = 2\n',
      '[a]\n[a]\n',
      '[a] trailing\nx = 1\n',
      '[profile broken-one\nrole_arn = r\n',
      '[a]\nx = 1 # comment with = inside\n',
      '[a]\nfoo # bar\n',
      '[a]\r\nx = 1\r\nbroken\r\n',
      '[a]\n; x\n#y\n',
    ];
    const script = [
      'import configparser, json, sys',
      'out = []',
      'for text in json.load(sys.stdin):',
      '    try:',
      '        configparser.RawConfigParser().read_string(text); out.append(False)',
      '    except configparser.Error:',
      '        out.append(True)',
      'print(json.dumps(out))',
    ].join('\n');
    const python = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(samples), encoding: 'utf8' });
    const pythonRefuses = JSON.parse(python.stdout) as boolean[];
    assert.deepEqual(
      samples.map((text) => cliRejectedLines(text).length > 0),
      pythonRefuses,
    );
    // The same verdict from the AWS CLI itself, for the sample of the issue and a good one.
    const dir = tempDir();
    try {
      for (const text of ['[profile a]\nregion = eu-west-1\n', '[profile a]\nregion = eu-west-1\n[profile broken-one\nregion = x\n']) {
        const file = path.join(dir, 'config');
        fs.writeFileSync(file, text);
        const refused = awsCli(file, ['configure', 'get', 'region', '--profile', 'a']).status === 255;
        assert.equal(refused, cliRejectedLines(text).length > 0, text);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
