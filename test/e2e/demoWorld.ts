// The world the tests and the demo show: a HOME with the demo ~/.aws files, a workspace folder, and user
// settings that point the extension at the local AWS and Vault servers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './codeServer';

const fixturesAws = path.join(projectRoot, 'test', 'fixtures', 'aws');

export interface DemoServerUrls {
  awsUrl: string;
  vaultUrl: string;
}

/** Creates `<home>/.aws/{config,credentials}` from test/fixtures/aws and returns the environment that uses them. */
export function prepareDemoHome(home: string): Record<string, string | undefined> {
  const awsDir = path.join(home, '.aws');
  fs.mkdirSync(awsDir, { recursive: true });
  for (const name of ['config', 'credentials']) {
    fs.copyFileSync(path.join(fixturesAws, name), path.join(awsDir, name));
  }
  return {
    ...unsetInheritedCredentials(),
    HOME: home,
    AWS_CONFIG_FILE: path.join(awsDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(awsDir, 'credentials'),
  };
}

// Whatever AWS or Vault identity the person running the tests has must not reach the demo's extension host
// or terminals: everything there talks to the local servers only.
function unsetInheritedCredentials(): Record<string, undefined> {
  const names = Object.keys(process.env).filter((name) => /^(AWS_|VAULT_)/.test(name));
  return Object.fromEntries(names.map((name) => [name, undefined]));
}

export function demoSettings({ awsUrl, vaultUrl }: DemoServerUrls): Record<string, unknown> {
  return {
    'iamSwitchboard.stsEndpoint': awsUrl,
    'iamSwitchboard.consoleSigninEndpoint': `${awsUrl}/federation`,
    'iamSwitchboard.region': 'eu-west-1',
    'iamSwitchboard.vault.servers': [{ name: 'demo', address: vaultUrl }],
    'iamSwitchboard.accounts': [
      { id: '111111111111', alias: 'central', roles: [] },
      { id: '222222222222', alias: 'dev', roles: [] },
      { id: '333333333333', alias: 'prod', roles: [] },
    ],
  };
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
      '- In `main.tf`, type `cross-account` for the Terraform snippets.',
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
