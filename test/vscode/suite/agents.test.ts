// The agent tools in VS Code: the language model tools called through vscode.lm.invokeTool (as VS Code's agent calls
// them), the write request answered in the extension's own modal (replaced for the test, as the other suites
// answer a person's questions), and the MCP server started exactly as the extension's provider resolves it, with the
// SDK's real Client over stdio. No tool answer may hold a key or a token.
import * as assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import * as vscode from 'vscode';
import { WriteGrants } from '../../../src/core/agents/grants';
import type { AgentsActivation } from '../../../src/features/agents';
import { AgentTreeProvider } from '../../../src/treeViews/agentTree';
import type { Session } from '../../../src/core/session';
import { extensionId, session as extensionSession } from './helpers';

const DEV_AGENT_ARN = 'arn:aws:sts::222222222222:assumed-role/ReadOnly/agent-copilot-alice';

/** Every answer a tool gave in this file, for the secret scan at the end. */
const answers: string[] = [];
let session: Session;

async function tool(name: string, input: object = {}): Promise<string> {
  const result = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined });
  const text = result.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('');
  answers.push(text);
  return text;
}

const json = async (name: string, input: object = {}) => JSON.parse(await tool(name, input)) as Record<string, unknown>;

/** Answers the extension's modal with `button` and its production question with `typed`; records what was asked. */
function answering(button: string | undefined, typed?: string) {
  const window = vscode.window as { showWarningMessage: unknown; showInputBox: unknown };
  const originals = { warning: window.showWarningMessage, input: window.showInputBox };
  const seen = { warnings: [] as { message: string; options: vscode.MessageOptions; buttons: string[] }[], inputs: [] as string[] };
  window.showWarningMessage = async (message: string, options: vscode.MessageOptions, ...buttons: string[]) => {
    seen.warnings.push({ message, options, buttons });
    return button;
  };
  window.showInputBox = async (options: vscode.InputBoxOptions) => {
    seen.inputs.push(options.prompt ?? '');
    return typed;
  };
  return { seen, restore: () => Object.assign(window, { showWarningMessage: originals.warning, showInputBox: originals.input }) };
}

/** Every secret this window holds now, and the shapes of any other: none may appear in a tool's answer. */
function assertNoSecret(texts: string[], extra: string[] = []): void {
  const credentials = session.identity?.credentials;
  const secrets = [credentials?.accessKeyId, credentials?.secretAccessKey, credentials?.sessionToken, ...extra].filter(
    (s): s is string => !!s,
  );
  for (const text of texts) {
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a tool answer holds a secret of this window');
    assert.doesNotMatch(text, /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|iamsb[fpxa]_|[A-Za-z0-9/+]{40}/);
  }
}

