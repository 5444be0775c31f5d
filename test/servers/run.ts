// `npm run servers`: the local AWS, Vault and IAM Identity Center servers for the demo or manual testing, until
// Ctrl+C. Ports come from AWS_PORT / VAULT_PORT / SSO_PORT (defaults 4566, 8200 and 4567); a taken port falls back to an ephemeral one.
import { startAwsServer } from './aws';
import { startSsoServer } from './sso';
import { DEMO_USERS, startVaultServer } from './vault';

function portFrom(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  return Number.isInteger(value) && value >= 0 ? value : fallback;
}

/** Tries the preferred port, then port 0 when it is in use. */
async function onPreferredPort<T>(preferred: number, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(preferred);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    console.log(`Port ${preferred} is taken; using an ephemeral port.`);
    return start(0);
  }
}

async function main(): Promise<void> {
  const aws = await onPreferredPort(portFrom('AWS_PORT', 4566), (port) => startAwsServer({ port }));
  const vault = await onPreferredPort(portFrom('VAULT_PORT', 8200), (port) => startVaultServer({ awsEndpoint: aws.url, port }));
  // SSO_ACCOUNTS=1000: the big organisation of the tests and the bench instead of the demo's six accounts.
  const generatedAccounts = Number(process.env.SSO_ACCOUNTS) || undefined;
  // SSO_QUOTA=20: the portal refuses more than that many requests a second with HTTP 429, as AWS's does.
  const perSecond = Number(process.env.SSO_QUOTA) || undefined;
  const sso = await onPreferredPort(portFrom('SSO_PORT', 4567), (port) =>
    startSsoServer({ identities: aws.identities, port, generatedAccounts, quota: perSecond ? { perSecond } : undefined }),
  );

  // These are local test servers with fake, per-run credentials; printing them is how a person signs in.
  console.log(`AWS (STS + IAM): ${aws.url}`);
  console.log(`Vault:           ${vault.url}`);
  console.log(`  export VAULT_ADDR=${vault.url}`);
  console.log(`  root token: ${vault.rootToken}`);
  for (const [name, user] of Object.entries(DEMO_USERS)) {
    console.log(`  userpass: ${name} / ${user.password} (policies: ${['default', ...user.policies].join(', ')})`);
  }
  console.log(`IAM Identity Center: start URL ${sso.startUrl}, region ${sso.region} (OIDC and portal at ${sso.url})`);
  for (const user of sso.world.users) {
    console.log(`  sign in: ${user.userName} / ${user.password} (${Object.keys(user.assignments).length} accounts)`);
  }
  console.log('Press Ctrl+C to stop.');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await vault.close();
    await sso.close();
    await aws.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // Keeps the process alive: the servers' own timers are unref'd.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  console.error('Could not start the local servers:', err);
  process.exit(1);
});
