import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadAwsConfig } from '../../src/core/aws/config';
import { buildCatalog } from '../../src/core/catalog/roleCatalog';
import { checkNumericSetting, checkNumericSettings, NUMERIC_SETTING_RANGES } from '../../src/core/settingsRanges';
import { assumeRole, getCallerIdentity } from '../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../servers/aws';

const ROOT = path.resolve(__dirname, '../../..');

describe('numeric settings', () => {
  test('a fractional request timeout becomes whole milliseconds', () => {
    assert.equal(checkNumericSettings({ requestTimeoutSeconds: 16.1 }).requestTimeoutMs, 16100);
    assert.ok(Number.isInteger(checkNumericSettings({ requestTimeoutSeconds: 0.0011 * 1000 + 0.3333 }).requestTimeoutMs));
  });

  test('out-of-range, non-numeric and missing values are clamped or defaulted, each problem said once', () => {
    const checked = checkNumericSettings({ sessionDurationSeconds: 60, requestTimeoutSeconds: 'soon' });
    assert.deepEqual(checked, {
      sessionDurationSeconds: 900,
      requestTimeoutMs: 15000,
      problems: [
        'iamSwitchboard.sessionDurationSeconds must be from 900 to 43200; 900 is used.',
        'iamSwitchboard.requestTimeoutSeconds is not a number; 15 is used.',
      ],
    });
    assert.deepEqual(checkNumericSettings({}), { sessionDurationSeconds: 3600, requestTimeoutMs: 15000, problems: [] });
    assert.equal(checkNumericSetting('sessionDurationSeconds', 3600.4).value, 3600);
    assert.equal(checkNumericSetting('requestTimeoutSeconds', Infinity).value, 15);
    assert.equal(checkNumericSetting('requestTimeoutSeconds', -3).value, 1);
    assert.equal(checkNumericSetting('requestTimeoutSeconds', 1e9).value, 600);
  });

  test('the ranges are the ones package.json declares', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: unknown } };
    const sections = ([] as Array<{ properties: Record<string, { minimum?: number; maximum?: number; default?: number }> }>).concat(
      pkg.contributes.configuration as never,
    );
    const schema = Object.assign({}, ...sections.map((s) => s.properties)) as Record<
      string,
      { minimum?: number; maximum?: number; default?: number }
    >;
    for (const [name, range] of Object.entries(NUMERIC_SETTING_RANGES)) {
      const declared = schema[`iamSwitchboard.${name}`];
      assert.deepEqual([declared?.minimum, declared?.maximum, declared?.default], [range.min, range.max, range.default], name);
    }
  });

  describe('against the local STS', () => {
    let server: AwsServer;
    before(async () => (server = await startAwsServer()));
    after(() => server.close());

    test('a schema-valid 16.1 s timeout works for STS once checked (the STS path itself also rounds it: stsClients.test)', async () => {
      const config = await loadAwsConfig({
        configPath: path.join(ROOT, 'test/fixtures/aws-config/config'),
        credentialsPath: path.join(ROOT, 'test/fixtures/aws-config/credentials'),
      });
      const role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'dev-readonly')!;
      const settings = { endpoint: server.url, region: 'eu-west-1', config };
      const { requestTimeoutMs } = checkNumericSettings({ requestTimeoutSeconds: 16.1 });
      const identity = await assumeRole(role, { ...settings, timeoutMs: requestTimeoutMs });
      assert.match(
        (await getCallerIdentity(identity.credentials, { ...settings, timeoutMs: requestTimeoutMs })).arn,
        /assumed-role\/ReadOnly/,
      );
    });
  });
});
