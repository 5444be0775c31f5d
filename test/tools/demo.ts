// `npm run demo`: the local AWS and Vault servers, and code-server with IAM Switchboard installed against
// them, opened on a demo Terraform workspace. Prints the URL to open and the demo logins; Ctrl+C stops it.
// PORT changes code-server's port (default 8080); AWS uses 4566 and Vault 8200 when those are free.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServers } from '../servers';
import { DEMO_LDAP, DEMO_OIDC, DEMO_STATIC_ROLES, DEMO_USERS } from '../servers/vault';
import { projectRoot, startCodeServer } from '../e2e/codeServer';
import { demoSettings, prepareDemoHome, prepareDemoWorkspace, startConsoleForwarder, startIdentityCenterForwarder } from '../e2e/demoWorld';

async function main(): Promise<void> {
  const codeServerPort = Number(process.env.PORT ?? 8080);
  if (!(await portFree(codeServerPort))) {
    throw new Error(`port ${codeServerPort} is in use: stop what runs there, or pick another with PORT=8081 npm run demo`);
  }
  const servers = await startServers({
    aws: { port: (await portFree(4566)) ? 4566 : 0 },
    vault: { port: (await portFree(8200)) ? 8200 : 0 },
    sso: { port: (await portFree(4567)) ? 4567 : 0 },
  });
  const consoleForwarder = await startConsoleForwarder(servers.aws.url);
  const ssoForwarder = await startIdentityCenterForwarder(servers.sso);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-demo-home-'));
  const workspace = path.join(projectRoot, '.cache', 'demo-workspace');
  prepareDemoWorkspace(workspace);
  const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'));
  const codeServer = await startCodeServer({
    workspace,
    port: codeServerPort,
    settings: demoSettings({
      awsUrl: servers.aws.url,
      vaultUrl: servers.vault.url,
      consoleUrl: consoleForwarder.url,
      identityCenter: ssoForwarder.identityCenter,
      askBeforeProduction: true,
      home,
    }),
    env: prepareDemoHome(home),
    // Installed by linking the project into the extensions folder, so the plain URL loads it (no payload).
    prepare: (dirs) =>
      fs.symlinkSync(projectRoot, path.join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`), 'dir'),
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await codeServer.stop();
    codeServer.removeFiles();
    await servers.close();
    await consoleForwarder.close();
    await ssoForwarder.close();
    fs.rmSync(home, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  // Local test servers with per-run, fake credentials: printing them is how a person signs in.
  console.log(
    [
      '',
      `IAM Switchboard demo: open ${codeServer.url}/ in a browser`,
      '',
      `  AWS (STS + IAM)  ${servers.aws.url}    accounts central 111111111111, dev 222222222222, prod 333333333333`,
      `  Vault            ${servers.vault.url}    root token: ${servers.vault.rootToken}`,
      ...Object.entries(DEMO_USERS).map(([name, user]) => `                   userpass: ${name} / ${user.password}`),
      ...Object.entries(DEMO_LDAP.users).map(([name, user]) => `                   ldap: ${name} / ${user.password}`),
      `                   oidc (auth/${DEMO_OIDC.mount}, role ${DEMO_OIDC.default_role}): pick ${Object.values(DEMO_OIDC.users)
        .map((u) => u.email)
        .join(' or ')} on its sign-in page`,
      `                   static roles (aws/static-roles): ${Object.keys(DEMO_STATIC_ROLES).join(', ')}; MFA for aws/sts/session-mfa: TOTP of vault-root in world.json`,
      `  Identity Center  start URL ${servers.sso.startUrl}, region ${servers.sso.region} (verification page ${ssoForwarder.identityCenter.oidcEndpoint}/device)`,
      ...servers.sso.world.users.map(
        (user) => `                   sign in: ${user.userName} / ${user.password} (${Object.keys(user.assignments).length} accounts)`,
      ),
      `  ~/.aws           ${path.join(home, '.aws')} (HOME of the editor's terminals)`,
      `  workspace        ${workspace}`,
      '  MFA for bob: the code comes from the TOTP secret in test/servers/world.json',
      '',
      'Press Ctrl+C to stop.',
    ].join('\n'),
  );
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
