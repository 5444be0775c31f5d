// The world the tests and the demo show: a HOME with the demo ~/.aws files, a workspace folder, and user
// settings that point the extension at the local AWS and Vault servers.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { AGENT_MARKER_VARIABLES } from '../../src/core/agents/markers';
import { projectRoot } from './codeServer';

const fixturesAws = path.join(projectRoot, 'test', 'fixtures', 'aws');

export interface DemoServerUrls {
  awsUrl: string;
  vaultUrl: string;
}

/** The local IAM Identity Center as the settings name it (test/servers/sso). */
export interface DemoIdentityCenter {
  startUrl: string;
  region: string;
  /** Where the extension's OIDC calls go: a 127.0.0.2 forwarder, so the verification page it names opens whole. */
  oidcEndpoint: string;
  portalEndpoint: string;
}

/** Creates `<home>/.aws/{config,credentials}` from test/fixtures/aws and returns the environment that uses them. */
export function prepareDemoHome(home: string): Record<string, string | undefined> {
  const awsDir = path.join(home, '.aws');
  fs.mkdirSync(awsDir, { recursive: true });
  for (const name of ['config', 'credentials']) {
    fs.copyFileSync(path.join(fixturesAws, name), path.join(awsDir, name));
  }
  const bin = path.join(home, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'aws'), AWS_CLI_WRAPPER, { mode: 0o755 });
  return {
    ...unsetInheritedCredentials(),
    HOME: home,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    AWS_CONFIG_FILE: path.join(awsDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(awsDir, 'credentials'),
  };
}

// The demo's terminals send every AWS call the local server answers (STS, IAM, Organizations) to it: the SDKs
// (boto3 >= 1.28, the JS SDK v3, Terraform's provider) and AWS CLI >= 2.13 read AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_STS, for a role profile's inner AssumeRole too. Debian's CLI 2.9 reads neither (measured: it
// goes to sts.us-east-1.amazonaws.com), so a small `aws` on the demo's PATH adds --endpoint-url to those commands.
// It cannot reach the CLI's own inner AssumeRole (`aws --profile dev-readonly …`): in the demo's terminals, use
// the active role (the iam-switchboard profile) or boto3 for that.
const AWS_CLI_WRAPPER = `#!/bin/sh
# IAM Switchboard demo only: AWS CLI 2.9 does not read AWS_ENDPOINT_URL.
case "$1" in sts|iam|organizations)
  if [ -n "$AWS_ENDPOINT_URL" ]; then exec /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; fi;;
esac
exec /usr/bin/aws "$@"
`;

// Whatever AWS or Vault identity the person running the tests has must not reach the demo's extension host
// or terminals: everything there talks to the local servers only. Nor an AI agent's marker (tests run from an
// agent's shell): every terminal would be the agent's, with its narrower identity.
export function unsetInheritedCredentials(): Record<string, undefined> {
  const names = Object.keys(process.env).filter((name) => /^(AWS_|VAULT_)/.test(name) || AGENT_MARKER_VARIABLES.includes(name));
  return Object.fromEntries(names.map((name) => [name, undefined]));
}

/**
 * `askBeforeProduction`: the test scenarios and suites assume prod roles without a person to answer "Assume a
 * production role?", so only the interactive demo asks.
 */
export function demoSettings({
  awsUrl,
  vaultUrl,
  consoleUrl,
  identityCenter,
  askBeforeProduction = false,
  home,
}: DemoServerUrls & { consoleUrl?: string; identityCenter?: DemoIdentityCenter; askBeforeProduction?: boolean; home?: string }): Record<
  string,
  unknown
