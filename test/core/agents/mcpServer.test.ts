// The agent tools' MCP server with a real MCP client: the SDK's Client over stdio starts agentMcpServer.js exactly
// as mcpLaunch (the extension's server definition) says, lists the tools and calls each. The extension's side is the real GrantingBackend over the write grants, a role list and an agent identity
// the local STS issued; a test "person" decides each request. No answer holds a key or a token.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type AgentRoleInfo, type Decision, GrantingBackend } from '../../../src/core/agents/backend';
import { type Grant, WriteGrants } from '../../../src/core/agents/grants';
import { mcpLaunch } from '../../../src/core/agents/mcpLaunch';
import { CredentialEndpoint } from '../../../src/core/endpoint/server';
import type { Identity } from '../../../src/core/session';
import { type EndpointWorld, startEndpointWorld, TestProvider } from '../../support/endpointWorld';

// Not bundled or shipped until VS Code starts it (its MCP server definition provider is not wired yet): tsc's output.
const SERVER = path.join(__dirname, '../../../src/agentMcpServer.js');
const DEV: AgentRoleInfo = {
  label: 'dev/Deployer',
  accountId: '222222222222',
  accountName: 'dev',
  roleName: 'Deployer',
  production: false,
};
const PROD: AgentRoleInfo = { label: 'prod/Admin', accountId: '333333333333', accountName: 'prod', roleName: 'Admin', production: true };

let world: EndpointWorld;
let endpoint: CredentialEndpoint;
let origin: string;
let toolsToken: string;
let agentIdentity: Identity;
let grants: WriteGrants;
let active: AgentRoleInfo | undefined;
/** The person: what they saw, and how they answer the next request. */
const seen: Grant[] = [];
let person: (grant: Grant) => Promise<Decision>;
/** Every tool answer's text, for the secret scan at the end. */
const answers: { tool: string; text: string }[] = [];
let client: Client;

before(async () => {
  world = await startEndpointWorld();
  const provider = new TestProvider(world);
  provider.active = await world.assume('dev-deployer');
  agentIdentity = await world.assume('dev-readonly');
  grants = new WriteGrants();
  const backend = new GrantingBackend({
    grants,
    access: () => 'readOnly',
    roles: () => [DEV, PROD],
    activeRole: () => active,
    agentIdentity: () => ({ arn: agentIdentity.arn, accountId: agentIdentity.accountId, role: 'ReadOnly' }),
    decide: (grant) => {
      seen.push({ ...grant });
      return person(grant);
    },
  });
  endpoint = new CredentialEndpoint({ provider, agentBackend: backend, agentIdentity: async () => agentIdentity });
  const { port } = await endpoint.start();
  origin = `http://127.0.0.1:${port}`;
  toolsToken = endpoint.issueToken({ kind: 'agentTools' });
});
after(async () => {
  grants.dispose();
  await endpoint.stop();
  await world.close();
});

beforeEach(async () => {
  active = DEV;
  seen.length = 0;
  person = async () => ({ allow: false });
  const launch = mcpLaunch({
    execPath: process.execPath,
    electron: false,
    serverPath: SERVER,
    endpoint: origin,
    token: toolsToken,
    agent: 'copilot',
  });
  assert.ok(!launch.args.join(' ').includes(toolsToken), 'the token is not on the command line');
  client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ ...launch, stderr: 'pipe' }));
});
afterEach(async () => {
  await client.close();
  grants.endAll('cleared');
});

