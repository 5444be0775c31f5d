// A person signs in to the demo Vault, leases credentials from the tree, gets a terminal that is that identity,
// revokes the lease from the tree, and new terminals no longer carry it.
import * as assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  answerQuickInput,
  createTerminal,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  markExtensionLog,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  runCommand,
  screenshot,
  treeItem,
  typeInTerminal,
  waitForExtensionLog,
  waitForNotification,
  waitForTerminalText,
  clickRowAction,
  scenario,
} from './driver';

let browser: Browser;
let page: Page;

before(async () => {
  browser = await launchBrowser();
  page = await openWorkbench(browser);
});

after(async () => {
  await browser?.close();
});

/** Clicks a row's inline action button (they appear on hover). */
function clickInlineAction(row: Locator, title: string): Promise<void> {
  return clickRowAction(page, row, title);
}

scenario('signing in to the demo Vault with userpass shows who is signed in', async () => {
  await openViewContainer(page);
  await runCommand(page, 'IAM Switchboard: Refresh Vault');
  const server = treeItem(page, 'demo').first();
  await server.waitFor({ timeout: 30_000 });
  assert.match(await server.innerText(), /signed out/);
  await clickInlineAction(server, 'Sign in to Vault');
  await pickQuickItem(page, 'Username and password');
  await answerQuickInput(page, 'alice');
  await answerQuickInput(page, 'alice-password');
  await waitForNotification(page, /Signed in to demo as userpass-alice/);
  await page.locator('.part.sidebar .monaco-list-row', { hasText: 'userpass-alice' }).first().waitFor({ timeout: 20_000 });
  await screenshot(page, 'vault-signed-in');
});

scenario('leasing s3-full from the tree puts its IAM user into a new terminal', async () => {
  await expandTreeItem(page, 'aws/');
  const role = treeItem(page, 's3-full').first();
  await role.waitFor({ timeout: 20_000 });
  assert.match(await role.innerText(), /iam_user/);
  await clickInlineAction(role, 'Lease Credentials');
  await waitForNotification(page, /Vault credentials for s3-full are ready in open and new terminals/, 60_000);
  const lease = page.locator('.part.sidebar .monaco-list-row', { hasText: 's3-full/' }).first();
  await lease.waitFor({ timeout: 20_000 });
  // Short enough for the default sidebar: the time left only; the rest is in the tooltip.
  assert.match(await lease.innerText(), /\d+m left/);
  assert.doesNotMatch(await lease.innerText(), /renewable/);
  await screenshot(page, 'vault-leased');

  await createTerminal(page);
  await typeInTerminal(page, `/usr/bin/aws sts get-caller-identity --endpoint-url ${e2eEnv().awsUrl} --query Arn --output text`);
  await waitForTerminalText(page, /arn:aws:iam::111111111111:user\/\S+/, 30_000);
  await screenshot(page, 'vault-terminal-identity');
});

/** The modal dialog on screen: its message, and a click on one of its buttons. */
async function answerDialog(button: string): Promise<string> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 10_000 });
  const text = await dialog.innerText();
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: button }).first().click();
  await dialog.waitFor({ state: 'detached', timeout: 10_000 });
  return text;
}

scenario('revoking an iam_user lease asks first, and Cancel keeps it', async () => {
  const lease = page.locator('.part.sidebar .monaco-list-row', { hasText: 's3-full/' }).first();
  await clickInlineAction(lease, 'Revoke Lease');
  await page.locator('.monaco-dialog-box').waitFor({ timeout: 10_000 });
  await screenshot(page, 'vault-revoke-confirm');
  const log = markExtensionLog();
  const text = await answerDialog('Cancel');
  assert.match(text, /Revoke the lease for s3-full\?/);
  assert.match(text, /Vault deletes the IAM user of lease s3-full\/\S+ and its keys stop working/);
  // The command took the answer and ended without revoking: it says so in its log.
  await waitForExtensionLog(page, log, /Kept Vault lease \S*s3-full\/\S+: revoking it was cancelled\./);
  assert.equal(
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 's3-full/' }).count(),
    1,
    'the lease is still there after Cancel',
  );
});

scenario('revoking the lease from the tree clears it from new terminals', async () => {
  const lease = page.locator('.part.sidebar .monaco-list-row', { hasText: 's3-full/' }).first();
  await clickInlineAction(lease, 'Revoke Lease');
  await answerDialog('Revoke');
  await waitForNotification(page, /Revoked the lease for s3-full: Vault deleted its IAM user/);
  await lease.waitFor({ state: 'detached', timeout: 20_000 });
  await createTerminal(page);
  await typeInTerminal(page, 'echo "key=[${AWS_ACCESS_KEY_ID:-none}]"');
  await waitForTerminalText(page, /key=\[none\]/);
  await screenshot(page, 'vault-revoked');
});
