// AI agents' credentials (issue 21) through the real credential endpoint, wired as the window wires it (EndpointHost:
// AgentIdentities as the agent hook, the Linux ancestry lookup for requests without an agent header), against the
// person's: the agent's first issue (one AssumeRole with a session policy, then the answer) against the person's
// own AssumeRole at a switch, and an agent's cached answer against the person's. Plain HTTP to the local STS.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentIdentities } from '../../src/core/agents/agentIdentities';
import { AGENT_HEADER } from '../../src/core/agents/markers';
import { agentOfPeer } from '../../src/core/agents/peerProcess';
import { loadAwsConfig } from '../../src/core/aws/config';
import { buildCatalog } from '../../src/core/catalog/roleCatalog';
import { CredentialEndpoint } from '../../src/core/endpoint/server';
import { Session } from '../../src/core/session';
import { type AssumeOptions, assumeRole, StsCache } from '../../src/core/sts/assumeRole';
import { startAwsServer } from '../servers/aws';
import { ROOT } from './activation';
import { versus } from './stats';

export interface AgentFigures {
  /** The agent's first answer (its AssumeRole included) and the person's AssumeRole at a switch. */
  firstIssue: { agent: number; person: number; ratio: number };
  /** Answers from what the endpoint already holds. */
  cached: { agent: number; person: number; ratio: number };
  /** AssumeRole calls per agent first issue (1 expected). */
  assumeRolesPerIssue: number;
}

export async function agentBench(runs: number): Promise<AgentFigures> {
  const aws = await startAwsServer();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-bench-agents-'));
  let endpoint: CredentialEndpoint | undefined;
  try {
    const configPath = path.join(home, 'config');
    fs.writeFileSync(
      configPath,
      '[profile dev-developer]\nrole_arn = arn:aws:iam::222222222222:role/Developer\nsource_profile = default\n',
    );
    const config = await loadAwsConfig({ configPath, credentialsPath: path.join(ROOT, 'test/fixtures/aws-config/credentials') });
    const role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.label === 'dev-developer')!;
    const options: AssumeOptions = { config, endpoint: aws.url, region: 'eu-west-1', timeoutMs: 5000, cache: new StsCache() };
    const session = new Session();
    session.set(await assumeRole(role, options));
    const agents = new AgentIdentities({
      settings: () => ({ access: 'readOnly' }),
      roleOf: () => role,
      assumeOptions: async () => options,
      log: () => undefined,
    });
    endpoint = new CredentialEndpoint({
      provider: { activeIdentity: () => session.identity, refresh: () => Promise.reject(new Error('not in this bench')) },
      agentIdentity: (agent, person) => agents.identityFor(agent, person),
      agentAccess: () => 'readOnly',
      agentOfPeer,
    });
    const { url } = await endpoint.start();
    const token = endpoint.issueToken({ kind: 'following' });
    const person = () => get(url, token);
    const agent = () => get(url, token, 'claude-code');
    await Promise.all([person(), agent()]); // connections, JIT and the ancestry cache warm
    const before = aws.stats().actions.AssumeRole ?? 0;
    const first = await versus(
      runs,
      () => (agents.forget(), agent()),
      () => assumeRole(role, options),
    );
    const assumeRolesPerIssue = ((aws.stats().actions.AssumeRole ?? 0) - before - runs) / runs;
    const cached = await versus(runs, agent, person);
    return {
      firstIssue: { agent: first.a, person: first.b, ratio: first.ratio },
      cached: { agent: cached.a, person: cached.b, ratio: cached.ratio },
      assumeRolesPerIssue,
    };
  } finally {
    await endpoint?.stop();
    await aws.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** GET /credentials as the credential helper does; `agent` is the header a process with an agent's marker sends. */
function get(url: string, token: string, agent?: string): Promise<void> {
  const headers = { Authorization: token, ...(agent && { [AGENT_HEADER]: agent }) };
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`endpoint answered ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}
