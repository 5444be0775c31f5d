// A person assumes a role from the sidebar, and a new terminal's real AWS CLI runs as that role; the status bar
// counts down; a role they may not assume shows the error and keeps the previous one; Clear removes it all.
import * as assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  clickAssume,
  createTerminal,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  runCommand,
  screenshot,
  statusBarItem,
  treeItem,
  typeInTerminal,
  waitForNotification,
  waitForTerminalText,
  scenario,
} from './driver';

let browser: Browser;
let page: Page;
const { awsUrl } = e2eEnv();

before(async () => {
  browser = await launchBrowser();
  page = await openWorkbench(browser);
  await openViewContainer(page);
});

after(async () => {
  await browser?.close();
});

scenario('the tree lists the demo accounts and their roles', async () => {
  await expandTreeItem(page, 'dev');
  await expandTreeItem(page, 'prod');
  for (const role of ['dev-readonly', 'dev-deployer', 'prod-admin', 'prod-auditor', 'prod-breakglass']) {
    await treeItem(page, role).first().waitFor({ timeout: 20_000 });
  }
  await screenshot(page, 'roles-tree');
});

scenario('after Assume, a new terminal runs the AWS CLI as the role, and the status bar counts down', async () => {
  await clickAssume(page, 'dev-readonly');
  const item = statusBarItem(page, 'dev-readonly');
  await item.waitFor({ timeout: 20_000 });
  assert.match(await item.innerText(), /dev-readonly\s+(\d+m|\d:\d\d)/);
  await createTerminal(page);
  await typeInTerminal(page, `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`);
  await waitForTerminalText(page, /arn:aws:sts::222222222222:assumed-role\/ReadOnly\/alice/);
  await screenshot(page, 'roles-terminal-assumed');
});

scenario('a role the user may not assume shows why and keeps the previous role', async () => {
  await clickAssume(page, 'prod-breakglass');
  const message = await waitForNotification(page, /not allowed to assume/);
  assert.match(message, /arn:aws:iam::333333333333:role\/BreakGlass/);
  assert.match(message, /profile default/);
  await statusBarItem(page, 'dev-readonly').waitFor({ timeout: 5_000 });
  await screenshot(page, 'roles-access-denied');
});

/** The role rows Switch Role offers for `text`, once VS Code's own filter (it filters as one types) left only
 *  roles whose ARN matches `every`. */
async function switchRoleRowsFor(text: string, every: RegExp): Promise<string[]> {
  await page.locator('.quick-input-widget:visible input').fill(text);
  const roleRows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: /arn:aws:iam::/ });
  await roleRows.filter({ hasNotText: every }).first().waitFor({ state: 'detached', timeout: 10_000 });
  return (await roleRows.locator('.label-name').allInnerTexts()).map((t) => t.trim()).sort();
}

scenario('Switch Role narrows its list by account name and by account id, as VS Code filters it', async () => {
  await runCommand(page, 'IAM Switchboard: Switch Role…');
  const prodRoles = ['prod-admin', 'prod-auditor', 'prod-breakglass'];
  // The account's alias is in each row's description, its id in the ARN below.
  const byName = await switchRoleRowsFor('prod', /arn:aws:iam::333333333333:role\//);
  for (const role of prodRoles) assert.ok(byName.includes(role), `'prod' offers ${role}: ${byName.join(', ')}`);
  const byId = await switchRoleRowsFor('333333333333', /arn:aws:iam::333333333333:role\//);
  assert.deepEqual(byId, byName, 'the id offers the same roles as the name');
  const dev = await switchRoleRowsFor('222222222222', /arn:aws:iam::222222222222:role\//);
  assert.ok(dev.includes('dev-readonly') && !dev.some((r) => r.startsWith('prod')), `the dev account's id: ${dev.join(', ')}`);
  await screenshot(page, 'roles-switch-filter-by-account');
  await page.keyboard.press('Escape');
});

scenario('Clear Credentials removes the role from new terminals', async () => {
  await runCommand(page, 'IAM Switchboard: Clear Credentials');
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 10_000 });
  await createTerminal(page);
  await typeInTerminal(page, 'echo "token=${AWS_SESSION_TOKEN:-none} role=${IAM_SWITCHBOARD_ROLE:-none}"');
  await waitForTerminalText(page, /token=none role=none/);
  await screenshot(page, 'roles-cleared');
});
