// The Vault commands. The state they share (servers, clients, tokens, leases) lives in store/ and is built with the
// view by features/vault.ts; the commands here add servers and sign in and out, vaultLeases.ts leases, renews,
// revokes and looks up, vaultStaticRoles.ts uses static roles.
import * as vscode from 'vscode';
import { UserError } from '../core/userError';
import type { VaultServer } from '../core/vault/client';
import { registerCommand, showError } from '../errors';
import type { VaultServerSetting } from '../configuration/settings';
import { userValue, writeUserSetting } from '../configuration/writes';
import { runWizard } from '../prompts/multiStepInput';
import { pickServer } from '../prompts/vaultPrompts';
import type { VaultConnections, VaultDeps } from '../store/vaultConnections';
import type { VaultStaticCredentials } from '../store/vaultStatic';
import type { ServerNode, VaultTreeProvider } from '../treeViews/vaultTree';
import type { VaultLeaseDocuments } from '../vaultLeaseDocument';
import { signInInteractively } from './vaultSignIn';
import { type StaticRoleArgs, VaultStaticRoleCommands } from './vaultStaticRoles';
import { type LeaseArgs, type LeaseCredentialsArgs, type RenewArgs, VaultLeaseCommands } from './vaultLeases';

export type { VaultDeps } from '../store/vaultConnections';

/** Arguments of the server commands: the server node they are invoked on (only `server.address` is read). */
type ServerArgs = Pick<ServerNode, 'server'>;
/** A token in the argument signs in without asking (tests, automation); it goes to SecretStorage only. */
type SignInArgs = ServerArgs & { token?: string };

/** What the Vault commands act on: the feature's state, built by features/vault.ts. */
interface VaultParts {
  connections: VaultConnections;
  tree: VaultTreeProvider;
  documents: VaultLeaseDocuments;
  statics: VaultStaticCredentials;
}

export function registerVaultCommands(context: vscode.ExtensionContext, deps: VaultDeps, parts: VaultParts): void {
  const { connections, tree, documents, statics } = parts;
  const { log } = deps;
  const servers = new VaultServerCommands(connections, tree, deps);
  const leases = new VaultLeaseCommands(connections, documents, deps);
  const staticRoles = new VaultStaticRoleCommands(connections, statics, deps);
  const register = <A>(id: string, action: string, run: (arg?: A) => Promise<unknown>) =>
    registerCommand<A>(log, id, action, run, (error, arg) => {
      if (error instanceof UserError && SIGN_IN_AGAIN_CODES.has(error.code ?? '')) {
        offerSignIn(log, error, action, serverOf(arg));
      } else {
        showError(log, error, action);
      }
    });
  context.subscriptions.push(
    register('iamSwitchboard.addVaultServer', 'Add Vault server', () => servers.addServer()),
    register<SignInArgs>('iamSwitchboard.signInToVault', 'Sign in to Vault', (arg) => servers.signIn(arg)),
    register<ServerArgs>('iamSwitchboard.signOutOfVault', 'Sign out of Vault', (arg) => servers.signOut(arg)),
    register<LeaseCredentialsArgs>('iamSwitchboard.leaseCredentials', 'Lease credentials', (arg) => leases.lease(arg)),
    register<RenewArgs>('iamSwitchboard.renewLease', 'Renew lease', (arg) => leases.renew(arg)),
    register<LeaseArgs>('iamSwitchboard.revokeLease', 'Revoke lease', (arg) => leases.revoke(arg)),
    register<LeaseArgs>('iamSwitchboard.lookupLease', 'Look up lease', (arg) => leases.lookup(arg)),
    register<LeaseArgs>('iamSwitchboard.openTerminalWithLease', 'Open terminal with Vault lease', (arg) => leases.openTerminal(arg)),
    register<LeaseArgs>('iamSwitchboard.useLease', 'Use Vault lease', (arg) => leases.use(arg)),
    register<StaticRoleArgs>('iamSwitchboard.useStaticCredentials', 'Use static credentials', (arg) => staticRoles.use(arg)),
    register<StaticRoleArgs>('iamSwitchboard.openTerminalWithStaticCredentials', 'Open terminal with static credentials', async (arg) => {
      await staticRoles.openTerminal(arg);
      tree.redraw();
    }),
    vscode.commands.registerCommand('iamSwitchboard.refreshVault', () => tree.refresh()),
  );
}

// A token that expired or was revoked is fixed by signing in again: offer it on the error itself.
const SIGN_IN_AGAIN_CODES = new Set(['VaultTokenExpired', 'VaultTokenNotAccepted', 'VaultNotSignedIn']);

