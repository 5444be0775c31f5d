// iamSwitchboard.agents.*: a workspace may only make agents' access stricter; the designated roles and the named
// policy come from the person's own settings, and package.json declares them so.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { agentSettingsFromLayers } from '../../../src/core/agents/agentSettings';

const ROOT = path.resolve(__dirname, '../../../..');

describe('agent settings', () => {
  test('access defaults to readOnly, and a workspace or folder may tighten it, never widen it', () => {
    assert.equal(agentSettingsFromLayers({}, undefined, undefined).access, 'readOnly');
    assert.equal(agentSettingsFromLayers({ user: 'sameAsMe' }, undefined, undefined).access, 'sameAsMe');
    assert.equal(agentSettingsFromLayers({ user: 'sameAsMe', workspace: 'viewOnly' }, undefined, undefined).access, 'viewOnly');
    assert.equal(agentSettingsFromLayers({ user: 'readOnly', folder: 'none' }, undefined, undefined).access, 'none');
    assert.equal(agentSettingsFromLayers({ user: 'viewOnly', workspace: 'sameAsMe' }, undefined, undefined).access, 'viewOnly');
    assert.equal(agentSettingsFromLayers({ workspace: 'sameAsMe' }, undefined, undefined).access, 'readOnly');
    assert.equal(agentSettingsFromLayers({ user: 'everything' }, undefined, undefined).access, 'readOnly');
  });

  test('designated roles keep only role ARNs of the account they are listed under; the policy must be a policy ARN', () => {
    const settings = agentSettingsFromLayers({ user: 'readOnly' }, 'arn:aws:iam::111111111111:policy/AgentRead', {
      '222222222222': 'arn:aws:iam::222222222222:role/AgentReadOnly',
      '333333333333': 'arn:aws:iam::222222222222:role/AgentReadOnly',
      '444444444444': 42,
    });
    assert.deepEqual(settings, {
      access: 'readOnly',
      policyArn: 'arn:aws:iam::111111111111:policy/AgentRead',
      roles: { '222222222222': 'arn:aws:iam::222222222222:role/AgentReadOnly' },
    });
    assert.equal(agentSettingsFromLayers({}, 'arn:aws:iam::aws:role/NotAPolicy', []).policyArn, undefined);
  });

  test('package.json: access defaults to readOnly and may be set by a workspace; policyArn and roles are machine-scoped', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: unknown } };
    const sections = ([] as Array<{ properties: Record<string, { scope?: string; default?: unknown; enum?: string[] }> }>).concat(
      pkg.contributes.configuration as never,
    );
    const schema = Object.assign({}, ...sections.map((s) => s.properties)) as Record<
      string,
      { scope?: string; default?: unknown; enum?: string[] }
    >;
    assert.deepEqual(schema['iamSwitchboard.agents.access']?.enum, ['readOnly', 'viewOnly', 'sameAsMe', 'none']);
    assert.equal(schema['iamSwitchboard.agents.access']?.default, 'readOnly');
    assert.equal(schema['iamSwitchboard.agents.access']?.scope, undefined);
    assert.equal(schema['iamSwitchboard.agents.roles']?.scope, 'machine');
    assert.equal(schema['iamSwitchboard.agents.policyArn']?.scope, 'machine');
  });
});