suite('agents: language model tools and write grants', () => {
  suiteSetup(async () => {
    session = await extensionSession();
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
  });

  test('whoami is the agent identity AWS issued for the active role; listRoles names roles and production marks', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
    const me = await json('iamSwitchboard_whoami');
    assert.deepEqual(me, {
      agent: 'copilot',
      access: 'readOnly',
      identity: { arn: DEV_AGENT_ARN, accountId: '222222222222', role: 'arn:aws:iam::222222222222:role/ReadOnly' },
    });
    const roles = (await json('iamSwitchboard_listRoles')) as unknown as { label: string; accountName: string; production: boolean }[];
    assert.deepEqual(
      roles.filter((r) => ['dev-readonly', 'prod-readonly'].includes(r.label)).map((r) => [r.label, r.accountName, r.production]),
      [
        ['dev-readonly', 'dev', false],
        ['prod-readonly', 'prod', true],
      ],
    );
  });

  test("a write request shows the extension's modal; Allow grants it until End, Deny leaves it read-only", async () => {
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
    let person = answering('Allow for 5 minutes');
    try {
      const granted = await json('iamSwitchboard_requestWriteAccess', { reason: 'tag the ReadOnly role', minutes: 5 });
      assert.equal(granted.granted, true, String(granted.message));
      assert.deepEqual(
        person.seen.warnings.map((w) => [w.message, w.options, w.buttons]),
        [
          [
            'copilot asks to write in AWS',
            { modal: true, detail: 'Reason: tag the ReadOnly role\nAccount: dev (222222222222)\nRole: ReadOnly\nFor 5 minutes' },
            ['Allow for 5 minutes'],
          ],
        ],
      );
    } finally {
      person.restore();
    }
    // The Agent access view: the grant with its countdown and End button, and the agent's credentials (ARN only).
    const tree = vscode.extensions.getExtension<{ agents: AgentsActivation }>(extensionId)!.exports.agents.tree;
    const rows = (section: number) => tree.getChildren(tree.getChildren()[section]).map((node) => tree.getTreeItem(node));
    const [grantRow] = rows(0);
    assert.equal(grantRow?.label, 'copilot');
    assert.equal(grantRow?.contextValue, 'agentGrant');
    assert.match(String(grantRow?.description), /^writes in dev\/ReadOnly · (?:[0-4]:\d\d|5m) left$/);
    const issued = rows(1).find((row) => row.label === 'copilot');
    assert.match(String(issued?.tooltip), new RegExp(`^${DEV_AGENT_ARN}\n`));
    answers.push(
      ...rows(0)
        .concat(rows(1))
        .map((row) => JSON.stringify([row.label, row.description, row.tooltip])),
    );

    const me = await json('iamSwitchboard_whoami');
    assert.deepEqual(me.write && { ...(me.write as object), expiresAt: undefined }, {
      account: 'dev',
      role: 'ReadOnly',
      expiresAt: undefined,
    });
    assert.equal((await json('iamSwitchboard_endWriteAccess')).ended, true);
    assert.equal((await json('iamSwitchboard_whoami')).write, undefined);

    person = answering(undefined);
    try {
      const denied = await json('iamSwitchboard_requestWriteAccess', { reason: 'delete a bucket' });
      assert.equal(denied.granted, false);
      assert.equal(person.seen.warnings.length, 1);
    } finally {
      person.restore();
    }
    assert.equal((await json('iamSwitchboard_whoami')).write, undefined);
  });

  test('a production account needs its name typed; Clear ends the grant', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'prod-readonly');
    let person = answering('Allow for 15 minutes', 'production');
    try {
      const wrong = await json('iamSwitchboard_requestWriteAccess', { reason: 'restart a service' });
      assert.equal(wrong.granted, false);
      assert.equal(person.seen.warnings[0]?.message, 'copilot asks to write in AWS (production account)');
      assert.deepEqual(person.seen.inputs, ['Type prod to allow writes in this production account']);
    } finally {
      person.restore();
    }
    person = answering('Allow for 15 minutes', 'prod');
    try {
      assert.equal((await json('iamSwitchboard_requestWriteAccess', { reason: 'restart a service' })).granted, true);
    } finally {
      person.restore();
    }
    assert.deepEqual(((await json('iamSwitchboard_whoami')).write as { account: string }).account, 'prod');
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
    assert.equal((await json('iamSwitchboard_whoami')).write, undefined);
    assertNoSecret(person.seen.warnings.map((w) => JSON.stringify(w)));
  });

  test('the person grants write access from the view (Grant Write Access to Agents…) and ends it (End)', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
    const window = vscode.window as { showQuickPick: unknown };
    const original = window.showQuickPick;
    const titles: string[] = [];
    window.showQuickPick = async (items: readonly string[], options: vscode.QuickPickOptions) => {
      titles.push(options.title ?? '');
      return options.canPickMany ? items.filter((item) => item === 'claude-code') : '30';
    };
    const person = answering('Allow for 30 minutes');
    try {
      await vscode.commands.executeCommand('iamSwitchboard.grantAgentWriteAccess');
    } finally {
      window.showQuickPick = original;
      person.restore();
    }
    assert.deepEqual(titles, ['Grant write access in dev/ReadOnly to', 'For how many minutes?']);
    // The person's own grant is asked in the same modal as an agent's request.
    assert.deepEqual(
      person.seen.warnings.map((w) => [w.message, w.options.modal, w.options.detail, w.buttons]),
      [
        [
          'Let claude-code write in AWS?',
          true,
          'Reason: granted by the person in VS Code\nAccount: dev (222222222222)\nRole: ReadOnly\nFor 30 minutes',
          ['Allow for 30 minutes'],
        ],
      ],
    );
    const tree = vscode.extensions.getExtension<{ agents: AgentsActivation }>(extensionId)!.exports.agents.tree;
    const grantRows = () => tree.getChildren(tree.getChildren()[0]).map((node) => tree.getTreeItem(node));
    assert.deepEqual(
      grantRows().map((row) => [row.label, row.contextValue, String(row.description).replace(/ · .*/, '')]),
      [['claude-code', 'agentGrant', 'writes in dev/ReadOnly']],
    );
    await vscode.commands.executeCommand('iamSwitchboard.endAgentWriteAccess', tree.getChildren(tree.getChildren()[0])[0]);
    assert.deepEqual(
      grantRows().map((row) => row.label),
      ['No agent may write'],
    );
  });

  test('no answer of a language model tool held a key or a token', () => {
    assert.ok(answers.length >= 10);
    assertNoSecret(answers);
  });
});

