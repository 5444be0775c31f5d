// iamSwitchboard.agents.*: a workspace may only make agents' access stricter; the designated roles and the named
// policy come from the person's own settings. (package.json declares them once the edge uses them: issue 21.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentSettingsFromLayers } from '../../../src/core/agents/agentSettings';

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
});