async function callTool(name: string, args: Record<string, unknown> = {}): Promise<{ text: string; isError: boolean }> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text: string }[];
  assert.equal(content.length, 1);
  assert.equal(content[0].type, 'text');
  answers.push({ tool: name, text: content[0].text });
  return { text: content[0].text, isError: result.isError === true };
}
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe('agent tools over MCP', () => {
  it('lists the four tools, with the write request taking a reason and minutes', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['end_write_access', 'list_roles', 'request_write_access', 'whoami']);
    const request = tools.find((t) => t.name === 'request_write_access')!;
    assert.deepEqual(request.inputSchema.required, ['reason']);
    assert.deepEqual(Object.keys(request.inputSchema.properties ?? {}).sort(), ['minutes', 'reason']);
  });

  it("whoami is the agent's own read-only identity, without write access", async () => {
    const { text, isError } = await callTool('whoami');
    assert.equal(isError, false);
    assert.deepEqual(json(text), {
      agent: 'copilot',
      access: 'readOnly',
      identity: { arn: agentIdentity.arn, accountId: '222222222222', role: 'ReadOnly' },
    });
  });

  it('list_roles gives names, accounts and production marks only', async () => {
    const roles = JSON.parse((await callTool('list_roles')).text) as Record<string, unknown>[];
    assert.deepEqual(roles, [DEV, PROD]);
  });

  it('request_write_access asks the person, and an allowed grant shows in whoami until end_write_access', async () => {
    person = async () => ({ allow: true });
    const granted = json((await callTool('request_write_access', { reason: 'Apply the bucket policy in PR 42', minutes: 20 })).text);
    assert.equal(granted.granted, true);
    assert.equal(seen.length, 1);
    assert.deepEqual(
      { agent: seen[0].agent, reason: seen[0].reason, account: seen[0].account.name, role: seen[0].role, minutes: seen[0].minutes },
      { agent: 'copilot', reason: 'Apply the bucket policy in PR 42', account: 'dev', role: 'Deployer', minutes: 20 },
    );
    const expiresAt = Date.parse(granted.expiresAt as string);
    assert.ok(Math.abs(expiresAt - (Date.now() + 20 * 60_000)) < 10_000);
    assert.deepEqual(json((await callTool('whoami')).text).write, { account: 'dev', role: 'Deployer', expiresAt: granted.expiresAt });

    assert.equal(json((await callTool('end_write_access')).text).ended, true);
    assert.equal(json((await callTool('whoami')).text).write, undefined);
    assert.equal(grants.active('copilot'), undefined);
  });

  it('a denied request leaves the agent read-only', async () => {
    const denied = json((await callTool('request_write_access', { reason: 'Delete the old stack' })).text);
    assert.equal(denied.granted, false);
    assert.match(denied.message as string, /denied/);
    assert.equal(seen[0].minutes, 15);
    assert.equal(grants.active('copilot'), undefined);
  });

  it("in production, a mistyped account name is no grant; the account's name is", async () => {
    active = PROD;
    person = async () => ({ allow: true, typed: 'dev' });
    const wrong = json((await callTool('request_write_access', { reason: 'Rotate the key' })).text);
    assert.equal(wrong.granted, false);
    assert.match(wrong.message as string, /Type the account's name, prod/);
    assert.equal(grants.active('copilot'), undefined);

    person = async () => ({ allow: true, typed: 'prod' });
    assert.equal(json((await callTool('request_write_access', { reason: 'Rotate the key' })).text).granted, true);
    assert.equal(grants.active('copilot')?.account.name, 'prod');
  });

  it('refuses a duration over an hour and a write request with no role active, in one sentence each', async () => {
    const long = await callTool('request_write_access', { reason: 'A long migration', minutes: 120 });
    assert.equal(long.isError, true);
    assert.equal(long.text, 'Ask for write access for 1 to 60 whole minutes.');
    active = undefined;
    const none = await callTool('request_write_access', { reason: 'Deploy' });
    assert.equal(none.isError, true);
    assert.match(none.text, /^No AWS role is active in VS Code/);
    assert.equal(seen.length, 0, 'the person was never asked');
  });

  it('no tool answer holds a key, a secret, a session token or a token of the endpoint', () => {
    assert.deepEqual([...new Set(answers.map((a) => a.tool))].sort(), ['end_write_access', 'list_roles', 'request_write_access', 'whoami']);
    const secrets = [toolsToken, ...world.aws.issuedSecrets()];
    assert.ok(secrets.length > 3, 'the local STS issued the identities the answers are about');
    for (const { text } of answers) {
      for (const secret of secrets) assert.ok(!text.includes(secret), `an answer holds a secret: ${text.slice(0, 80)}`);
      assert.doesNotMatch(text, /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|iamsb[fpxa]_/);
    }
  });
});

describe('the MCP server started without its endpoint', () => {
  it('exits with one sentence saying to start it from VS Code', async () => {
    const launch = mcpLaunch({ execPath: process.execPath, electron: false, serverPath: SERVER, endpoint: origin, token: '' });
    const failure = await promisify(execFile)(launch.command, launch.args, { env: launch.env }).then(
      () => assert.fail('it started'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failure.code, 1);
    assert.equal(
      failure.stderr,
      'This MCP server must be started by IAM Switchboard in VS Code, which gives it its endpoint: restart it from VS Code.\n',
    );
  });

  it('tells the agent the window is gone once the endpoint stops', async () => {
    const provider = new TestProvider(world);
    const gone = new CredentialEndpoint({ provider });
    const { port } = await gone.start();
    const token = gone.issueToken({ kind: 'agentTools' });
    const launch = mcpLaunch({
      execPath: process.execPath,
      electron: false,
      serverPath: SERVER,
      endpoint: `http://127.0.0.1:${port}`,
      token,
    });
    const orphan = new Client({ name: 'test-client', version: '1.0.0' });
    await orphan.connect(new StdioClientTransport({ ...launch, stderr: 'pipe' }));
    await gone.stop();
    const result = await orphan.callTool({ name: 'whoami', arguments: {} });
    assert.equal(result.isError, true);
    assert.match((result.content as { text: string }[])[0].text, /^The VS Code window serving these tools is closed or was reloaded/);
    await orphan.close();
  });
});