suite('agents: the MCP server VS Code starts', () => {
  let client: Client | undefined;
  suiteTeardown(async () => {
    await client?.close();
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
  });

  test('started exactly as the provider resolves it, it lists the four tools and each answers; no secret in any answer', async () => {
    session = await extensionSession();
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
    const api = vscode.extensions.getExtension<{ agents: AgentsActivation }>(extensionId)!.exports;
    const provider = api.agents.mcpProvider;
    const cancel = new vscode.CancellationTokenSource().token;
    const [provided] = (await provider.provideMcpServerDefinitions(cancel)) ?? [];
    assert.ok(provided, 'the provider offers the server');
    assert.deepEqual(provided.env, {}, 'no token before VS Code starts the server');
    const server = (await provider.resolveMcpServerDefinition!(provided, cancel))!;
    const token = server.env.IAM_SWITCHBOARD_AGENT_TOKEN;
    assert.match(String(token), /^iamsba_/);
    assert.ok(!server.args.join(' ').includes(String(token)), 'the token is not on the command line');

    client = new Client({ name: 'suite', version: '1.0.0' });
    const env = Object.fromEntries(Object.entries(server.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    await client.connect(new StdioClientTransport({ command: server.command, args: server.args, env }));
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['whoami', 'list_roles', 'request_write_access', 'end_write_access'],
    );

    const texts: string[] = [];
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const result = await client!.callTool({ name, arguments: args });
      const text = (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('');
      texts.push(text);
      return text;
    };
    assert.equal((JSON.parse(await call('whoami')) as { identity: { arn: string } }).identity.arn, DEV_AGENT_ARN);
    assert.ok((JSON.parse(await call('list_roles')) as { label: string }[]).some((r) => r.label === 'dev-readonly'));
    const person = answering('Allow for 10 minutes');
    try {
      const granted = JSON.parse(await call('request_write_access', { reason: 'tag the ReadOnly role', minutes: 10 })) as {
        granted: boolean;
      };
      assert.equal(granted.granted, true);
      assert.equal(person.seen.warnings[0]?.message, 'copilot asks to write in AWS');
    } finally {
      person.restore();
    }
    assert.equal((JSON.parse(await call('end_write_access')) as { ended: boolean }).ended, true);
    assertNoSecret(texts, [String(token)]);
  });
});

suite('agents: the Agent access view redraws a grant only when its text changed', () => {
  test('a 15-minute grant is not redrawn every second; it is once its minute changes', () => {
    let tick: () => void = () => undefined;
    const intervals = { set: (callback: () => void) => (tick = callback), clear: () => undefined };
    let now = Date.now();
    const grants = new WriteGrants();
    const tree = new AgentTreeProvider(grants, intervals, () => now);
    tree.follow({ visible: true, onDidChangeVisibility: () => ({ dispose: () => undefined }) });
    const account = { id: '222222222222', name: 'dev', production: false };
    grants.approve(grants.request({ agent: 'claude-code', reason: 'test', account, role: 'Developer', minutes: 15 }).id);
    let redraws = 0;
    const listening = tree.onDidChangeTreeData(() => redraws++);
    try {
      tick(); // the first tick draws what the grant's change already showed
      redraws = 0;
      for (let second = 0; second < 5; second++) tick();
      assert.equal(redraws, 0, 'the row says "14m left" all along: nothing to redraw under the mouse');
      now += 60_000;
      tick();
      assert.equal(redraws, 1, 'a minute later its text changed: one redraw');
    } finally {
      listening.dispose();
      tree.dispose();
      grants.dispose();
    }
  });
});
