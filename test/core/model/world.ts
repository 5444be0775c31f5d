// The model-based test's world: the local STS/IAM, Identity Center and Vault, and VS Code windows built from the
// product's real pieces — Session, RoleSessionStore, EndpointHost (the credential endpoint with its tokens and
// fresh-credentials logic), PinnedTerminals, the role commands and VaultConnections — over the thin fake `vscode`.
// Time is one clock for the product and the servers: Date.now is moved forward by `advance`.
import { fake, fakeLog, type FakeTerminal } from './fakeVscode';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { AGENT_HEADER } from '../../../src/core/agents/markers';
import { type AwsConfig, loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { IdentityCenter, type DeviceCode } from '../../../src/core/identityCenter';
import type { Identity } from '../../../src/core/session';
import { Session } from '../../../src/core/session';
import { VaultClient } from '../../../src/core/vault/client';
import { getCallerIdentity } from '../../../src/core/sts/assumeRole';
import type { Settings } from '../../../src/configuration/settings';
import { registerRoleCommands } from '../../../src/commands/roles';
import { RoleSessionStore } from '../../../src/store/roleSession';
import { VaultConnections } from '../../../src/store/vaultConnections';
import { VaultStaticCredentials } from '../../../src/store/vaultStatic';
import { EndpointHost } from '../../../src/terminals/endpointHost';
import { PinnedTerminals } from '../../../src/terminals/pinnedTerminal';
import { guardCredentialsFile } from '../../../src/terminals/credentialsFileGuard';
import { startServers, type LocalServers } from '../../servers';
import { totp } from '../../servers/aws';
import { approveOnPage, MemorySecrets } from '../../support/identityCenter';

const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/aws-config');
const BOB_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** The MFA device of Vault's own IAM user (world.json), which a session_token lease names. */
const VAULT_ROOT_TOTP = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

/** One clock for everything in this process: the product, the local servers and the SDK's signatures. */
const realNow = Date.now;
export const clock = { offsetMs: 0 };
Date.now = () => realNow() + clock.offsetMs;

/** An identity as STS names it: the account and the role (or user) name, never a key. */
export interface Principal {
  account: string;
  name: string;
}

export const principalText = (p: Principal | undefined) => (p ? `${p.account}/${p.name}` : 'none');

/** The principal of an ARN STS reports; an Identity Center role's generated name is read as its permission set. */
export function principalOfArn(arn: string): Principal {
  const [, , , , account, resource] = arn.split(':');
  const name = resource.startsWith('assumed-role/') ? resource.split('/')[1] : resource;
  const sso = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/.exec(name);
  return { account, name: sso ? sso[1] : name };
}

/** An answer of the credential endpoint, with who its keys are (asked of STS) when it served keys. */
export interface Answer {
  status: number;
  code?: string;
  message?: string;
  principal?: Principal;
  /** The caller ARN STS reported for the keys served (an agent's names its session: …/agent-<agent>-…). */
  arn?: string;
  /** STS refused the keys served (e.g. a deleted IAM user's). */
  deadKeys?: string;
  ms: number;
}

export interface Fetched {
  status: number;
  body: Record<string, unknown>;
  ms: number;
}

export const ANSWER_TIMEOUT_MS = 10_000;

export interface Window {
  index: number;
  session: Session;
  roles: RoleSessionStore;
  host: EndpointHost;
  pinned: PinnedTerminals;
  vault: VaultConnections;
  /** Static roles' keys (Use / Open Terminal with Static Credentials read them here). */
  statics: VaultStaticCredentials;
  commands: Map<string, (...args: unknown[]) => unknown>;
  url: string;
  followingToken: string;
  /** The pinned terminal being opened (the command does not wait for it). */
  opening: Promise<unknown>;
  /** What survives a window reload, and a restart: SecretStorage, workspace state, the global storage folder. */
  kept: KeptState;
  /** The process of the window's following terminals (a shell started with the following token): a reload keeps it. */
  terminal: ChildProcess;
  /** Closes the window and ends its terminal's process. */
  dispose(): Promise<void>;
  /** Closes the window only: Reload Window, which keeps the terminals' processes. */
  close(): Promise<void>;
}

export interface KeptState {
  secrets: MemorySecrets;
  state: Map<string, unknown>;
  storage: string;
}

export class World {
  readonly roles = new Map<string, RoleEntry>();
  private config!: AwsConfig;
  private center!: IdentityCenter;
  private folder = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-model-'));
  private mfaStep = 0;
  /** A settings change: what the person (or a workspace) set on top of the model's settings. */
  overrides: Partial<Settings> = {};

  private constructor(readonly servers: LocalServers) {}

  static async start(): Promise<World> {
    const world = new World(await startServers());
    world.writeConfig();
    await world.load();
    return world;
  }

  /** The fixtures' profiles, plus a web identity role (`ci`) whose token file a CI system keeps valid. */
  private writeConfig(): void {
    const claims = {
      iss: 'https://token.local',
      sub: 'ci-runner-LOCAL',
      aud: 'sts.amazonaws.com',
      exp: Math.floor(Date.now() / 1000) + 10 * 365 * 86400,
    };
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const tokenFile = path.join(this.folder, 'web-identity-token');
    fs.writeFileSync(tokenFile, `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.TESTSIGNATURE`, { mode: 0o600 });
    const config = path.join(this.folder, 'config');
    const ci = [
      '[profile ci]',
      'role_arn = arn:aws:iam::222222222222:role/WebIdentityDeploy',
      `web_identity_token_file = ${tokenFile}`,
      '',
    ];
    fs.writeFileSync(config, `${fs.readFileSync(path.join(FIXTURES, 'config'), 'utf8')}\n${ci.join('\n')}`);
    process.env.AWS_CONFIG_FILE = config;
    // A copy of the person's credentials file, in a folder of its own (the guard watches the folder): `aws configure` writes it.
    fs.mkdirSync(path.join(this.folder, 'aws'));
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(this.folder, 'aws', 'credentials');
    this.resetCredentialsFile();
  }

  private async load(): Promise<void> {
    const { aws, sso } = this.servers;
    this.config = await loadAwsConfig({
      configPath: process.env.AWS_CONFIG_FILE!,
      credentialsPath: process.env.AWS_SHARED_CREDENTIALS_FILE!,
    });
    for (const role of buildCatalog({ profiles: this.config.profiles }).roles) this.roles.set(role.label, role);
    const ssoRole: RoleEntry = {
      key: 'sso:222222222222/ReadOnlyAccess',
      arn: 'arn:aws:iam::222222222222:role/ReadOnlyAccess',
      accountId: '222222222222',
      partition: 'aws',
      name: 'ReadOnlyAccess',
      label: 'dev/ReadOnlyAccess',
      origin: 'identityCenter',
      chained: false,
      needsMfa: false,
      needsExternalId: false,
      region: 'eu-west-1',
      sso: { startUrl: sso.startUrl, region: sso.region, accountId: '222222222222', roleName: 'ReadOnlyAccess' },
      warnings: [],
    } as unknown as RoleEntry;
    this.roles.set(ssoRole.label, ssoRole);
    this.center = new IdentityCenter({ startUrl: sso.startUrl, region: sso.region }, new MemorySecrets(), {
      oidcEndpoint: sso.url,
      portalEndpoint: sso.url,
      timeoutMs: 5000,
    });
    await this.signIn();
    // A person types the code the device shows; AWS refuses a code twice, so a second one in the same 30 s is the next.
    fake.mfaCode = () => {
      this.mfaStep = Math.max(Math.floor(Date.now() / 30_000), this.mfaStep + 1);
      return totp(BOB_TOTP, this.mfaStep * 30_000);
    };
    void aws;
  }

  /** Sign in to IAM Identity Center: the device flow, approved on the local server's page as a person would. */
  async signIn(): Promise<void> {
    let code: DeviceCode | undefined;
    await this.center.signIn({
      onCode: (c) => void (code = c),
      sleep: async () => void (await approveOnPage(code!)),
    });
  }

  /** Sign out of IAM Identity Center (the token is ended at the portal and forgotten). */
  signOut(): Promise<void> {
    return this.center.signOut();
  }

  settings(): Settings {
    const { aws, vault } = this.servers;
    return {
      accounts: [],
      terraformRoleArns: [],
      stsEndpoint: aws.url,
      consoleSigninEndpoint: `${aws.url}/federation`,
      region: 'eu-west-1',
      sessionDurationSeconds: 3600,
      autoRefresh: true,
      terminalCredentials: 'endpoint',
      requestTimeoutMs: 5000,
      guardrails: {
        expectedAccountIds: [],
        assumeWorkspaceRoleOnOpen: false,
        wrongAccountLaunch: 'allow',
        confirmProductionRoles: false,
        userProductionIds: [],
      },
      identityCenterHiddenAccounts: [],
      identityCenterSignIn: 'auto',
      agents: { access: 'readOnly' },
      keys: { maxAgeDays: 90 },
      vault: { servers: [{ name: 'local', address: vault.url }], defaultStsTtl: '1h', revokeLeasesOnExit: true, waitForIamUserKeys: false },
      ...this.overrides,
    };
  }

  role(label: string): RoleEntry {
    const role = this.roles.get(label);
    if (!role) throw new Error(`no role ${label}`);
    return role;
  }

  /**
   * A VS Code window: its own session, role store, endpoint (own port and tokens), pinned terminals and commands,
   * and a following terminal (`terminal`: the one from before a reload, else a new process).
   */
  async openWindow(index: number, kept?: KeptState, terminal?: ChildProcess): Promise<Window> {
    const session = new Session();
    const log = fakeLog(`[window ${index}]`) as never;
    const settings = () => this.settings();
    const catalog = {
      files: { configPath: process.env.AWS_CONFIG_FILE!, credentialsPath: process.env.AWS_SHARED_CREDENTIALS_FILE! },
      get: async () => ({ config: this.config, catalog: { roles: [...this.roles.values()], accounts: [], broken: [] } }),
    } as never;
    const center = this.center;
    const identityCenter = {
      credentials: (role: RoleEntry, signal?: AbortSignal) =>
        center.credentials({
          accountId: role.sso!.accountId,
          roleName: role.sso!.roleName,
          label: role.label,
          region: role.region,
          signal,
        }),
      profileCredentials: () => Promise.reject(new Error('not in the model')),
    };
    const roles = new RoleSessionStore({
      session,
      catalog,
      settings,
      log,
      recent: { add: async () => undefined } as never,
      identityCenter,
    });
    const secrets = kept?.secrets ?? new MemorySecrets();
    const state = kept?.state ?? new Map<string, unknown>();
    const context = {
      subscriptions: [] as { dispose(): unknown }[],
      secrets,
      workspaceState: {
        get: (k: string) => state.get(k),
        update: async (k: string, v: unknown) => void state.set(k, v),
        keys: () => [...state.keys()],
      },
      globalState: { get: () => undefined, update: async () => undefined, keys: () => [] },
      globalStorageUri: { fsPath: kept?.storage ?? path.join(this.folder, `window-${index}-${Date.now()}`) },
      storageUri: { toString: () => `file:///model/window-${index}` },
      asAbsolutePath: (p: string) => path.join(ROOT, p),
    };
    fs.mkdirSync(context.globalStorageUri.fsPath, { recursive: true });
    const host = new EndpointHost(context as never, {
      session,
      roles,
      log,
      defaultRegion: () => 'eu-west-1',
      agents: () => settings().agents,
    });
    const pinned = new PinnedTerminals(host, settings, () => undefined);
    const running = await host.start();
    const shell = terminal ?? (await startProcess());
    // What the environment collection's terminal watcher does for a terminal started with the following token.
    if (!terminal) await host.followedBy(shell.pid!);
    await secrets.store(`iamSwitchboard.vault.token:${this.servers.vault.url}`, this.servers.vault.rootToken);
    const vault = new VaultConnections({ secrets } as never, { session, log, settings });
    const statics = new VaultStaticCredentials(vault, session, log);
    // Endpoint mode watches the person's credentials file for a [iam-switchboard] section (environmentCollection.ts).
    const guard = guardCredentialsFile(session, log);
    host.readStaticKeysWith((origin, signal) => statics.reread(origin, signal));
    const window: Window = {
      index,
      session,
      roles,
      host,
      pinned,
      vault,
      statics,
      commands: new Map(),
      url: running.endpointUrl,
      followingToken: running.followingToken,
      opening: Promise.resolve(),
      kept: { secrets, state, storage: context.globalStorageUri.fsPath },
      terminal: shell,
      dispose: async () => {
        await window.close();
        await endProcess(shell);
      },
      close: async () => {
        context.subscriptions.forEach((s) => s.dispose());
        pinned.dispose();
        statics.dispose();
        guard.dispose();
        vault.dispose();
        roles.dispose();
        host.dispose();
        await new Promise((r) => setImmediate(r));
      },
    };
    fake.commands = window.commands;
    registerRoleCommands(context as never, {
      session,
      catalog,
      roles,
      recent: { add: async () => undefined, list: () => [] } as never,
      settings,
      log,
      guardrails: { confirmProduction: async () => true, productionOf: () => ({ production: false }) } as never,
      openPinnedTerminal: (identity: Identity, role?: RoleEntry) => {
        window.opening = pinned.open(identity, role);
      },
    });
    return window;
  }

  /** Reload Window: the window ends and starts again with its kept state; its terminals' processes keep running. */
  async reload(window: Window): Promise<Window> {
    await window.close();
    return this.openWindow(window.index, window.kept, window.terminal);
  }

  /**
   * Quit VS Code and start it again: the kept state survives, the terminals' processes end (the terminals VS Code
   * revives are new processes, started with the environment it wrote to the workspace's state at the quit).
   */
  async restart(window: Window): Promise<Window> {
    await window.dispose();
    return this.openWindow(window.index, window.kept);
  }

  /** Runs a command of `window` as VS Code would (its failures are shown, not thrown). */
  async command(window: Window, id: string, ...args: unknown[]): Promise<unknown> {
    const result = await window.commands.get(id)!(...args);
    await window.opening;
    return result;
  }

  /** Leases from the local Vault as Lease Credentials does, and keeps it in the window's connections. */
  async lease(window: Window, role: string, credentialType: string): Promise<{ identity: Identity; principal: Principal }> {
    const server = this.settings().vault.servers[0];
    const client = await window.vault.client(server);
    const leased = await client.leaseCredentials('aws', role, {
      credentialType,
      ttl: credentialType === 'iam_user' ? undefined : 3600,
      roleSessionName: credentialType === 'assumed_role' ? 'model' : undefined,
      mfaCode: credentialType === 'session_token' ? this.vaultMfaCode() : undefined,
    });
    const identity: Identity = {
      label: `vault:${role}`,
      arn: leased.arn,
      accountId: leased.arn?.split(':')[4] || undefined,
      region: 'eu-west-1',
      credentials: leased.credentials,
      origin: {
        kind: 'vault',
        server: server.address,
        mount: 'aws',
        role,
        leaseId: leased.lease.leaseId,
        renewable: leased.lease.renewable,
        credentialType,
      },
    };
    window.vault.remember(leased.lease, identity);
    const caller = await getCallerIdentity(identity.credentials, { endpoint: this.servers.aws.url, region: 'eu-west-1', timeoutMs: 5000 });
    return { identity, principal: principalOfArn(caller.arn) };
  }

  /** The code Vault's MFA device shows now (the person reads it off the device for Lease Credentials). */
  private vaultMfaCode(): string {
    return totp(VAULT_ROOT_TOTP, Date.now());
  }

  /** The person's credentials file as the fixtures have it (before any `aws configure`). */
  resetCredentialsFile(): void {
    fs.copyFileSync(path.join(FIXTURES, 'credentials'), process.env.AWS_SHARED_CREDENTIALS_FILE!);
  }

  /**
   * The static role made again (new keys due in an hour) for a user with no other keys: each sequence starts its
   * clock at zero, and the role's rotation time must lie ahead of it; keys created at a later clock by an earlier
   * sequence would look newer than the role's and be deleted first at its rotation, which AWS would not do.
   */
  async resetStaticRole(): Promise<void> {
    const iam = new IAMClient({
      endpoint: this.servers.aws.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIALOCALVAULT000001', secretAccessKey: 'vaultLocalSecretKey000000000000000000000V' },
    });
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'ci-deployer' }));
    for (const key of listed.AccessKeyMetadata ?? []) {
      await iam.send(new DeleteAccessKeyCommand({ UserName: 'ci-deployer', AccessKeyId: key.AccessKeyId }));
    }
    const root = new VaultClient({ name: 'local', address: this.servers.vault.url }, { timeoutMs: 5000 });
    root.setToken(this.servers.vault.rootToken);
    const deleted = await fetch(`${this.servers.vault.url}/v1/aws/static-roles/ci-deployer`, {
      method: 'DELETE',
      headers: { 'X-Vault-Token': this.servers.vault.rootToken },
    });
    if (!deleted.ok) throw new Error(`Vault did not delete the static role: ${deleted.status}`);
    await root.request('update', 'aws/static-roles/ci-deployer', { data: { username: 'ci-deployer', rotation_period: 3600 } });
  }

  /** Vault's periodic work runs now (expiry, static roles' rotations at their tick), as it would as time passes. */
  tick(): Promise<void> {
    return this.servers.vault.advanceClock(0);
  }

  /** Revoke Lease: Vault revokes it (deleting an iam_user's user), then the window forgets it. */
  async revoke(window: Window, leaseId: string): Promise<void> {
    const client = await window.vault.client(this.settings().vault.servers[0]);
    await client.revokeLease(leaseId);
    window.vault.forget(leaseId);
  }

  /**
   * GET /credentials with `token`, as the SDKs do, then asks STS who the served keys are. `agent` names the AI agent
   * the request comes from, as the credential helper does for a process with an agent's marker.
   */
  async ask(url: string, token: string, agent?: string): Promise<Answer> {
    return this.identify(await this.fetch(url, token, agent));
  }

  /** GET /credentials with `token`, as the SDKs do (as an agent's credential helper when `agent` is given). */
  async fetch(url: string, token: string, agent?: string): Promise<Fetched> {
    const started = realNow();
    return { ...(await get(url, token, agent)), ms: realNow() - started };
  }

  /** Who the keys of an answer are, asked of STS. */
  async identify({ status, body, ms }: Fetched): Promise<Answer> {
    const answer: Answer = { status, ms };
    if (status === 200) {
      const credentials = {
        accessKeyId: String(body.AccessKeyId),
        secretAccessKey: String(body.SecretAccessKey),
        sessionToken: body.Token ? String(body.Token) : undefined,
      };
      try {
        const caller = await getCallerIdentity(credentials, { endpoint: this.servers.aws.url, region: 'eu-west-1', timeoutMs: 5000 });
        answer.principal = principalOfArn(caller.arn);
        answer.arn = caller.arn;
      } catch (error) {
        answer.deadKeys = (error as Error).message;
      }
    } else {
      answer.code = String(body.Code);
      answer.message = String(body.Message);
    }
    return answer;
  }

  /** Every secret any server issued or holds: none may appear in a message or a log line. */
  secrets(windows: Window[]): string[] {
    const { aws, vault } = this.servers;
    const issued = aws.issuedSecrets().filter((s) => !/^A[SK]IA/.test(s));
    return [...issued, ...vault.issuedTokens(), ...windows.map((w) => w.followingToken)];
  }

  async close(): Promise<void> {
    await this.servers.close();
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}

export type { FakeTerminal };

/** A process standing for a terminal's shell (running until ended, as a shell waits for input). */
async function startProcess(): Promise<ChildProcess> {
  const child = spawn('sleep', ['86400'], { stdio: 'ignore' });
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return child;
}

async function endProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill();
  await exited;
}

function get(url: string, token: string, agent?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = { Authorization: token, ...(agent && { [AGENT_HEADER]: agent }) };
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: ANSWER_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}
