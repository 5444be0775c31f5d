// The credential endpoint and an agent's process: the real AWS CLI, in an endpoint-mode terminal, running the
// bundled credential helper with an agent's marker in its environment. The agent never gets the person's identity:
// its own from the agent identity provider, or a sentence saying why it gets none.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { AgentAccess } from '../../../src/core/agents/backend';
import { AGENT_HEADER, AGENT_PROCESS_HEADER } from '../../../src/core/agents/markers';
import { agentOfPeer } from '../../../src/core/agents/peerProcess';
import { AGENT_ROUTES } from '../../../src/core/endpoint/agentRoutes';
import { type AgentRefusal, CredentialEndpoint } from '../../../src/core/endpoint/server';
import { newSocketPath } from '../../../src/core/endpoint/externalSockets';
import { endpointEnvironment } from '../../../src/core/endpoint/terminalEnv';
import { helperCommand, writeTerminalProfile } from '../../../src/core/endpoint/terminalProfile';
import type { Identity } from '../../../src/core/session';
import { type EndpointWorld, get, startEndpointWorld, TestProvider } from '../../support/endpointWorld';

const ROOT = path.resolve(__dirname, '../../../..');
const HELPER = path.join(ROOT, 'dist/credentialHelper.js');
const AWS_CLI = '/usr/bin/aws';
const noCli = !fs.existsSync(AWS_CLI) && 'Debian awscli is not installed at /usr/bin/aws (apt-get install -y awscli)';
const PERSON_ARN = /^arn:aws:sts::222222222222:assumed-role\/Deployer\//;
const AGENT_ARN = 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice';
const run = promisify(execFile);

let world: EndpointWorld;
let endpoint: CredentialEndpoint;
let env: Record<string, string>;
let following: string;
let url: string;
let agentIdentity: Identity;
/** What the test's agent identity provider answers, and whom it was asked for. */
let agentAnswer: ((agent: string) => Promise<Identity | AgentRefusal>) | undefined;
let provider: TestProvider;
let person: Identity;
let access: AgentAccess;
const asked: string[] = [];
/** How long each look at the requesting process's ancestry took. */
const peerLookupsMs: number[] = [];

before(async () => {
  world = await startEndpointWorld();
  provider = new TestProvider(world);
  person = await world.assume('dev-deployer');
  agentIdentity = await world.assume('dev-readonly');
  endpoint = new CredentialEndpoint({
    provider,
    agentAccess: () => access,
    agentIdentity: (agent, forPerson) => {
      asked.push(`${agent} for ${forPerson.label}`);
      return agentAnswer ? agentAnswer(agent) : Promise.resolve({ refused: 'unreachable' });
    },
    agentOfPeer: async (socket) => {
      const started = performance.now();
      const agent = await agentOfPeer(socket);
      peerLookupsMs.push(performance.now() - started);
      return agent;
    },
  });
  url = (await endpoint.start()).url;
  following = endpoint.issueToken({ kind: 'following' });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-agents-'));
  const configFile = await writeTerminalProfile({
    folder: home,
    personConfigPath: path.join(home, 'none'),
    command: helperCommand({ execPath: process.execPath, helperPath: HELPER, electron: false }),
    region: 'eu-west-1',
  });
  const changes = endpointEnvironment({ configFile, endpointUrl: url, followingToken: following });
  env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, ...changes.replace };
  for (const [name, value] of Object.entries(changes.prepend)) env[name] = value;
});
beforeEach(() => {
  provider.active = person;
  access = 'readOnly';
  agentAnswer = async () => agentIdentity;
  asked.length = 0;
});
after(async () => {
  await endpoint.stop();
  await world.close();
});

const CALLER_IDENTITY = ['sts', 'get-caller-identity', '--output', 'json', '--endpoint-url'];

/**
 * The CLI's caller identity; `shell` runs it in a bash script instead, after `shell` (e.g. an unset) and before an
 * exit, as agents run commands: a script's last command would replace bash itself (exec), and its environment.
 */
