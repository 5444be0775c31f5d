// The static-role commands of the Vault view: put a static role's keys into new terminals, or open one terminal
// with them. Static keys are long-lived and rotated by Vault; they are never called or tracked as leases.
import * as vscode from 'vscode';
import type { Identity } from '../core/session';
import { UserError } from '../core/userError';
import type { VaultServer } from '../core/vault/client';
import { listStaticRoles } from '../core/vault/staticRoles';
import { pickServer } from '../prompts/vaultPrompts';
import { terminalsReached } from '../core/endpoint/terminalReach';
import { clockTime } from '../core/time';
import type { VaultConnections, VaultDeps } from '../store/vaultConnections';
import type { VaultStaticCredentials } from '../store/vaultStatic';
import type { StaticRoleNode } from '../treeViews/vaultTree';

/** From a static role node (only `server.address`, `mount` and `role` are read). */
export type StaticRoleArgs = Pick<StaticRoleNode, 'server' | 'mount' | 'role'>;

export class VaultStaticRoleCommands {
  constructor(
    private readonly connections: VaultConnections,
    private readonly statics: VaultStaticCredentials,
    private readonly deps: VaultDeps,
  ) {}

  /** Makes the role's keys the active identity; they are read again when Vault rotates them. */
  async use(arg?: StaticRoleArgs): Promise<{ label: string } | undefined> {
    const identity = await this.readKeys(arg, 'Use Static Credentials');
    if (!identity) return undefined;
    this.deps.session.set(identity);
    const reached = terminalsReached(this.deps.settings().terminalCredentials);
    const rotates =
      identity.origin.kind === 'vaultStatic' && identity.origin.rotatesAt
        ? ` Vault rotates them at ${clockTime(identity.origin.rotatesAt)}; ${reached} then get the new keys.`
        : '';
    void vscode.window.showInformationMessage(
      `Static keys of ${identity.label.replace(/^vault-static:/, '')} are in ${reached}.${rotates}`,
    );
    return { label: identity.label };
  }

  /** One terminal with the role's keys, leaving the active identity as it is. */
  async openTerminal(arg?: StaticRoleArgs): Promise<void> {
    const identity = await this.readKeys(arg, 'Open Terminal with Static Credentials');
    if (!identity) return;
    await vscode.commands.executeCommand('iamSwitchboard.openTerminalAsRole', { identity });
  }

  private async readKeys(arg: StaticRoleArgs | undefined, title: string): Promise<Identity | undefined> {
    const server = await pickServer(this.connections.servers(), arg?.server, title);
    if (!server) return undefined;
    const target = arg?.mount && arg.role ? { mount: arg.mount, role: arg.role } : await this.pickStaticRole(server, title);
    if (!target) return undefined;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Reading static keys of ${target.role}…` }, () =>
      this.statics.read(server, target.mount, target.role),
    );
  }

  private async pickStaticRole(server: VaultServer, title: string): Promise<{ mount: string; role: string } | undefined> {
    const client = await this.connections.client(server);
    const items: Array<vscode.QuickPickItem & { mount: string; role: string }> = [];
    for (const mount of await client.listAwsMounts()) {
      const list = await listStaticRoles(client, mount);
      if (list.kind === 'roles') {
        items.push(...list.roles.map((role) => ({ label: role, description: `${mount}/static-roles/`, mount, role })));
      }
    }
    if (!items.length) {
      throw new UserError(
        `No static roles are visible on Vault at ${server.address}; ask your Vault admin for "list" on <mount>/static-roles.`,
        'VaultNoStaticRoles',
      );
    }
    return vscode.window.showQuickPick(items, { title, placeHolder: 'Static role' });
  }
}
