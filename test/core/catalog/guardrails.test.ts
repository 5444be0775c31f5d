// Guardrails: production roles by the accounts setting or by name, the workspace's role resolved from the
// catalog, and the verdict on the active account that the status bar and task/debug launches act on.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { loadAwsConfig } from '../../../src/core/aws/config';
import {
  accountsFromLayers,
  expectedFromLayers,
  guardrailVerdict,
  launchQuestion,
  productionMark,
  productionQuestion,
  resolveWorkspaceRole,
  shortest,
  strictest,
} from '../../../src/core/catalog/guardrails';
import { parseDuration } from '../../../src/core/duration';
import { type AccountSetting, type Catalog, buildCatalog } from '../../../src/core/catalog/roleCatalog';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/aws-config');
const ACCOUNTS: AccountSetting[] = [
  { id: '222222222222', alias: 'dev', roles: ['Ops'] },
  { id: '333333333333', alias: 'live', production: true, roles: ['ReadOnly'] },
  { id: '444444444444', alias: 'prod-sandbox', production: false, roles: ['Admin'] },
];
let catalog: Catalog;
const role = (label: string) => {
  const found = catalog.roles.find((r) => r.label === label);
  assert.ok(found, `no role ${label}`);
  return found;
};

before(async () => {
  const config = await loadAwsConfig({ configPath: path.join(FIXTURES, 'config'), credentialsPath: path.join(FIXTURES, 'credentials') });
  catalog = buildCatalog({ profiles: config.profiles, accounts: ACCOUNTS });
});

describe('production roles', () => {
  test('an account marked production in the setting makes all its roles production, whatever their names', () => {
    assert.equal(catalog.accounts.find((a) => a.id === '333333333333')?.production, true);
    const mark = productionMark(role('prod-admin'), catalog.accounts);
    assert.deepEqual(mark, { production: true, reason: 'account live is marked production' });
    assert.equal(
      productionQuestion(role('prod-admin'), mark),
      'prod-admin is a production role (account 333333333333; account live is marked production). Assume it?',
    );
  });

  test('without a mark, a name pattern decides; production: false overrides a name that looks like prod', () => {
    assert.deepEqual(productionMark({ accountId: '555555555555', label: 'prod-admin', profile: 'prod-admin' }, []), {
      production: true,
      reason: "the name 'prod-admin' matches 'prod-*'",
    });
    assert.deepEqual(productionMark({ accountId: '555555555555', label: 'team-prod/ReadOnly' }, []), {
      production: true,
      reason: "the name 'team-prod' matches '*-prod'",
    });
    assert.equal(productionMark(role('dev-readonly'), catalog.accounts).production, false);
    assert.equal(productionMark({ accountId: '555555555555', label: 'product-catalog' }, []).production, false);
    assert.equal(productionMark(role('prod-sandbox/Admin'), catalog.accounts).production, false);
    assert.equal(productionMark(role('dev/Ops'), catalog.accounts, ['dev']).production, true);
  });
});

describe('a workspace may tighten a setting, never loosen it', () => {
  test("a workspace's accounts list cannot unmark an account the person marks production", () => {
    const user: AccountSetting[] = [{ id: '333333333333', alias: 'live', production: true, roles: ['ReadOnly'] }];
    const workspace: AccountSetting[] = [
      { id: '333333333333', alias: 'live', production: false, roles: ['ReadOnly'] },
      { id: '444444444444', alias: 'prod-sandbox', production: false, roles: ['Admin'] },
      { id: '222222222222', alias: 'dev', production: true, roles: ['Ops'] },
    ];
    const { accounts, userProductionIds } = accountsFromLayers({ user, workspace }, true);
    assert.deepEqual(userProductionIds, ['333333333333']);
    assert.deepEqual(
      accounts.map((a) => [a.id, a.production]),
      [
        ['333333333333', undefined],
        ['444444444444', undefined],
        ['222222222222', true],
      ],
    );
    const marked = (accountId: string, label: string) => productionMark({ accountId, label }, accounts, undefined, userProductionIds);
    assert.deepEqual(marked('333333333333', 'live/ReadOnly'), {
      production: true,
      reason: 'account 333333333333 is marked production in your user settings',
    });
    // Its `production: false` is dropped, so the name pattern still marks it; a workspace may add a mark.
    assert.equal(marked('444444444444', 'prod-sandbox/Admin').production, true);
    assert.equal(marked('222222222222', 'dev/Ops').production, true);
    // Even when the workspace's list leaves the account out.
    assert.equal(productionMark({ accountId: '333333333333', label: 'x' }, [], undefined, userProductionIds).production, true);
    // The person's own `production: false` counts, and in Restricted Mode the workspace's list is not read at all.
    const own = accountsFromLayers({ user: [{ id: '444444444444', production: false, roles: [] }], workspace }, false);
    assert.deepEqual(
      own.accounts.map((a) => [a.id, a.production]),
      [['444444444444', false]],
    );
  });

  test('guardrail choices are the strictest, durations the shortest, of the user (or default) and the workspace', () => {
    const order = ['refuse', 'ask', 'allow'] as const;
    assert.equal(strictest({ user: 'refuse', workspace: 'allow', folder: 'ask' }, 'ask', order), 'refuse');
    assert.equal(strictest({ workspace: 'allow' }, 'ask', order), 'ask');
    assert.equal(strictest({ user: 'allow', folder: 'refuse' }, 'ask', order), 'refuse');
    assert.equal(strictest({ user: 'nonsense', workspace: 'nonsense' }, 'ask', order), 'ask');
    const seconds = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
    assert.equal(shortest({ workspace: 43200 }, 3600, seconds), 3600);
    assert.equal(shortest({ user: 7200, workspace: 43200, folder: 900 }, 3600, seconds), 900);
    assert.equal(shortest({ user: 7200, workspace: 'x' }, 3600, seconds), 7200);
    assert.equal(shortest({ user: 'x' }, 3600, seconds), 'x', "the user's own mistake is left for readSettings to report");
    const ttl = (v: unknown) => (typeof v === 'string' ? parseDuration(v) : undefined);
    assert.equal(shortest({ workspace: '12h' }, '1h', ttl), '1h');
    assert.equal(shortest({ user: '2h', workspace: '15m' }, '1h', ttl), '15m');
  });

  test("an empty expectedAccountIds in a workspace does not clear the person's own", () => {
    assert.deepEqual(expectedFromLayers({ user: ['222222222222'], workspace: [] }), ['222222222222']);
    assert.deepEqual(expectedFromLayers({ user: ['222222222222'], folder: ['333333333333'] }), ['333333333333']);
    assert.deepEqual(expectedFromLayers({}), []);
  });
});

