// The Vault flows' questions: which server, role or lease, how to sign in, how long. Each returns undefined when
// the person backs out; none of them sends anything.
import * as vscode from 'vscode';
import { formatSeconds, parseDuration } from '../core/duration';
import { UserError } from '../core/userError';
import type { VaultClient, VaultServer } from '../core/vault';
import type { Lease } from '../core/vaultLeases';

/** The configured server `named` (from a command argument), else the only one, else the one the person picks. */
export async function pickServer(servers: VaultServer[], named: Pick<VaultServer, 'address'> | undefined, title: string): Promise<VaultServer | undefined> {
  if (named) {
    const found = servers.find((s) => s.address === named.address);
    if (!found) {
      throw new UserError(`Vault server ${named.address} is not configured; add it with "Add Vault Server…" first.`, 'VaultServerUnknown');
    }
    return found;
  }
  if (!servers.length) {
    throw new UserError('No Vault server is configured; run "Add Vault Server…" first.', 'VaultNoServers');
  }
  if (servers.length === 1) return servers[0];
  const picked = await vscode.window.showQuickPick(
    servers.map((s) => ({ label: s.name, description: s.address, server: s })),
    { title, placeHolder: 'Vault server' },
  );
  return picked?.server;
}

export async function pickLease(leases: Lease[], title: string, timeLeft: (leaseId: string) => number | undefined): Promise<Lease | undefined> {
  if (!leases.length) {
    throw new UserError('This window holds no Vault leases; lease credentials from a role in the Vault view first.', 'VaultNoLeases');
  }
  const picked = await vscode.window.showQuickPick(
    leases.map((lease) => {
      const left = timeLeft(lease.leaseId);
      return { label: lease.role, description: left === undefined ? lease.credentialType : `${lease.credentialType} · ${formatSeconds(Math.max(0, left) / 1000)} left`, detail: lease.leaseId, lease };
    }),
    { title, placeHolder: 'Vault lease' },
  );
  return picked?.lease;
}

export async function pickSignInMethod(serverName: string): Promise<'token' | 'userpass' | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Token', method: 'token' as const, detail: 'Paste a Vault token; it is kept in VS Code secret storage only.' },
      { label: 'Username and password', method: 'userpass' as const, detail: 'Sign in through the userpass auth method.' },
    ],
    { title: `Sign in to ${serverName}`, placeHolder: 'Sign in with' },
  );
  return picked?.method;
}

/** Every AWS role the token may list, across the server's AWS mounts. */
export async function pickVaultRole(client: VaultClient): Promise<{ mount: string; role: string } | undefined> {
  const items: Array<vscode.QuickPickItem & { mount: string; role: string }> = [];
  for (const mount of await client.listAwsMounts()) {
    const list = await client.listRoles(mount);
    if (list.kind === 'roles') {
      items.push(...list.roles.map((role) => ({ label: role, description: `${mount}/`, mount, role })));
    }
  }
  if (!items.length) {
    throw new UserError(`No AWS roles are visible on Vault at ${client.address}; ask your Vault admin for "list" on <mount>/roles.`, 'VaultNoRoles');
  }
  return vscode.window.showQuickPick(items, { title: 'Lease Credentials', placeHolder: 'Vault role to lease credentials from' });
}

export async function pickOne(options: string[], title: string, placeHolder: string): Promise<string | undefined> {
  return vscode.window.showQuickPick(options, { title, placeHolder });
}

/** A duration such as 15m or 1h 30m, in seconds; `value` is offered. */
export async function askDuration(title: string, prompt: string, value: string): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt,
    value,
    ignoreFocusOut: true,
    validateInput: (input) => (parseDuration(input) ? undefined : 'Enter a duration such as 15m, 1h or 1h 30m'),
  });
  return text === undefined ? undefined : parseDuration(text);
}