/** The server a failed command was about, when its argument names one (server and role nodes do). */
function serverOf(arg: unknown): Pick<VaultServer, 'address'> | undefined {
  const server = (arg as Partial<ServerArgs> | undefined)?.server;
  return server?.address ? server : undefined;
}

function offerSignIn(log: vscode.LogOutputChannel, error: UserError, action: string, server?: Pick<VaultServer, 'address'>): void {
  log.error(`${action}: ${error.code}: ${error.message}${error.detail ? ` (${error.detail})` : ''}`);
  void vscode.window.showErrorMessage(error.message, 'Sign in').then((choice) => {
    if (choice) {
      void vscode.commands.executeCommand('iamSwitchboard.signInToVault', server ? { server } : undefined);
    }
  });
}

interface NewServer {
  name: string;
  address: string;
  namespace: string;
}

class VaultServerCommands {
  constructor(
    private readonly connections: VaultConnections,
    private readonly tree: VaultTreeProvider,
    private readonly deps: VaultDeps,
  ) {}

  async addServer(): Promise<void> {
    const answers = await runWizard<NewServer>(
      'Add Vault Server',
      [
        {
          kind: 'input',
          prompt: 'A name for this server',
          placeholder: 'lab',
          value: (s) => s.name,
          validate: (value) => (value.trim() ? undefined : 'Enter a short name, e.g. lab'),
          apply: (value, s) => (s.name = value),
        },
        {
          kind: 'input',
          prompt: 'Vault address',
          value: (s) => s.address,
          validate: (value) =>
            /^https?:\/\/[^/\s]+/.test(value.trim())
              ? undefined
              : 'Enter an http:// or https:// address, e.g. https://vault.example.com:8200',
          apply: (value, s) => (s.address = value.replace(/\/+$/, '')),
        },
        {
          kind: 'input',
          prompt: 'Namespace (Vault Enterprise; leave empty for none)',
          value: (s) => s.namespace,
          apply: (value, s) => (s.namespace = value),
        },
      ],
      { name: '', address: process.env.VAULT_ADDR ?? 'https://', namespace: '' },
    );
    if (!answers) return;
    const server: VaultServerSetting = {
      name: answers.name,
      address: answers.address,
      ...(answers.namespace ? { namespace: answers.namespace } : {}),
    };
    // Machine-scoped setting: it can only live in user settings, so a workspace cannot redirect the token.
    const current = userValue<VaultServerSetting[]>('vault.servers') ?? [];
    await writeUserSetting('vault.servers', [...current.filter((s) => s.address !== server.address), server]);
    const choice = await vscode.window.showInformationMessage(`Added Vault server ${server.name}.`, 'Sign in');
    if (choice) {
      await vscode.commands.executeCommand('iamSwitchboard.signInToVault', { server });
    }
  }

  async signIn(arg?: SignInArgs): Promise<void> {
    const server = await pickServer(this.connections.servers(), arg?.server, 'Sign in to Vault');
    if (!server) return;
    const client = await this.connections.client(server);
    // Checked before it replaces anything: a failed sign-in leaves the current token in use and in SecretStorage.
    const result = arg?.token
      ? { token: arg.token, info: await client.checkToken(arg.token) }
      : await signInInteractively(client, server, this.deps.log);
    if (!result) return;
    const { info } = result;
    await this.connections.signIn(server, result.token);
    void setVaultSignedIn(true);
    this.deps.log.info(`Signed in to Vault at ${server.address} as ${info.displayName} (${info.policies.join(', ')}).`);
    void this.tree.refresh();
    void vscode.window.showInformationMessage(
      `Signed in to ${server.name} as ${info.displayName || 'token'} (policies: ${info.policies.join(', ')}).`,
    );
  }

  async signOut(arg?: ServerArgs): Promise<void> {
    const server = await pickServer(this.connections.servers(), arg?.server, 'Sign out of Vault');
    if (!server) return;
    await this.connections.signOut(server);
    const kept = await Promise.all(this.connections.servers().map((s) => this.connections.tokenKept(s)));
    void setVaultSignedIn(kept.some(Boolean));
    void this.tree.refresh();
    void vscode.window.showInformationMessage(
      `Signed out of ${server.name}; its token is forgotten. Leases stay valid until they expire or you revoke them.`,
    );
  }
}

/** For the walkthrough's "Sign in to Vault" step, which completes when this becomes true. */
function setVaultSignedIn(signedIn: boolean): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', 'iamSwitchboard.vaultSignedIn', signedIn);
}
