import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentName, agentOf, agentOfHeader } from '../../../src/core/agents/markers';

describe('agent markers', () => {
  it("names VS Code's agent terminals by either of the variables VS Code sets", () => {
    assert.equal(agentOf({ COPILOT_AGENT: '1' }), 'copilot');
    assert.equal(agentOf({ AI_AGENT: 'github_copilot_vscode_agent' }), 'copilot');
  });

  it('names each CLI agent by its own marker', () => {
    const cases: [Record<string, string>, string][] = [
      [{ CLAUDECODE: '1' }, 'claude-code'],
      [{ CURSOR_AGENT: '1' }, 'cursor'],
      [{ CODEX_SANDBOX: 'seatbelt' }, 'codex'],
      [{ CODEX_THREAD_ID: '0199a0b1-7c2e' }, 'codex'],
      [{ GEMINI_CLI: '1' }, 'gemini-cli'],
      [{ KIRO_SESSION_ID: 'abc' }, 'kiro'],
      [{ AUGMENT_AGENT: '1' }, 'augment'],
      [{ OPENCODE: '1' }, 'opencode'],
    ];
    for (const [env, agent] of cases) {
      assert.equal(agentOf(env), agent, JSON.stringify(env));
    }
  });

  it("prefers a vendor's own marker to the cross-vendor AI_AGENT, which names any other agent", () => {
    assert.equal(agentOf({ CLAUDECODE: '1', AI_AGENT: 'something-else' }), 'claude-code');
    assert.equal(agentOf({ AI_AGENT: 'Amp Agent/2' }), 'amp-agent-2');
  });

  it('finds no agent in a person’s environment, nor in a marker that is empty or switched off', () => {
    assert.equal(agentOf({ HOME: '/home/alice', PATH: '/usr/bin', TERM_PROGRAM: 'vscode' }), undefined);
    assert.equal(agentOf({ CLAUDECODE: '', COPILOT_AGENT: '0', AI_AGENT: 'false' }), undefined);
  });

  it('makes every name fit a session name, and something unusable still names an agent', () => {
    for (const raw of ['a'.repeat(200), 'ünïcode ✓ name', '$(rm -rf /)', '\n\r', '']) {
      const name = agentName(raw);
      assert.match(name, /^[\w+=,.@-]{1,32}$/, raw);
    }
    assert.equal(agentName('\n\r'), 'agent');
  });

  it('treats any agent header as an agent, even a malformed one, and no header as none', () => {
    assert.equal(agentOfHeader('claude-code'), 'claude-code');
    assert.equal(agentOfHeader(''), 'agent');
    assert.equal(agentOfHeader(undefined), undefined);
  });
});