> {
  return {
    'iamSwitchboard.confirmProductionRoles': askBeforeProduction,
    ...(identityCenter && { 'iamSwitchboard.identityCenter': identityCenter }),
    'iamSwitchboard.stsEndpoint': awsUrl,
    // The local server answers IAM on the same URL (Discover Roles).
    'iamSwitchboard.iamEndpoint': awsUrl,
    'iamSwitchboard.consoleSigninEndpoint': consoleUrl ?? `${awsUrl}/federation`,
    // The remote server builds terminals' PATH from a login shell, not from its own environment: the demo's `aws`
    // wrapper (prepareDemoHome) goes first here.
    'terminal.integrated.env.linux': {
      AWS_ENDPOINT_URL: awsUrl,
      AWS_ENDPOINT_URL_STS: awsUrl,
      ...(home && { PATH: `${path.join(home, 'bin')}:\${env:PATH}` }),
    },
    'iamSwitchboard.region': 'eu-west-1',
    'iamSwitchboard.vault.servers': [{ name: 'demo', address: vaultUrl }],
    'iamSwitchboard.accounts': [
      { id: '111111111111', alias: 'central', roles: [] },
      { id: '222222222222', alias: 'dev', roles: [] },
      { id: '333333333333', alias: 'prod', production: true, roles: [] },
    ],
  };
}

/**
 * The console sign-in endpoint for a browser that runs on this machine. code-server rewrites links to
 * 127.0.0.1 and localhost into its own port proxy, which drops the path and query of the federation URL (the
 * person lands on a MissingAuthenticationToken page); another loopback address is left alone. So the demo and
 * the tests forward 127.0.0.2 to the local AWS server. Real sign-in endpoints are not loopback addresses.
 */
export async function startConsoleForwarder(awsUrl: string, host = '127.0.0.2'): Promise<{ url: string; close(): Promise<void> }> {
  const forwarder = await startLoopbackForwarder(awsUrl, host);
  return { url: `${forwarder.url}/federation`, close: forwarder.close };
}

/**
 * The local Identity Center's settings, its OIDC API (which names the verification page after the host it was
 * reached on) behind a 127.0.0.2 forwarder for the same reason as the console's.
 */
export async function startIdentityCenterForwarder(sso: {
  url: string;
  startUrl: string;
  region: string;
}): Promise<{ identityCenter: DemoIdentityCenter; close(): Promise<void> }> {
  const forwarder = await startLoopbackForwarder(sso.url);
  return {
    identityCenter: { startUrl: sso.startUrl, region: sso.region, oidcEndpoint: forwarder.url, portalEndpoint: sso.url },
    close: forwarder.close,
  };
}

/** Forwards TCP from a port on `host` to `targetUrl`'s port; returns `http://host:port`. */
function startLoopbackForwarder(targetUrl: string, host = '127.0.0.2'): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({ url: `http://${host}:${port}`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** A small Terraform workspace, so the snippets and scaffolding have somewhere to go. */
export function prepareDemoWorkspace(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    'README.md': [
      '# IAM Switchboard demo workspace',
      '',
      'The sidebar (the switchboard icon on the left) lists the demo accounts `central`, `dev` and `prod`',
      'from `~/.aws/config` and the `iamSwitchboard.accounts` setting. Everything talks to local servers:',
      'no real AWS account or Vault is involved.',
      '',
      '- Assume a role from the **AWS Roles** view, then open a terminal: `aws sts get-caller-identity`.',
      '- Sign in to the `demo` Vault in the **Vault** view and lease credentials.',
      '- In `main.tf`, type `tf-` for the Terraform snippets (`tf-iam-cross-account-role`, …).',
      '',
    ].join('\n'),
    'main.tf': [
      'terraform {',
      '  required_providers {',
      '    aws = {',
      '      source  = "hashicorp/aws"',
      '      version = "~> 5.0"',
      '    }',
      '  }',
      '}',
      '',
      'provider "aws" {',
      '  region = "eu-west-1"',
      '}',
      '',
      'data "aws_caller_identity" "current" {}',
      '',
      'output "account_id" {',
      '  value = data.aws_caller_identity.current.account_id',
      '}',
      '',
    ].join('\n'),
  };
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) fs.writeFileSync(file, content);
  }
}
