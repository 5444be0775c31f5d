// Add Account… as a newcomer meets it: the console's 2222-2222-2222 form of an account id is accepted, a role
// name IAM would refuse is refused in place, an ARN of another account is warned about without blocking, Back
// returns to the previous answer, and the account appears in the tree.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  e2eEnv,
  foldView,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  runCommand,
  screenshot,
  treeItem,
  scenario,
} from './driver';

// Where code-server may keep user settings in a remote window: both are put back afterwards.
const settingsPaths = ['User', 'Machine'].map((scope) => path.join(e2eEnv().userDataDir, scope, 'settings.json'));
let browser: Browser;
let page: Page;
let originalSettings: Array<string | undefined>;

before(async () => {
  originalSettings = settingsPaths.map((file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
  browser = await launchBrowser();
  page = await openWorkbench(browser);
  await openViewContainer(page);
});

after(async () => {
  if (page) await foldView(page, 'Vault', false).catch(() => undefined); // the workbench keeps it per folder
  await browser?.close();
  // Other scenarios expect the demo's accounts only.
  settingsPaths.forEach((file, i) =>
    originalSettings[i] === undefined ? fs.rmSync(file, { force: true }) : fs.writeFileSync(file, originalSettings[i]!),
  );
});

const widget = () => page.locator('.quick-input-widget:visible');

async function atStep(n: number): Promise<void> {
  await widget()
    .locator('.quick-input-title', { hasText: `Add Account (${n}/4)` })
    .waitFor({ timeout: 10_000 });
}

scenario('Add Account accepts a dashed account id, refuses bad role names, warns about a foreign ARN, and shows the account', async () => {
  await runCommand(page, 'IAM Switchboard: Add Account…');
  await atStep(1);
  await widget().locator('input').fill('4444-4444-4444');
  await page.keyboard.press('Enter');
  await atStep(2);
  await widget().locator('input').fill('sandbox');
  await page.keyboard.press('Enter');
  await atStep(3);
  await widget().locator('input').fill('ReadOnly, Bad Name!');
  await widget().locator('.quick-input-message', { hasText: 'A role name may contain only' }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await atStep(3); // refused: still here
  await widget().locator('input').fill('ReadOnly, arn:aws:iam::555555555555:role/Audit');
  await widget().locator('.quick-input-message', { hasText: 'is in account 555555555555, not 444444444444' }).waitFor({ timeout: 10_000 });
  await screenshot(page, 'add-account-foreign-arn-warning');
  // Back to step 2 keeps what was typed there.
  await widget().locator('.quick-input-left-action-bar .action-label').first().click();
  await atStep(2);
  assert.equal(await widget().locator('input').inputValue(), 'sandbox');
  await page.keyboard.press('Enter');
  await atStep(3);
  await widget().locator('input').fill('ReadOnly, arn:aws:iam::555555555555:role/Audit');
  await page.keyboard.press('Enter');
  await atStep(4);
  await pickQuickItem(page, /^default/);
  await foldView(page, 'Vault'); // the new rows are at the bottom of AWS Roles
  await treeItem(page, 'sandbox').first().waitFor({ timeout: 20_000 });
  // The dashes are gone from the id, the role name became a role of the account, the foreign ARN sits under its own.
  await treeItem(page, 'sandbox/ReadOnly').first().waitFor({ timeout: 20_000 });
  assert.match(await treeItem(page, 'sandbox').first().innerText(), /444444444444/);
  await treeItem(page, '555555555555').first().waitFor({ timeout: 10_000 });
  await screenshot(page, 'add-account-in-tree');
});
