// Our port of the SDK's ini parsing must read every file exactly as the SDK does: the SDK's own fromIni reads
// the same files when a role is assumed, and the tree must not show what the SDK would not use.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSharedConfigFiles as sdkLoad } from '@smithy/shared-ini-file-loader';
import { loadSharedConfigFiles, loadSharedConfigSections } from '../../../src/core/aws/iniLoader';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures');

// Comments in both styles, nested values, quoted and odd section names, duplicates, blank values, CRLF, prefixes
// the SDK keeps or drops, and lines it ignores.
const TRICKY = [
  '[default]',
  'region = eu-west-1 # trailing comment',
  'output=json;not a comment',
  '',
  '[profile dev]',
  'role_arn = arn:aws:iam::222222222222:role/Dev',
  'source_profile = default',
  's3 =',
  '  max_concurrent_requests = 20',
  '  addressing_style = path',
  'region = us-east-1',
  'this line has no equals sign',
  '= no key',
  '',
  "[profile 'quoted']",
  'region = eu-central-1',
  '[profile "double"]',
  'region = ap-south-1',
  '[profile  two-spaces]',
  'region = x',
  '[profile dev]',
  'mfa_serial = arn:aws:iam::111111111111:mfa/dev',
  '[sso-session corp]',
  'sso_start_url = https://example.awsapps.com/start',
  '[services local]',
  'sts =',
  '  endpoint_url = http://127.0.0.1:4566',
  '[plain-section]',
  'region = dropped-in-config',
  '[unknown prefix]',
  'region = dropped',
  '[profile empty]',
  '',
  '[profile a.b]',
  'region = dotted',
  '#[profile commented]',
  ';region = nope',
  '[profile default]',
  'region = wins-over-default',
  '   [profile spaced]   ',
  'region = s\r',
  'key_with_crlf = v\r',
  '',
].join('\n');

describe('ini files read exactly as the SDK reads them', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-ini-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function same(configFilepath: string, filepath: string): Promise<void> {
    const ours = await loadSharedConfigFiles({ configFilepath, filepath, ignoreCache: true });
    const theirs = await sdkLoad({ configFilepath, filepath, ignoreCache: true });
    assert.deepEqual(ours, theirs);
    // Profiles are listed in the order the files give them: the order of names must match too, in the Maps the
    // profiles are read from as in the objects.
    assert.deepEqual(keyOrder(ours.configFile), keyOrder(theirs.configFile));
    assert.deepEqual(keyOrder(ours.credentialsFile), keyOrder(theirs.credentialsFile));
    const maps = await loadSharedConfigSections({ configFilepath, filepath, ignoreCache: true });
    assert.deepEqual([...maps.configFile.keys()], Object.keys(theirs.configFile));
    assert.deepEqual([...maps.credentialsFile.keys()], Object.keys(theirs.credentialsFile));
  }

  it('the fixtures', async () => {
    await same(path.join(FIXTURES, 'aws/config'), path.join(FIXTURES, 'aws/credentials'));
    await same(path.join(FIXTURES, 'aws-config/config'), path.join(FIXTURES, 'aws-config/credentials'));
    await same(path.join(FIXTURES, 'aws-config/broken-config'), path.join(FIXTURES, 'aws-config/credentials'));
  });

  it('comments, nested values, quoted, duplicate, prefixed and unparsable sections, as config and as credentials', async () => {
    const file = path.join(dir, 'tricky');
    fs.writeFileSync(file, TRICKY);
    await same(file, file);
    const ours = await loadSharedConfigFiles({ configFilepath: file, filepath: file, ignoreCache: true });
    assert.equal(ours.configFile.dev?.['s3.max_concurrent_requests'], '20'); // the case is really exercised
    assert.equal(ours.configFile.default?.region, 'wins-over-default');
  });

  it('missing files and a [__proto__] section count as empty', async () => {
    const proto = path.join(dir, 'proto');
    fs.writeFileSync(proto, '[default]\nregion = x\n[__proto__]\nregion = y\n');
    await same(path.join(dir, 'missing'), proto);
    await same(proto, path.join(dir, 'also-missing'));
    assert.deepEqual(await loadSharedConfigFiles({ configFilepath: proto, filepath: proto, ignoreCache: true }), {
      configFile: {},
      credentialsFile: {},
    });
  });

  it('a generated config with 2,000 profiles', async () => {
    const lines = ['[default]', 'region = eu-west-1'];
    for (let i = 0; i < 2000; i++) {
      lines.push(
        `[profile role-${i}]`,
        `role_arn = arn:aws:iam::${100000000000 + i}:role/R${i}`,
        `source_profile = ${i % 3 ? 'default' : `role-${i - 1}`}`,
      );
      if (i % 7 === 0) lines.push('# a comment', 'mfa_serial = arn:aws:iam::111111111111:mfa/m ; inline');
    }
    const file = path.join(dir, 'large');
    fs.writeFileSync(file, lines.join('\r\n'));
    await same(file, file);
  });

  it('400 random files mixing every construct above, as config and as credentials', async () => {
    const random = seeded(15);
    const file = path.join(dir, 'random');
    for (let round = 0; round < 400; round++) {
      fs.writeFileSync(file, randomIni(random));
      await same(file, file);
    }
  });
});

function keyOrder(data: Record<string, Record<string, string | undefined> | undefined>): string[][] {
  return Object.entries(data).map(([name, section]) => [name, ...Object.keys(section ?? {})]);
}

// Pieces of lines the SDK treats differently: headers with and without known prefixes, quotes, dots, spacing and
// integer-like names; values, nested values, comments with and without whitespace before them, Unicode spaces.
const HEADERS = [
  'default',
  'profile default',
  'profile a',
  'a',
  "profile 'a'",
  'profile "b"',
  'profile  a',
  ' profile a ',
  'profile a.b',
  'profile.a',
  'a.b',
  'sso-session s',
  'sso-session.s',
  'profile sso-session.s',
  'services x',
  'unknown x',
  '',
  '123',
  'profile 123',
  'profile a b',
  'profile "a\'',
  'PROFILE a',
  'profile\ta',
  'profile x/y:z@w+%',
];
const KEYS = ['region', 'role_arn', 'Role_Arn', 's3', 'endpoint_url', 'a.b', 'x y', ''];
const VALUES = ['eu-west-1', '', 'a=b', 'v # c', 'v#c', 'v ;c', ' spaced ', '\u00a0nbsp\u00a0', '[not a header]'];
const SPACES = ['', ' ', '  ', '\t', '\u00a0', '\u3000', '\ufeff'];
const NEWLINES = ['\n', '\n', '\n', '\r\n', '\r'];

function randomIni(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const lines: string[] = [];
  for (let i = Math.floor(random() * 30); i > 0; i--) {
    const kind = random();
    const indent = random() < 0.3 ? pick(SPACES) : '';
    if (kind < 0.2) {
      lines.push(`${indent}[${pick(HEADERS)}]${pick(SPACES)}${random() < 0.1 ? ' # comment' : ''}`);
    } else if (kind < 0.75) {
      lines.push(`${indent}${pick(KEYS)}${pick(SPACES)}=${pick(SPACES)}${pick(VALUES)}${pick(SPACES)}`);
    } else if (kind < 0.85) {
      lines.push(`${indent}${pick(['#', ';'])} comment = x`);
    } else {
      lines.push(pick([indent, 'no equals sign', '=', `${indent}key${pick(['#', ';'])}=v`, '[', ']', '[[profile a]]']));
    }
  }
  return lines.map((line) => line + pick(NEWLINES)).join('');
}

/** A small deterministic generator, so that a failing file can be made again. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
