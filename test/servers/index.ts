// Starts the local AWS (STS/IAM) server, the local Vault and the local IAM Identity Center wired to it, for tests and the demo.
import { type AwsServer, startAwsServer } from './aws';
import { type SsoServer, type SsoServerOptions, startSsoServer } from './sso';
import { type VaultServer, type VaultServerOptions, startVaultServer } from './vault';

export interface LocalServers {
  aws: AwsServer;
  vault: VaultServer;
  sso: SsoServer;
  close(): Promise<void>;
}

export interface StartServersOptions {
  aws?: { worldPath?: string; port?: number; keyPropagationMs?: number };
  /** Everything but awsEndpoint, which is the AWS server just started. */
  vault?: Omit<VaultServerOptions, 'awsEndpoint'>;
  /** Everything but identities, which are the AWS server's (so role credentials work there). */
  sso?: Omit<SsoServerOptions, 'identities'>;
}

export async function startServers(options: StartServersOptions = {}): Promise<LocalServers> {
  const aws = await startAwsServer(options.aws ?? {});
  let vault: VaultServer;
  try {
    vault = await startVaultServer({ ...options.vault, awsEndpoint: aws.url });
  } catch (err) {
    await aws.close();
    throw err;
  }
  const sso = await startSsoServer({ ...options.sso, identities: aws.identities });
  return {
    aws,
    vault,
    sso,
    // Vault first: its pending lease revocations call the AWS server.
    close: async () => {
      await vault.close();
      await sso.close();
      await aws.close();
    },
  };
}
