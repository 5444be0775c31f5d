import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { awsConfigFiles, loadAwsConfig, roleProfiles } from '../../../src/core/aws/config';
import { UserError } from '../../../src/core/userError';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures');
const demo = { configPath: path.join(FIXTURES, 'aws/config'), credentialsPath: path.join(FIXTURES, 'aws/credentials') };
const broken = {
  configPath: path.join(FIXTURES, 'aws-config/broken-config'),
  credentialsPath: path.join(FIXTURES, 'aws-config/credentials'),
};

describe('~/.aws/config profiles', () => {
  it('honours AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else uses ~/.aws', () => {
    assert.deepEqual(awsConfigFiles({ AWS_CONFIG_FILE: '/x/config', AWS_SHARED_CREDENTIALS_FILE: '~/creds' }, '/home/u'), {
      configPath: '/x/config',
      credentialsPath: '/home/u/creds',
    });
    assert.deepEqual(awsConfigFiles({}, '/home/u'), { configPath: '/home/u/.aws/config', credentialsPath: '/home/u/.aws/credentials' });
  });

  it('reads the demo config: role profiles, their sources and options, chains', async () => {
    const { profiles } = await loadAwsConfig(demo);
    assert.deepEqual(
      roleProfiles(profiles).map((p) => p.name),
      ['dev-readonly', 'dev-deployer', 'prod-readonly', 'prod-admin', 'prod-auditor', 'prod-breakglass'],
    );
    assert.equal(profiles.get('default')?.credentialKind, 'static');
    const deployer = profiles.get('dev-deployer')!;
    assert.equal(deployer.externalId, 'switchboard-ci');
    assert.equal(deployer.durationSeconds, 7200);
    assert.deepEqual(deployer.source, { kind: 'profile', profile: 'default' });
    const admin = profiles.get('prod-admin')!;
    assert.equal(admin.mfaSerial, 'arn:aws:iam::111111111111:mfa/bob');
    assert.equal(admin.region, 'us-east-1');
    assert.deepEqual(admin.source, { kind: 'profile', profile: 'bob' });
    assert.equal(profiles.get('dev-readonly')?.roleSessionName, 'alice');
    // prod-auditor's source is itself a role profile: assume dev-readonly first.
    assert.deepEqual(profiles.get('prod-auditor')?.source, { kind: 'role', profile: 'dev-readonly' });
    for (const p of profiles.values()) {
      assert.deepEqual(p.warnings, [], p.name);
    }
  });

  it('marks each broken profile with a warning and still loads the others', async () => {
    const { profiles } = await loadAwsConfig(broken);
    const warning = (name: string) =>
      profiles
        .get(name)!
        .warnings.map((w) => w.message)
        .join(' ');
    const codes = (name: string) => profiles.get(name)!.warnings.map((w) => w.code);
    assert.deepEqual(profiles.get('good')!.warnings, []);
    assert.deepEqual(profiles.get('good')!.source, { kind: 'profile', profile: 'default' });
    assert.match(warning('orphan'), /source_profile 'does-not-exist' does not exist/);
    assert.deepEqual(codes('orphan'), ['UnknownSourceProfile']);
    assert.equal(profiles.get('orphan')!.source, undefined);
    assert.match(warning('loop-a'), /loops: loop-a → loop-b → loop-a/);
    assert.match(warning('loop-b'), /loops/);
    assert.deepEqual(codes('loop-b'), ['SourceProfileLoop']);
    assert.match(warning('short-account'), /'arn:aws:iam::22222222222:role\/ReadOnly' is not a role ARN/);
    // A line the AWS CLI refuses (it then refuses the whole file): the profile it falls in is not used.
    assert.match(
      warning('broken-line'),
      /broken-config line 28 is neither 'key = value' nor a \[section\] header: the AWS CLI and boto3 refuse/,
    );
    assert.deepEqual(codes('broken-line'), ['CliRejectedLine']);
    assert.equal(profiles.get('broken-line')!.source, undefined);
    assert.match(warning('both-sources'), /both source_profile and credential_source/);
    assert.match(warning('bad-duration'), /duration_seconds 'forever'/);
    assert.deepEqual(codes('both-sources'), ['ConflictingSources']);
    assert.deepEqual(codes('bad-duration'), ['InvalidDuration']);
  });

  it('a broken line never echoes its content, which may be a secret', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-config-'));
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYLOCALSECRET';
    const token = 'IQoJb3JpZ2luX2VjEDoaCXVzLWVhc3QtMSJHMEUCIQDLOCALTOKEN+wrapped/line'; // the middle of a wrapped token
    fs.writeFileSync(
      path.join(dir, 'config'),
      '[profile dev]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = default\n',
    );
    fs.writeFileSync(
      path.join(dir, 'credentials'),
      `[default]\naws_access_key_id = AKIALOCALALICE000001\naws_secret_access_key: ${secret}\naws_session_token = x\n${token}\n`,
    );
    const { profiles } = await loadAwsConfig({ configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') });
    const warnings = profiles.get('default')!.warnings.map((w) => w.message);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /credentials line 3 is not 'key = value'/);
    assert.match(warnings[1], /credentials line 5 is neither 'key = value' nor a \[section\] header/);
    for (const part of [secret, token, 'wJalrXUtnFEMI', 'IQoJb3JpZ2lu']) {
      assert.ok(!warnings.join(' ').includes(part), `a warning shows ${part}`);
    }
  });

  it('missing files mean no profiles, not an error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-config-'));
    const { profiles } = await loadAwsConfig({ configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') });
    assert.equal(profiles.size, 0);
  });

  it('re-reads a file after it changes (watched files must not be served from a cache)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-config-'));
    const files = { configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') };
    fs.writeFileSync(
      files.configPath,
      '[default]\nregion = eu-west-1\n[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = default\n',
    );
    assert.deepEqual([...(await loadAwsConfig(files)).profiles.keys()], ['default', 'a']);
    fs.appendFileSync(files.configPath, '[profile b]\nrole_arn = arn:aws:iam::222222222222:role/B\nsource_profile = a\n');
    const { profiles } = await loadAwsConfig(files);
    assert.deepEqual([...profiles.keys()], ['default', 'a', 'b']);
    assert.deepEqual(profiles.get('b')!.source, { kind: 'role', profile: 'a' });
  });

  function writeFiles(config: string, credentials = ''): AwsConfigFilesLike {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-config-'));
    const files = { configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') };
    fs.writeFileSync(files.configPath, config);
    fs.writeFileSync(files.credentialsPath, credentials);
    return files;
  }

  it('a broken credentials line names only its number, even when it starts with a secret that looks like a key name', async () => {
    const secret = 'wJalrXUtnFEMIK7MDENGbPxRfiCYLOCALSECRET1'; // 40 characters, no + or /
    const files = writeFiles('', `[default]\naws_access_key_id = AKIALOCALALICE000001\n${secret} continued\n`);
    const warnings = (await loadAwsConfig(files)).profiles
      .get('default')!
      .warnings.map((w) => w.message)
      .join(' ');
    assert.match(warnings, /credentials line 3 is neither 'key = value' nor a \[section\] header/);
    assert.ok(!warnings.includes('wJalr'), warnings);
  });

  it('a config path that is a directory or a symlink loop is reported unreadable, not taken as empty', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aws-config-'));
    fs.mkdirSync(path.join(dir, 'config'));
    fs.symlinkSync(path.join(dir, 'loop-b'), path.join(dir, 'loop-a'));
    fs.symlinkSync(path.join(dir, 'loop-a'), path.join(dir, 'loop-b'));
    for (const configPath of [path.join(dir, 'config'), path.join(dir, 'loop-a')]) {
      await assert.rejects(
        loadAwsConfig({ configPath, credentialsPath: path.join(dir, 'credentials') }),
        (e: unknown) => e instanceof UserError && e.code === 'UnreadableConfig',
        configPath,
      );
    }
    await assert.rejects(
      loadAwsConfig({ configPath: path.join(dir, 'nothing'), credentialsPath: path.join(dir, 'config') }),
      (e: unknown) => e instanceof UserError && e.code === 'UnreadableConfig',
    );
  });

  it('a UTF-16 file is reported unreadable (the AWS CLI cannot read it either), not taken as empty', async () => {
    const text = '[profile dev]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = default\n';
    const files = writeFiles('');
    fs.writeFileSync(files.configPath, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    await assert.rejects(
      loadAwsConfig(files),
      (e: unknown) => e instanceof UserError && e.code === 'UnreadableConfig' && /UTF-8/.test(e.message),
    );
  });

  it('duration_seconds must be written in decimal digits, as the AWS CLI reads it', async () => {
    const role = (d: string) =>
      `[profile r${d.length}${d.replace(/\W/g, '')}]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = default\nduration_seconds = ${d}\n`;
    const { profiles } = await loadAwsConfig(
      writeFiles(`[default]\nregion = eu-west-1\n${['0x384', '9e2', '900.0', '+900'].map(role).join('')}`),
    );
    for (const profile of roleProfiles(profiles)) {
      assert.equal(profile.durationSeconds, undefined, profile.name);
      assert.deepEqual(
        profile.warnings.map((w) => w.code),
        ['InvalidDuration'],
        profile.name,
      );
    }
  });

  it('a profile defined twice gets a warning (the AWS CLI refuses such a file); a bare [name] section in config is no profile, as in the CLI', async () => {
    const files = writeFiles(
      '[default]\nregion = eu-west-1\n[profile dev]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = default\n' +
        '[profile dev]\nregion = us-east-1\n[bare]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = default\n',
    );
    const { profiles } = await loadAwsConfig(files);
    assert.equal(profiles.has('bare'), false);
    const dev = profiles.get('dev')!;
    assert.deepEqual(
      dev.warnings.map((w) => w.code),
      ['DuplicateProfile'],
    );
    assert.match(dev.warnings[0].message, /defined twice in config \(lines 3 and 6\)/);
  });

  it('a profile header written with quotes or more spaces names the same profile, so writing it twice is a duplicate', async () => {
    for (const second of ['[profile "dev"]', "[profile 'dev']", '[profile   dev]', '[ profile dev ]']) {
      const files = writeFiles(`[profile dev]\nregion = eu-west-1\n${second}\nregion = us-east-1\n[profile dev-2]\nregion = x\n`);
      const { profiles } = await loadAwsConfig(files);
      assert.deepEqual(
        profiles.get('dev')!.warnings.map((w) => w.message),
        ['it is defined twice in config (lines 1 and 3); the AWS CLI refuses such a file, so keep one section.'],
        second,
      );
      assert.deepEqual(profiles.get('dev-2')!.warnings, [], second);
    }
  });

  it('flags each line the SDK ignores by its number (CRLF or not), never comments, blank or nested lines', async () => {
    const config = [
      '# a comment before any section',
      '[profile dev] ; trailing comment',
      'role_arn = arn:aws:iam::222222222222:role/ReadOnly # why',
      'source_profile = default',
      '   ',
      '; region = commented-out',
      's3 =',
      '  max_concurrent_requests = 20',
      '\tno equals here',
      '= no key',
      'region#not-a-comment = eu-west-1',
      'ends with # a comment that holds = the only equals sign',
      '[sso-session corp]',
      'not a key either',
      '[profile other]',
      'region = eu-west-1',
    ];
    for (const newline of ['\n', '\r\n']) {
      const files = writeFiles(config.join(newline), '[default]\naws_access_key_id = AKIALOCALALICE000001\n');
      const { profiles } = await loadAwsConfig(files);
      const dev = profiles.get('dev')!;
      assert.deepEqual(
        dev.warnings.map((w) => w.message),
        [
          // Deeper than `s3 =`: the AWS CLI reads it as part of that value.
          "config line 9 (starting with 'no') is not 'key = value' and was ignored",
          // The AWS CLI refuses it, and with it the whole file.
          `${files.configPath} line 10 has no key before its = or :: the AWS CLI and boto3 refuse the whole file ("Unable to parse config file") until it is fixed, and IAM Switchboard does not use profile 'dev', whose keys it may have changed.`,
          // The AWS CLI reads 'ends with # a comment that holds' as a key.
          "config line 12 (starting with 'ends') is not 'key = value' and was ignored",
        ],
        JSON.stringify(newline),
      );
      assert.equal(dev.roleArn, 'arn:aws:iam::222222222222:role/ReadOnly');
      assert.deepEqual(profiles.get('other')!.warnings, []);
    }
  });

  it('lists profiles in the order the SDK gives them, merges the credentials file over config, and reads sso-session sections', async () => {
    const files = writeFiles(
      [
        '[profile b]',
        'region = eu-west-1',
        '[default]',
        'region = default-section',
        'output = json',
        '[profile 7]',
        'region = numeric',
        '[profile a]',
        'role_arn = arn:aws:iam::222222222222:role/A',
        'source_profile = b',
        'region = from-config',
        '[a]',
        'region = bare-section-is-ignored',
        '[profile default]',
        'region = profile-default-wins',
        '[sso-session corp]',
        'sso_start_url = https://corp.awsapps.com/start',
        'sso_region = eu-west-1',
        '[profile sso-user]',
        'sso_session = corp',
        'sso_account_id = 222222222222',
        'sso_role_name = ReadOnly',
        '[profile.dotted]',
        'region = dotted',
      ].join('\n'),
      [
        '[a]',
        'region = from-credentials',
        '[b]',
        'aws_access_key_id = AKIALOCALALICE000001',
        'aws_secret_access_key = LOCALSECRET',
        '[only-credentials]',
        'aws_access_key_id = AKIALOCALALICE000002',
        'aws_secret_access_key = LOCALSECRET',
        '[3]',
        'region = numeric-credentials',
      ].join('\n'),
    );
    const { profiles, ssoSessions } = await loadAwsConfig(files);
    // Names that are numbers come first, as in the SDK's objects; then default, then the rest in file order.
    assert.deepEqual([...profiles.keys()], ['7', 'default', 'b', 'a', 'sso-user', 'dotted', '3', 'only-credentials']);
    assert.equal(profiles.get('default')!.region, 'profile-default-wins');
    assert.equal(profiles.get('a')!.region, 'from-credentials');
    assert.equal(profiles.get('a')!.roleArn, 'arn:aws:iam::222222222222:role/A');
    assert.deepEqual(profiles.get('a')!.source, { kind: 'profile', profile: 'b' });
    assert.equal(profiles.get('b')!.credentialKind, 'static');
    assert.equal(profiles.get('dotted')!.region, 'dotted');
    assert.deepEqual(ssoSessions, [{ name: 'corp', startUrl: 'https://corp.awsapps.com/start', region: 'eu-west-1' }]);
    assert.deepEqual(profiles.get('sso-user')!.sso, {
      session: 'corp',
      startUrl: 'https://corp.awsapps.com/start',
      region: 'eu-west-1',
      accountId: '222222222222',
      roleName: 'ReadOnly',
    });
  });

  it("a [profile '__proto__'] section is no profile and leaves the others as they are", async () => {
    const files = writeFiles("[profile '__proto__']\nregion = eu-west-1\n[profile dev]\nregion = us-east-1\n");
    const { profiles } = await loadAwsConfig(files);
    assert.deepEqual([...profiles.keys()], ['dev']);
    assert.equal(profiles.get('dev')!.region, 'us-east-1');
  });

  it('mixed-case keys are read as the AWS CLI reads them (case-insensitively), with a warning that SDK tools ignore them', async () => {
    const { profiles } = await loadAwsConfig(
      writeFiles(
        '[default]\nregion = eu-west-1\n[profile dev]\nRole_Arn = arn:aws:iam::222222222222:role/ReadOnly\nSource_Profile = default\n',
      ),
    );
    const dev = profiles.get('dev')!;
    assert.equal(dev.roleArn, 'arn:aws:iam::222222222222:role/ReadOnly');
    assert.deepEqual(dev.source, { kind: 'profile', profile: 'default' });
    assert.deepEqual(
      dev.warnings.map((w) => w.code),
      ['MixedCaseKey', 'MixedCaseKey'],
    );
  });
});

type AwsConfigFilesLike = { configPath: string; credentialsPath: string };
