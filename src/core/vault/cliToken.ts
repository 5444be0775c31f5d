// The token the vault CLI left behind: VAULT_TOKEN in VS Code's environment wins, as it does for the CLI, else
// ~/.vault-token (its default token helper). It is only offered after lookup-self at this server accepted it,
// and goes back to the edge alone, for SecretStorage: nothing here writes it anywhere or repeats the file.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TokenInfo, VaultClient } from './client';
import { UserError } from '../userError';

type CliTokenSource = 'VAULT_TOKEN' | '~/.vault-token';

export type CliToken =
  /** Neither VAULT_TOKEN nor a readable ~/.vault-token. */
  | { kind: 'none' }
  | { kind: 'valid'; source: CliTokenSource; token: string; info: TokenInfo }
  /** This server does not accept it: expired, revoked, or made by another Vault. */
  | { kind: 'rejected'; source: CliTokenSource; message: string; code: string };

interface CliTokenOptions {
  /** VS Code's environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where ~ is (default the user's home). */
  homeDir?: string;
  signal?: AbortSignal;
}

// Vault tokens are short printable strings; anything else in the file is not one.
const TOKEN_SHAPE = /^[\x21-\x7e]{8,4096}$/;

export async function findCliToken(client: VaultClient, options: CliTokenOptions = {}): Promise<CliToken> {
  const env = options.env ?? process.env;
  const fromEnv = env.VAULT_TOKEN?.trim();
  const source: CliTokenSource = fromEnv ? 'VAULT_TOKEN' : '~/.vault-token';
  const token = fromEnv || (await readTokenFile(join(options.homeDir ?? homedir(), '.vault-token')));
  if (!token) {
    return { kind: 'none' };
  }
  if (!TOKEN_SHAPE.test(token)) {
    return {
      kind: 'rejected',
      source,
      code: 'VaultCliTokenMalformed',
      message: `The ${source} of the vault CLI does not hold a Vault token; run "vault login" again or sign in here.`,
    };
  }
  try {
    return { kind: 'valid', source, token, info: await client.checkToken(token, options.signal) };
  } catch (error) {
    if (
      !(error instanceof UserError) ||
      !['VaultTokenNotAccepted', 'VaultTokenExpired', 'VaultPermissionDenied', 'VaultNotSignedIn'].includes(error.code ?? '')
    ) {
      throw error;
    }
    return { kind: 'rejected', source, code: 'VaultCliTokenRejected', message: rejectedMessage(source, client.address, env.VAULT_ADDR) };
  }
}

function rejectedMessage(source: CliTokenSource, address: string, vaultAddr: string | undefined): string {
  // Vault says "permission denied" alike for expired, revoked and foreign tokens; VAULT_ADDR can tell the last apart.
  const elsewhere = vaultAddr && normalise(vaultAddr) !== normalise(address) ? ` (the vault CLI here points at ${vaultAddr})` : '';
  return `Vault at ${address} does not accept the token in ${source}: it has expired, was revoked or belongs to another Vault server${elsewhere}; run "vault login" against this server or sign in here.`;
}

async function readTokenFile(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim() || undefined;
  } catch {
    // Missing or unreadable: there is simply no CLI token to offer.
    return undefined;
  }
}

function normalise(address: string): string {
  try {
    const url = new URL(address);
    return `${url.protocol}//${url.hostname === 'localhost' ? '127.0.0.1' : url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return address.replace(/\/+$/, '');
  }
}
