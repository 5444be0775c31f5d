// The ways to sign in to a Vault server: a pasted token, userpass, LDAP, OIDC through the person's browser, or
// the token `vault login` left behind. Each ends in a token checked by Vault, which goes to SecretStorage only
// (store/vaultConnections.ts); nothing here writes a token anywhere else or repeats it in a message.
import * as vscode from 'vscode';
import { reachableFromBrowser } from './browserUrl';
import { whileNotCancelled } from '../cancellation';
import type { VaultClient, VaultServer } from '../core/vault/client';
import { loginWithPassword, resolveAuth, type SignInResult } from '../core/vault/auth';
import { findCliToken, type CliToken } from '../core/vault/cliToken';
import { signInWithOidc } from '../core/vault/oidc';
import { UserError } from '../core/userError';
import { pickSignInMethod, type SignInMethod } from '../prompts/vaultPrompts';

const CALLBACK_PATH = '/oidc/callback';

/** Asks how to sign in and does it; undefined when the person backs out. */
export async function signInInteractively(
  client: VaultClient,
  server: VaultServer,
  log: vscode.LogOutputChannel,
): Promise<SignInResult | undefined> {
  const cli = await findCliToken(client, { env: process.env }).catch((error: unknown): CliToken => {
    log.info(`Could not check the vault CLI's token: ${(error as Error).message}`);
    return { kind: 'none' };
  });
  if (cli.kind === 'rejected') {
    log.info(cli.message);
  }
  const auth = resolveAuth(server);
  const method = await pickSignInMethod(server.name, auth.method, server.auth !== undefined, cli.kind === 'valid' ? cli : undefined);
  if (!method) return undefined;
  // The server's auth setting names the mount and role of its method; another method uses Vault's default mount.
  const mount = (m: SignInMethod) => (server.auth?.method === m ? auth.mount : m);
  switch (method) {
    case 'cli':
      return cli.kind === 'valid' ? { token: cli.token, info: cli.info } : undefined;
    case 'token':
      return pastedToken(client, server);
    case 'userpass':
    case 'ldap':
      return withPassword(client, server, method, mount(method));
    case 'oidc':
      return oidc(client, server, mount('oidc'), server.auth?.method === 'oidc' ? auth : undefined);
  }
}

async function pastedToken(client: VaultClient, server: VaultServer): Promise<SignInResult | undefined> {
  const token = await vscode.window.showInputBox({
    title: `Sign in to ${server.name}`,
    prompt: 'Vault token',
    password: true,
    ignoreFocusOut: true,
  });
  // Checked before it replaces anything: a failed sign-in leaves the current token in use and in SecretStorage.
  return token ? { token, info: await client.checkToken(token) } : undefined;
}

async function withPassword(
  client: VaultClient,
  server: VaultServer,
  method: 'userpass' | 'ldap',
  mount: string,
): Promise<SignInResult | undefined> {
  const title = `Sign in to ${server.name}${method === 'ldap' ? ' with LDAP' : ''}`;
  const username = await vscode.window.showInputBox({
    title,
    prompt: method === 'ldap' ? 'LDAP username' : 'Username',
    ignoreFocusOut: true,
  });
  if (!username) return undefined;
  // A wrong password is asked again in place, as a wrong MFA code is; Escape cancels. Other failures end the flow.
  let refused = false;
  for (;;) {
    const password = await askPassword(title, username, refused);
    if (!password) return undefined;
    try {
      return await loginWithPassword(client, method, username, password, { mount });
    } catch (error) {
      if (!(error instanceof UserError) || error.code !== 'VaultLoginFailed') throw error;
      refused = true;
    }
  }
}

function askPassword(title: string, username: string, refused: boolean): Thenable<string | undefined> {
  // A warning, not an error: it stays while the person types again, and never blocks Enter.
  const reason: vscode.InputBoxValidationMessage = {
    message: `Vault rejected that password for ${username}: type it again, or press Escape and check the username.`,
    severity: vscode.InputBoxValidationSeverity.Warning,
  };
  return vscode.window.showInputBox({
    title,
    prompt: `Password for ${username}`,
    password: true,
    ignoreFocusOut: true,
    validateInput: () => (refused ? reason : undefined),
  });
}

/**
 * OIDC in the person's browser. The callback listener runs where the extension host runs; in a remote window
 * (code-server, SSH, containers) asExternalUri maps it to an address the browser can reach (a forwarded port,
 * or code-server's /proxy/<port>/ path), and that address must be in the Vault role's allowed_redirect_uris.
 */
async function oidc(
  client: VaultClient,
  server: VaultServer,
  mount: string,
  auth?: { role: string; redirectPort: number },
): Promise<SignInResult> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Signing in to ${server.name}: finish in your browser…`, cancellable: true },
    (_progress, token) =>
      whileNotCancelled(token, (signal) =>
        signInWithOidc(client, {
          mount,
          role: auth?.role,
          port: auth?.redirectPort,
          callbackPath: CALLBACK_PATH,
          signal,
          redirectUri: ({ uri }) => externalCallback(uri),
          openUrl: async (url) => vscode.env.openExternal(await reachableFromBrowser(url)),
        }),
      ),
  );
}

/** The callback as the browser must reach it (code-server answers its proxy's base, `…/proxy/8250/`, only). */
async function externalCallback(local: string): Promise<string> {
  return (await reachableFromBrowser(local)).toString(true);
}
