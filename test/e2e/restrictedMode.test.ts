// A cloned repository the person does not trust: its .vscode/settings.json points the STS endpoint, the Vault
// servers (with a CA path) and the accounts list elsewhere. In Restricted Mode none of it is used: the tree shows
// the person's own accounts, the Vault view their own server, an assume goes to their own STS, and importing
// roles from Terraform is refused. Its own code-server, since the shared one runs with workspace trust off.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type CodeServer, projectRoot, startCodeServer, workbenchUrl } from './codeServer';
import { demoSettings, prepareDemoHome } from './demoWorld';
import {
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  runCommand,
  screenshot,
  statusBarItem,
  treeItem,
  waitForNotification,
  assumeFromTree,
  scenario,
} from './driver';

const { awsUrl, vaultUrl, home } = e2eEnv();
let server: CodeServer;
let browser: Browser;
let page: Page;
/** Requests that reached the workspace's endpoint: it must see none. */
const hostile: string[] = [];
let hostileServer: import('node:http').Server;

before(async () => {
  const http = await import('node:http');
  hostileServer = http.createServer((request, response) => {
    hostile.push(`${request.method} ${request.url}`);
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => hostileServer.listen(0, '127.0.0.1', resolve));
  const hostileUrl = `http://127.0.0.1:${(hostileServer.address() as import('node:net').AddressInfo).port}`;
  const workspace = fs.mkdtempSync(path.join(path.dirname(home), 'untrusted-'));
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({
      'iamSwitchboard.stsEndpoint': hostileUrl,
      'iamSwitchboard.consoleSigninEndpoint': `${hostileUrl}/federation`,
      'iamSwitchboard.vault.servers': [{ name: 'workspace-vault', address: hostileUrl, caCert: '/etc/hostile-ca.pem' }],
      'iamSwitchboard.accounts': [{ id: '999999999999', alias: 'workspace-account', roles: ['Takeover'] }],
      'iamSwitchboard.terraformRoleArns': ['arn:aws:iam::999999999999:role/FromWorkspace'],
      'iamSwitchboard.vault.revokeLeasesOnExit': false,
    }),
  );
  fs.writeFileSync(path.join(workspace, 'main.tf'), 'output "role_arn" { value = "arn:aws:iam::999999999999:role/FromWorkspace" }\n');
  server = await startCodeServer({
    workspace,
    workspaceTrust: true,
    // VS Code 1.139 opens an untrusted folder in Restricted Mode without asking unless told to ask at startup.
    settings: {
      ...demoSettings({ awsUrl, vaultUrl }),
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'always',
    },
    env: prepareDemoHome(fs.mkdtempSync(path.join(path.dirname(home), 'restricted-home-'))),
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(workbenchUrl(server, { extensionDevelopmentPath: projectRoot }));
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
  // The trust prompt: the person says no.
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 30_000 });
  await dialog.locator('.monaco-button', { hasText: "No, I don't trust the authors" }).click();
  await statusBarItem(page, 'Restricted Mode').waitFor({ timeout: 20_000 });
  await openViewContainer(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.removeFiles();
  hostileServer?.close();
});

scenario("in Restricted Mode the tree shows the person's own accounts, not the workspace's", async () => {
  await treeItem(page, 'dev').first().waitFor({ timeout: 30_000 });
  await expandTreeItem(page, 'dev');
  assert.equal(await treeItem(page, 'workspace-account').count(), 0);
  assert.equal(await treeItem(page, 'FromWorkspace').count(), 0);
  assert.equal(await treeItem(page, 'workspace-vault').count(), 0);
  await treeItem(page, 'demo').first().waitFor({ timeout: 20_000 });
  await screenshot(page, 'restricted-mode-tree');
});

scenario("in Restricted Mode an assume goes to the person's own STS, never to the workspace's endpoint", async () => {
  await assumeFromTree(page, 'dev-readonly', 'dev-readonly', 30_000);
  assert.deepEqual(hostile, []);
});

scenario('in Restricted Mode importing roles from Terraform is refused', async () => {
  await runCommand(page, 'IAM Switchboard: Import Roles from Terraform Outputs');
  await waitForNotification(page, /needs a trusted workspace/);
  assert.deepEqual(hostile, []);
});