async function callerIdentity(
  extra: Record<string, string | undefined>,
  shell?: string,
): Promise<{ code: number; arn?: string; stderr: string }> {
  const childEnv = { ...env, ...extra };
  const args = [...CALLER_IDENTITY, world.aws.url];
  try {
    const { stdout } = shell
      ? await run('/bin/bash', ['-c', `${shell} ${AWS_CLI} "$@"; exit $?`, 'bash', ...args], { env: childEnv })
      : await run(AWS_CLI, args, { env: childEnv });
    return { code: 0, arn: (JSON.parse(stdout) as { Arn: string }).Arn, stderr: '' };
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

describe('agents at the credential endpoint', { skip: noCli }, () => {
  it("gives a CLAUDECODE process in the person's terminal the agent identity, and the person theirs", async () => {
    const person = await callerIdentity({});
    assert.equal(person.code, 0, person.stderr);
    assert.match(person.arn!, PERSON_ARN);
    assert.deepEqual(asked, []);

    const agent = await callerIdentity({ CLAUDECODE: '1' });
    assert.equal(agent.code, 0, agent.stderr);
    assert.equal(agent.arn, AGENT_ARN);
    assert.deepEqual(asked, ['claude-code for dev-deployer']);
  });

  it("VS Code's agent terminal environment names the agent too", async () => {
    const agent = await callerIdentity({ COPILOT_AGENT: '1', AI_AGENT: 'github_copilot_vscode_agent' });
    assert.equal(agent.arn, AGENT_ARN);
    assert.deepEqual(asked, ['copilot for dev-deployer']);
  });

  it("prints the provider's refusal as the CLI's one-line error, with no stack", async () => {
    agentAnswer = async () => ({ refused: 'This role takes no session policy: set iamSwitchboard.agents.roles for account 222222222222.' });
    const agent = await callerIdentity({ CLAUDECODE: '1' });
    assert.notEqual(agent.code, 0);
    assert.match(agent.stderr, /This role takes no session policy: set iamSwitchboard\.agents\.roles for account 222222222222\./);
    assert.doesNotMatch(agent.stderr, /at .*\.js:\d+|Traceback/);
  });

  it('refuses an agent with access none, without asking the provider', async () => {
    access = 'none';
    const agent = await callerIdentity({ GEMINI_CLI: '1' });
    assert.notEqual(agent.code, 0);
    assert.match(agent.stderr, /AI agents get no AWS credentials in this VS Code window/);
    assert.deepEqual(asked, []);
  });

  it(
    "on Linux, an agent's shell that unsets its marker before running the CLI still gets the agent identity",
    { skip: process.platform !== 'linux' && 'the requesting process is found through /proc' },
    async () => {
      peerLookupsMs.length = 0;
      const unset = await callerIdentity({ CLAUDECODE: '1' }, 'unset CLAUDECODE;');
      assert.equal(unset.code, 0, unset.stderr);
      assert.equal(unset.arn, AGENT_ARN);
      assert.deepEqual(asked, ['claude-code for dev-deployer']);
      // The same script without an agent above it is the person.
      asked.length = 0;
      assert.match((await callerIdentity({}, 'unset CLAUDECODE;')).arn!, PERSON_ARN);
      assert.deepEqual(asked, []);
      console.log(`ancestry lookups: ${peerLookupsMs.map((ms) => `${ms.toFixed(1)} ms`).join(', ')}`);
    },
  );

  it("asks for the agent's identity in a pinned terminal's own role, and for none after Clear", async () => {
    const pinnedIdentity = await world.assume('dev-readonly-plain');
    const pinned = endpoint.issueToken({ kind: 'pinned', identity: pinnedIdentity });
    const inPinned = await callerIdentity({ CLAUDECODE: '1', AWS_CONTAINER_AUTHORIZATION_TOKEN: `${following},${pinned}` });
    assert.equal(inPinned.arn, AGENT_ARN);
    assert.deepEqual(asked, ['claude-code for dev-readonly-plain']);
    endpoint.revoke(pinned);

    asked.length = 0;
    provider.active = undefined;
    const cleared = await callerIdentity({ CLAUDECODE: '1' });
    assert.notEqual(cleared.code, 0);
    assert.match(cleared.stderr, /No AWS role is active in VS Code/);
    assert.deepEqual(asked, []);
  });

  it('gives an agent the person’s identity only when access is sameAsMe', async () => {
    access = 'sameAsMe';
    const agent = await callerIdentity({ CURSOR_AGENT: '1' });
    assert.match(agent.arn!, PERSON_ARN);
    assert.deepEqual(asked, []);
  });
});

// Linux only: the marker is found through /proc.
describe('a tool outside VS Code, over its own socket', { skip: process.platform !== 'linux' && 'not Linux' }, () => {
  let socket: string;
  before(async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-agents-sockets-'));
    socket = await newSocketPath([folder], 'external');
    await endpoint.openExternal('external', socket);
  });
  after(() => endpoint.revokeExternal('external'));

  /** The key id the bundled helper prints over the socket, run by `shell` (argv after it: the helper's command). */
  async function keyOverSocket(extra: Record<string, string>, shell: string): Promise<string | undefined> {
    const childEnv = { PATH: env.PATH, HOME: env.HOME, ...extra };
    const { stdout } = await run('/bin/sh', ['-c', shell, 'sh', process.execPath, HELPER, '--socket', socket], { env: childEnv });
    return (JSON.parse(stdout) as { AccessKeyId?: string }).AccessKeyId;
  }

  /** The key id the socket answers a request naming `agent`, whose marker the process `pid` carries. */
  async function keyNaming(agent: string, pid: number): Promise<string | undefined> {
    const headers = { [AGENT_HEADER]: agent, [AGENT_PROCESS_HEADER]: String(pid) };
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ socketPath: socket, path: '/credentials', headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    return (JSON.parse(body) as { AccessKeyId?: string }).AccessKeyId;
  }

  it('an agent that drops its marker with env -u or unset still gets the agent identity; the person gets theirs', async () => {
    const agentKey = agentIdentity.credentials.accessKeyId;
    assert.equal(await keyOverSocket({ CLAUDECODE: '1' }, 'env -u CLAUDECODE "$@"; exit $?'), agentKey);
    assert.equal(await keyOverSocket({ CLAUDECODE: '1' }, 'unset CLAUDECODE; "$@"; exit $?'), agentKey);
    assert.deepEqual(asked, ['claude-code for dev-deployer', 'claude-code for dev-deployer']);
    asked.length = 0;
    assert.equal(await keyOverSocket({}, '"$@"; exit $?'), person.credentials.accessKeyId);
    assert.deepEqual(asked, []);
  });

  it("excuses a marker on the window's own ancestors (VS Code started from an agent's shell)", async () => {
    // This test's process stands for the window.
    assert.equal(await keyNaming('claude-code', process.pid), person.credentials.accessKeyId);
    assert.deepEqual(asked, []);
    // Init is nobody's ancestor for the walk: a marker there is the requester's.
    assert.equal(await keyNaming('claude-code', 1), agentIdentity.credentials.accessKeyId);
    assert.deepEqual(asked, ['claude-code for dev-deployer']);
  });
});

describe('agents at an endpoint without an agent identity provider', () => {
  it('refuses a marked request instead of serving the person, unless access is sameAsMe', async () => {
    const provider = new TestProvider(world);
    provider.active = await world.assume('dev-deployer');
    const bare = new CredentialEndpoint({ provider });
    const sameAsMe = new CredentialEndpoint({ provider, agentAccess: () => 'sameAsMe' });
    try {
      for (const [server, status] of [
        [bare, 403],
        [sameAsMe, 200],
      ] as const) {
        const bareUrl = (await server.start()).url;
        const token = server.issueToken({ kind: 'following' });
        const answer = await get(bareUrl, { Authorization: token, 'X-IAM-Switchboard-Agent': 'claude-code' });
        assert.equal(answer.status, status);
        if (status === 403) {
          assert.equal(answer.body.Code, 'NoAgentIdentity');
          assert.equal(answer.body.AccessKeyId, undefined);
        }
        // Without the header the person is served as before.
        assert.equal((await get(bareUrl, { Authorization: token })).status, 200);
      }
    } finally {
      await Promise.all([bare.stop(), sameAsMe.stop()]);
    }
  });
});

describe('the agent tools token', () => {
  it('reaches the agent routes only, and no other token reaches them', async () => {
    const toolsToken = endpoint.issueToken({ kind: 'agentTools' });
    const credentials = await get(url, { Authorization: toolsToken });
    assert.equal(credentials.status, 403);
    assert.equal(credentials.body.AccessKeyId, undefined);
    const whoamiUrl = new URL(AGENT_ROUTES.whoami, url).toString();
    assert.equal((await get(whoamiUrl, { Authorization: following })).status, 403);
    assert.equal((await get(whoamiUrl, {})).status, 403);
    // This endpoint has no agent backend: the token is accepted and the tools are said to be unavailable.
    const whoami = await get(whoamiUrl, { Authorization: toolsToken });
    assert.equal(whoami.status, 404);
    assert.equal(whoami.body.Code, 'NoAgentTools');
    endpoint.revoke(toolsToken);
  });
});
