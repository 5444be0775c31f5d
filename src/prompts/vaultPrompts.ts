// The Vault flows' questions: which server, role or lease, how to sign in, how long. Each returns undefined when
// the person backs out; none of them sends anything.
import * as vscode from 'vscode';
import { formatSeconds, parseDuration } from '../core/duration';
import { UserError } from '../core/userError';
import type { TokenInfo, VaultClient, VaultServer } from '../core/vault/client';
import type { Lease } from '../core/vault/leases';

/** The configured server `named` (from a command argument), else the only one, else the one the person picks. */
export async function pickServer(
  servers: VaultServer[],
  named: Pick<VaultServer, 'address'> | undefined,
  title: string,
): Promise<VaultServer | undefined> {
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

export async function pickLease(
  leases: Lease[],
  title: string,
  timeLeft: (leaseId: string) => number | undefined,
): Promise<Lease | undefined> {
  if (!leases.length) {
    throw new UserError('This window holds no Vault leases; lease credentials from a role in the Vault view first.', 'VaultNoLeases');
  }
  const picked = await vscode.window.showQuickPick(
    leases.map((lease) => {
      const left = timeLeft(lease.leaseId);
      return {
        label: lease.role,
        description:
          left === undefined ? lease.credentialType : `${lease.credentialType} · ${formatSeconds(Math.max(0, left) / 1000)} left`,
        detail: lease.leaseId,
        lease,
      };
    }),
    { title, placeHolder: 'Vault lease' },
  );
  return picked?.lease;
}

export type SignInMethod = 'token' | 'userpass' | 'ldap' | 'oidc' | 'cli';

/**
 * How to sign in: the vault CLI's token first when Vault accepted it, then the server's configured method, then
 * the others (a configured server still lets the person paste a token, e.g. when the identity provider is down).
 */
export async function pickSignInMethod(
  serverName: string,
  configured: Exclude<SignInMethod, 'cli'>,
  isConfigured: boolean,
  cli?: { source: string; info: TokenInfo },
): Promise<SignInMethod | undefined> {
  const methods: Array<vscode.QuickPickItem & { method: SignInMethod }> = [
    {
      label: 'OIDC (browser)',
      method: 'oidc',
      detail: 'Sign in with your identity provider in the browser, as "vault login -method=oidc" does.',
    },
    { label: 'LDAP', method: 'ldap', detail: 'Sign in with your directory (LDAP) account.' },
    { label: 'Username and password', method: 'userpass', detail: 'Sign in through the userpass auth method.' },
    { label: 'Token', method: 'token', detail: 'Paste a Vault token; it is kept in VS Code secret storage only.' },
  ];
  const ordered = isConfigured
    ? [...methods.filter((m) => m.method === configured), ...methods.filter((m) => m.method !== configured)]
    : methods;
  if (isConfigured) {
    ordered[0] = { ...ordered[0], description: "this server's sign-in method" };
  }
  if (cli) {
    ordered.unshift({
      label: 'Use the token from `vault login`',
      method: 'cli',
      description: `${cli.source} · ${cli.info.displayName || 'token'}`,
      detail: `Vault accepted it (policies: ${cli.info.policies.join(', ') || 'none'}); it is copied to VS Code secret storage only.`,
    });
  }
  const picked = await vscode.window.showQuickPick(ordered, { title: `Sign in to ${serverName}`, placeHolder: 'Sign in with' });
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
    throw new UserError(
      `No AWS roles are visible on Vault at ${client.address}; ask your Vault admin for "list" on <mount>/roles.`,
      'VaultNoRoles',
    );
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

export interface TtlItem {
  label: string;
  description?: string;
  /** undefined leaves the TTL to Vault (the role's default). */
  seconds: number | undefined;
}

/**
 * The STS TTL from the offered choices, "Other…", or a duration typed straight into the box. Resolves to
 * `{ seconds }` (undefined seconds: Vault's default) or undefined when the person backs out.
 */
export function pickTtl(title: string, placeholder: string, choices: TtlItem[]): Promise<{ seconds: number | undefined } | undefined> {
  const other = { label: 'Other…', description: 'type a duration such as 45m or 1h 30m', seconds: undefined };
  const picker = vscode.window.createQuickPick<TtlItem>();
  picker.title = title;
  picker.placeholder = placeholder;
  picker.ignoreFocusOut = true;
  picker.items = [...choices, other];
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: { seconds: number | undefined } | undefined) => {
      done = true;
      picker.hide();
      resolve(value);
    };
    picker.onDidAccept(async () => {
      const item = picker.activeItems[0];
      if (item === other) {
        done = true;
        picker.hide();
        const seconds = await askDuration(title, placeholder, '');
        resolve(seconds === undefined ? undefined : { seconds });
      } else if (item) {
        finish({ seconds: item.seconds });
      } else if (parseDuration(picker.value)) {
        finish({ seconds: parseDuration(picker.value) });
      }
    });
    picker.onDidHide(() => {
      picker.dispose();
      if (!done) resolve(undefined);
    });
    picker.show();
  });
}

/** The role_session_name for an assumed_role lease, `value` offered; undefined when the person backs out. */
export function askSessionName(title: string, value: string, validate: (name: string) => string | undefined): Thenable<string | undefined> {
  return vscode.window
    .showInputBox({
      title,
      prompt: 'Session name (shows in the assumed-role ARN and in CloudTrail)',
      value,
      ignoreFocusOut: true,
      validateInput: (input) => validate(input.trim()),
    })
    .then((name) => name?.trim());
}
