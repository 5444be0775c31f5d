// source_profile chains at the sizes people have: every profile resolved with one step each, and a loop reported
// in a sentence per profile that names the loop once, however long it is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profilesFromIni } from '../../../src/core/aws/config';

type Ini = Record<string, Record<string, string>>;

const KEYS = { aws_access_key_id: 'AKIALOCALCHAIN000001', aws_secret_access_key: 'chainLocalSecret' };

function role(i: number, source: string): Record<string, string> {
  return { role_arn: `arn:aws:iam::222222222222:role/R${i}`, source_profile: source };
}

describe('source_profile chains at scale', () => {
  it('2,000 chained profiles each assume the one before them, down to the keys', () => {
    const config: Ini = { base: KEYS, 'r-0': role(0, 'base') };
    for (let i = 1; i < 2000; i++) config[`r-${i}`] = role(i, `r-${i - 1}`);
    const profiles = profilesFromIni(config, {});
    assert.deepEqual(profiles.get('r-0')?.source, { kind: 'profile', profile: 'base' });
    for (let i = 1; i < 2000; i++) {
      assert.deepEqual(profiles.get(`r-${i}`)?.source, { kind: 'role', profile: `r-${i - 1}` });
      assert.deepEqual(profiles.get(`r-${i}`)?.warnings, []);
    }
  });

  it('a 2,000-long loop: each member is told once, in a short sentence that starts at itself', () => {
    const config: Ini = {};
    for (let i = 0; i < 2000; i++) config[`l-${i}`] = role(i, `l-${(i + 1) % 2000}`);
    const profiles = profilesFromIni(config, {});
    let text = 0;
    for (let i = 0; i < 2000; i++) {
      const profile = profiles.get(`l-${i}`)!;
      assert.equal(profile.source, undefined);
      assert.deepEqual(
        profile.warnings.map((w) => w.code),
        ['SourceProfileLoop'],
      );
      const message = profile.warnings[0].message;
      assert.ok(message.startsWith(`its source_profile chain loops: l-${i} → l-${(i + 1) % 2000} → `), message);
      assert.match(message, /→ … →.*\(2000 profiles\)\.$/);
      text += message.length;
    }
    assert.ok(text < 2000 * 200, `${text} characters of warnings`);
  });

  it('a profile leading into a loop says it runs into the loop, and names the loop rather than its own path', () => {
    const config: Ini = { a: role(1, 'b'), b: role(2, 'c'), c: role(3, 'b'), tail: role(4, 'a') };
    const profiles = profilesFromIni(config, {});
    assert.equal(profiles.get('b')?.warnings[0].message, 'its source_profile chain loops: b → c → b.');
    assert.equal(profiles.get('c')?.warnings[0].message, 'its source_profile chain loops: c → b → c.');
    assert.equal(profiles.get('a')?.warnings[0].message, 'its source_profile chain runs into a loop: b → c → b.');
    assert.equal(profiles.get('tail')?.warnings[0].message, 'its source_profile chain runs into a loop: b → c → b.');
  });

  it('a missing link deep in a chain names the profile that has it, for every profile above it', () => {
    const config: Ini = { top: role(1, 'mid'), mid: role(2, 'low'), low: role(3, 'gone') };
    const profiles = profilesFromIni(config, {});
    assert.equal(profiles.get('low')?.warnings[0].message, "source_profile 'gone' does not exist.");
    assert.equal(profiles.get('mid')?.warnings[0].message, "source_profile 'gone' (of profile 'low') does not exist.");
    assert.equal(profiles.get('top')?.warnings[0].message, "source_profile 'gone' (of profile 'low') does not exist.");
  });
});
