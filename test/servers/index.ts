// Starts the local AWS (STS/IAM) server and the local Vault wired to it, for tests and the demo.
import { type AwsServer, startAwsServer } from './aws';
import { type VaultServer, type VaultServerOptions, startVaultServer } from './vault';

export interface LocalServers {
  aws: AwsServer;
  vault: VaultServer;
  close(): Promise<void>;
}

export interface StartServersOptions {
  aws?: { worldPath?: string; port?: number; keyPropagationMs?: number };
  /** Everything but awsEndpoint, which is the AWS server just started. */
  vault?: Omit<VaultServerOptions, 'awsEndpoint'>;
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
  return {
    aws,
    vault,
    // Vault first: its pending lease revocations call the AWS server.
    close: async () => {
      await vault.close();
      await aws.close();
    },
  };
}