describe('the workspace role', () => {
  test('is found by role key, profile name, label or ARN (a profile first)', () => {
    assert.equal(resolveWorkspaceRole('profile:dev-deployer', catalog).role?.label, 'dev-deployer');
    assert.equal(resolveWorkspaceRole(' prod-admin ', catalog).role?.key, 'profile:prod-admin');
    assert.equal(resolveWorkspaceRole('dev/Ops', catalog).role?.key, 'setting:arn:aws:iam::222222222222:role/Ops');
    assert.equal(resolveWorkspaceRole('arn:aws:iam::333333333333:role/Admin', catalog).role?.origin, 'profile');
    assert.equal(
      resolveWorkspaceRole('arn:aws:iam::444444444444:role/Admin', catalog).role?.key,
      'setting:arn:aws:iam::444444444444:role/Admin',
    );
  });

  test('an unknown value is one sentence that never repeats anything shaped like a key', () => {
    const unknown = resolveWorkspaceRole('staging-deployer', catalog);
    assert.equal(unknown.role, undefined);
    assert.equal(
      unknown.problem,
      "The workspace role 'staging-deployer' (iamSwitchboard.workspaceRole) is not a profile, role or role ARN you have: add it to ~/.aws/config or iamSwitchboard.accounts, or fix the setting.",
    );
    const secret = resolveWorkspaceRole('AKIALOCALALICE000001', catalog);
    assert.ok(secret.problem && !secret.problem.includes('AKIA'), secret.problem);
    assert.equal(resolveWorkspaceRole('', catalog).problem, 'iamSwitchboard.workspaceRole is empty.');
  });
});

describe('the account verdict', () => {
  const dev = { label: 'dev-readonly', accountId: '222222222222' };
  const prod = { label: 'prod-admin', accountId: '333333333333' };

  test('a prod role in a dev workspace: error colour, and a task asks first', () => {
    const verdict = guardrailVerdict({ identity: prod, expectedAccountIds: ['222222222222'], production: { production: true } });
    assert.equal(verdict.state, 'wrongAccount');
    assert.equal(verdict.statusBarBackground, 'statusBarItem.errorBackground');
    assert.equal(
      verdict.message,
      'prod-admin is in account 333333333333, but this workspace expects 222222222222 (iamSwitchboard.expectedAccountIds).',
    );
    assert.equal(verdict.confirmLaunch, true);
    assert.equal(
      launchQuestion(verdict, prod, { kind: 'task', name: 'terraform apply' }),
      "The task 'terraform apply' would run as prod-admin in account 333333333333, not the account this workspace expects. Start it anyway?",
    );
  });

  test('the expected account launches without a question; production alone only colours', () => {
    const ok = guardrailVerdict({ identity: dev, expectedAccountIds: ['222222222222', '333333333333'] });
    assert.deepEqual([ok.state, ok.confirmLaunch, ok.statusBarBackground], ['expectedAccount', false, undefined]);
    assert.equal(launchQuestion(ok, dev, { kind: 'debug', name: 'Launch' }), undefined);
    const prodOnly = guardrailVerdict({ identity: prod, production: { production: true } });
    assert.deepEqual(
      [prodOnly.state, prodOnly.confirmLaunch, prodOnly.statusBarBackground],
      ['noExpectation', false, 'statusBarItem.warningBackground'],
    );
  });

  test('no role, an unknown account and malformed expected ids each get their own verdict', () => {
    assert.equal(guardrailVerdict({ expectedAccountIds: ['222222222222'] }).state, 'noIdentity');
    const unknown = guardrailVerdict({ identity: { label: 'vault/s3' }, expectedAccountIds: ['222222222222'] });
    assert.deepEqual([unknown.state, unknown.confirmLaunch], ['unknownAccount', true]);
    assert.match(
      launchQuestion(unknown, { label: 'vault/s3' }, { kind: 'debug', name: 'Launch' }) ?? '',
      /^The debug session 'Launch' would run as vault\/s3 in an account that cannot be checked/,
    );
    const typo = guardrailVerdict({ identity: dev, expectedAccountIds: ['2222', '222222222222'] });
    assert.deepEqual([typo.state, typo.invalidExpected], ['expectedAccount', ['2222']]);
  });
});
