// What a newcomer does on a fresh window (issue 19): opens a terminal first, then the IAM Switchboard view and
// assumes a role; that terminal was opened before the extension took over, so it is named, said until relaunched,
// and follows once relaunched. Open Terminal as Role keeps the person's PATH and terminal.integrated.env.* (boto3
// runs there). A line of ~/.aws/config the AWS CLI refuses is named, its profile refused, and terminals still work.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  assumeFromTree,
  clickInlineAction,
  createTerminal,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  reloadWorkbench,
  runCommand,
  scenario,
  screenshot,
  statusBarItem,
  terminalTab,
  treeItem,
  waitForNotification,
} from './driver';
import { expectIn } from './terminalText';

const { awsUrl, workbenchUrl, workspace, userDataDir, home } = e2eEnv();
const callerArn = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;
const boto3Arn = `python3 -c 'import boto3; print(boto3.client("sts", endpoint_url="${awsUrl}").get_caller_identity()["Arn"])'`;
const ALICE = /arn:aws:iam::111111111111:user\/alice/;
const DEV_READONLY = /arn:aws:sts::222222222222:assumed-role\/ReadOnly\//;
const DEV_DEPLOYER = /arn:aws:sts::222222222222:assumed-role\/Deployer\//;
const folder = path.join(workspace, 'newcomer-terminals');
const settingsPaths = ['User', 'Machine'].map((scope) => path.join(userDataDir, scope, 'settings.json'));
const awsConfig = path.join(home, '.aws', 'config');
// The person's own Python (with boto3), found through a folder only terminal.integrated.env.linux puts on PATH, as
// pyenv's shims are found through a shell profile.
const pythonDir = path.join(home, 'person-python');

let browser: Browser;
let page: Page;
let originalSettings: Array<string | undefined>;
let originalConfig: string;

before(async () => {
  fs.mkdirSync(folder, { recursive: true });
  fs.mkdirSync(pythonDir, { recursive: true });
  const python = execFileSync('python3', ['-c', 'import boto3, sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  fs.symlinkSync(python, path.join(pythonDir, 'python3'));
  originalConfig = fs.readFileSync(awsConfig, 'utf8');
  originalSettings = settingsPaths.map((file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
  for (const [i, file] of settingsPaths.entries()) {
    const settings = originalSettings[i] ? (JSON.parse(originalSettings[i]!) as Record<string, unknown>) : {};
    const env = settings['terminal.integrated.env.linux'] as Record<string, string> | undefined;
    const PATH = `${pythonDir}:${env?.PATH ?? '${env:PATH}'}`;
    fs.writeFileSync(file, JSON.stringify({ ...settings, 'terminal.integrated.env.linux': { ...env, PATH } }, null, 2));
  }
  browser = await launchBrowser();
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
});

after(async () => {
  await browser?.close();
  settingsPaths.forEach((file, i) =>
    originalSettings[i] === undefined ? fs.rmSync(file, { force: true }) : fs.writeFileSync(file, originalSettings[i]!),
  );
  if (originalConfig !== undefined) fs.writeFileSync(awsConfig, originalConfig);
  fs.rmSync(pythonDir, { recursive: true, force: true });
});

scenario('a terminal opened before the first use is named and said until it is relaunched, then follows the role', async () => {
  // Right after the page loads the palette may not list the terminal commands yet: a person would look again.
  await createTerminal(page).catch(async () => {
    await page.keyboard.press('Escape');
    await createTerminal(page);
  });
  await expectIn(page, 'bash', callerArn, ALICE);
  // First use: the view opens, the endpoint takes over new terminals, and the open one is named.
  await openViewContainer(page);
  const told = await waitForNotification(page, /'bash' was opened before IAM Switchboard took over/);
  assert.match(told, /keeps the identity it started with, not the role in the status bar/);
  await expandTreeItem(page, 'dev');
  await assumeFromTree(page, 'dev-readonly');
  // Still alice, as it says: and said in the status bar and the view until relaunched.
  await expectIn(page, 'bash', callerArn, ALICE);
  await statusBarItem(page, /dev-readonly.*1 terminal not following/).waitFor({ timeout: 10_000 });
  console.log(`screenshot: ${await screenshot(page, 'newcomer-not-following-terminal')}`);
  // After Reload Window VS Code reconnects the same shell, still without the token: still said.
  await reloadWorkbench(page);
  await statusBarItem(page, /1 terminal not following/).waitFor({ timeout: 20_000 });
  await expectIn(page, 'bash', callerArn, ALICE);
  // The role active before the reload comes back by itself (it needs no MFA code): waited for, not assumed again,
  // so no click races the restore.
  await statusBarItem(page, /dev-readonly/).waitFor({ timeout: 20_000 });
  await runCommand(page, 'IAM Switchboard: Relaunch Terminals');
  await expectIn(page, 'bash', callerArn, DEV_READONLY);
  await statusBarItem(page, /dev-readonly/).waitFor();
  assert.equal(await statusBarItem(page, /not following/).count(), 0);
});

scenario("Open Terminal as Role keeps the person's PATH and terminal.integrated.env: boto3 runs there as the role", async () => {
  await clickInlineAction(page, 'dev-deployer', 'Open Terminal as Role');
  await terminalTab(page, 'AWS: dev-deployer').waitFor({ timeout: 20_000 });
  await expectIn(page, 'AWS: dev-deployer', 'command -v python3', new RegExp(`${pythonDir}/python3`));
  await expectIn(page, 'AWS: dev-deployer', boto3Arn, DEV_DEPLOYER);
  await page.mouse.move(700, 300); // away from the tab, whose hover would cover the output
  console.log(`screenshot: ${await screenshot(page, 'newcomer-pinned-terminal-boto3')}`);
  // The ordinary terminal is still the active role.
  await expectIn(page, 'bash', boto3Arn, DEV_READONLY);
});

scenario('a line of ~/.aws/config the AWS CLI refuses is named, its profile refused, and terminals keep working', async () => {
  const line = originalConfig.replace(/\n*$/, '\n\n').split('\n').length;
  fs.writeFileSync(
    awsConfig,
    `${originalConfig.replace(/\n*$/, '\n\n')}[profile broken-one\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = default\n`,
  );
  await expandTreeItem(page, 'prod');
  const row = treeItem(page, 'prod-breakglass').first();
  await row.locator('.codicon-warning').waitFor({ timeout: 20_000 });
  await row.hover();
  const tooltip = page.locator('.monaco-hover', { hasText: `line ${line}` }).first();
  await tooltip.waitFor({ timeout: 10_000 });
  assert.match(await tooltip.innerText(), /the AWS CLI and boto3 refuse the whole file/);
  console.log(`screenshot: ${await screenshot(page, 'newcomer-broken-line-warning')}`);
  await page.mouse.move(0, 0);
  // The terminal's generated config leaves the refused file out: the CLI still works as the active role.
  await expectIn(page, 'bash', callerArn, DEV_READONLY);
});
