// The agent tests' world, as the window wires it (src/terminals/endpointHost.ts, src/features/agents.ts): the local
// STS/IAM, a person's ~/.aws/config, the window's session and active role, the credential endpoint serving the agent
// identities the test builds, and the real AWS CLI in an endpoint-mode terminal's environment (the bundled helper).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { AgentIdentities } from '../../src/core/agents/agentIdentities';
import type { AgentAccess } from '../../src/core/agents/backend';
import { type AwsConfig, loadAwsConfig } from '../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../src/core/catalog/roleCatalog';
import { CredentialEndpoint } from '../../src/core/endpoint/server';
import { endpointEnvironment } from '../../src/core/endpoint/terminalEnv';
import { helperCommand, writeTerminalProfile } from '../../src/core/endpoint/terminalProfile';
import { Session } from '../../src/core/session';
import { type AssumeOptions, assumeRole, StsCache } from '../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer, totp } from '../servers/aws';
import { BOB_TOTP, FIXTURES } from './endpointWorld';

const HELPER = path.resolve(__dirname, '../../../dist/credentialHelper.js');
export const AWS_CLI = '/usr/bin/aws';
export const noCli = !fs.existsSync(AWS_CLI) && 'Debian awscli is not installed at /usr/bin/aws (apt-get install -y awscli)';
const run = promisify(execFile);

/** The person's ~/.aws/config: alice's keys (the fixtures' credentials) and two roles in dev. */
const PERSON_CONFIG = [
  '[default]',
  'region = eu-west-1',
  '[profile dev-developer]',
  'role_arn = arn:aws:iam::222222222222:role/Developer',
  'source_profile = default',
  '[profile dev-readonly]',
  'role_arn = arn:aws:iam::222222222222:role/ReadOnly',
  'source_profile = default',
];

/** The process marker of an agent's command (Claude Code's). */
export const AGENT = { CLAUDECODE: '1' };

export interface CliAnswer {
  code: number;
  stdout: string;
  stderr: string;
}

/** The world the test's agent identities are built over. */
export interface AgentWorldBase {
  aws: AwsServer;
  roles: Map<string, RoleEntry>;
  session: Session;
  /** The role behind the session, as the window's role store knows it. */
  activeRole: RoleEntry | undefined;
  /** The person's STS cache (its MFA sessions); a test replaces it to forget them. */
  cache: StsCache;
  /** The person's STS options in the window. */
  stsOptions(): AssumeOptions;
  /** What Switch Role does: assume in VS Code (an MFA code asked there), then make it the window's session. */
  switchTo(label: string): Promise<void>;
  /** What Clear does. */
  clear(): void;
  /** The CLI in the terminal (`extra` on top of its environment, e.g. AGENT): its exit code, stdout and stderr. */
  cli(args: string[], extra?: Record<string, string>): Promise<CliAnswer>;
  /** `aws sts get-caller-identity` in the terminal, which must succeed. */
  callerArn(extra?: Record<string, string>): Promise<string>;
  /** `aws iam tag-role` on ReadOnly: the write a read-only agent session is refused. */
  tagRole(extra?: Record<string, string>): Promise<CliAnswer>;
  /** AssumeRole calls the local STS has answered so far. */
  assumeRoles(): number;
}

export interface AgentWorld extends AgentWorldBase {
  agents: AgentIdentities;
  endpoint: CredentialEndpoint;
  close(): Promise<void>;
}

/**
 * Starts the world. `moreProfiles` are lines for ~/.aws/config after dev-developer and dev-readonly; `agents` builds the window's
 * agent identities over the world (and wires them to its session as the test needs); `agentAccess` is the setting.
 */
export async function startAgentWorld(options: {
  name: string;
  moreProfiles?: string[];
  agents: (world: AgentWorldBase) => AgentIdentities;
  agentAccess: () => AgentAccess;
}): Promise<AgentWorld> {
  const aws = await startAwsServer();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `iam-switchboard-${options.name}-`));
  const configPath = path.join(home, 'config');
  fs.writeFileSync(configPath, [...PERSON_CONFIG, ...(options.moreProfiles ?? []), ''].join('\n'));
  const config: AwsConfig = await loadAwsConfig({ configPath, credentialsPath: path.join(FIXTURES, 'credentials') });
  let env: Record<string, string> = {};
  const world: AgentWorldBase = {
    aws,
    roles: new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r])),
    session: new Session(),
    activeRole: undefined,
    cache: new StsCache(),
    stsOptions: () => ({ config, endpoint: aws.url, region: 'eu-west-1', timeoutMs: 5000, cache: world.cache }),
    async switchTo(label) {
      const role = world.roles.get(label)!;
      const identity = await assumeRole(role, { ...world.stsOptions(), mfaCode: async () => totp(BOB_TOTP, Date.now()) });
      world.activeRole = role;
      world.session.set(identity);
    },
    clear() {
      world.activeRole = undefined;
      world.session.clear();
    },
    async cli(args, extra = {}) {
      try {
        const { stdout } = await run(AWS_CLI, [...args, '--endpoint-url', aws.url], { env: { ...env, ...extra } });
        return { code: 0, stdout, stderr: '' };
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    },
    async callerArn(extra = {}) {
      const answer = await world.cli(['sts', 'get-caller-identity', '--output', 'json'], extra);
      assert.equal(answer.code, 0, answer.stderr);
      return (JSON.parse(answer.stdout) as { Arn: string }).Arn;
    },
    tagRole: (extra = {}) => world.cli(['iam', 'tag-role', '--role-name', 'ReadOnly', '--tags', 'Key=by,Value=agent-test'], extra),
    assumeRoles: () => aws.stats().actions.AssumeRole ?? 0,
  };
  const agents = options.agents(world);
  const endpoint = new CredentialEndpoint({
    provider: { activeIdentity: () => world.session.identity, refresh: () => Promise.reject(new Error('not in this test')) },
    agentIdentity: (agent, person) => agents.identityFor(agent, person),
    agentAccess: options.agentAccess,
  });
  const { url } = await endpoint.start();
  const configFile = await writeTerminalProfile({
    folder: home,
    personConfigPath: path.join(home, 'none'),
    command: helperCommand({ execPath: process.execPath, helperPath: HELPER, electron: false }),
    region: 'eu-west-1',
  });
  const changes = endpointEnvironment({ configFile, endpointUrl: url, followingToken: endpoint.issueToken({ kind: 'following' }) });
  env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, ...changes.replace };
  for (const [name, value] of Object.entries(changes.prepend)) env[name] = value;
  const close = async () => {
    await endpoint.stop();
    await aws.close();
    fs.rmSync(home, { recursive: true, force: true });
  };
  // The same object, so what switchTo and clear change is what the test reads.
  return Object.assign(world, { agents, endpoint, close });
}
