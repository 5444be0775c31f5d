// Issue 19, minors: in Switch Role, a mistyped ARN says what is wrong with it (instead of an empty list that Enter
// closes silently) and keeps the pick open to fix it; production roles carry the tree's flame there too.
import * as assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openViewContainer, openWorkbench, runCommand, scenario, screenshot } from './driver';

let browser: Browser;
let page: Page;
const widget = () => page.locator('.quick-input-widget:visible', { hasText: 'Switch Role' });
const rows = () => page.locator('.quick-input-widget:visible .quick-input-list .monaco-list-row');

before(async () => {
  browser = await launchBrowser();
  page = await openWorkbench(browser);
  await openViewContainer(page);
});

after(async () => {
  await browser?.close();
});

scenario('a malformed ARN typed in Switch Role says what is wrong, and Enter keeps the pick open', async () => {
  await runCommand(page, 'IAM Switchboard: Switch Role…');
  await widget().waitFor({ timeout: 20_000 });
  await page.locator('.quick-input-widget:visible input').fill('arn:aws:iam::12345:role/Deployer');
  const line = rows().filter({ hasText: 'Not a role ARN' });
  await line.waitFor({ timeout: 10_000 });
  assert.match(await line.innerText(), /account id '12345' is not 12 digits/);
  await screenshot(page, 'switch-role-malformed-arn');
  await page.keyboard.press('Enter');
  // Still open, the text still there to fix.
  await line.waitFor({ timeout: 2_000 });
  assert.equal(await page.locator('.quick-input-widget:visible input').inputValue(), 'arn:aws:iam::12345:role/Deployer');
  await page.keyboard.press('Escape');
});

scenario('production roles are marked in Switch Role as in the tree', async () => {
  await runCommand(page, 'IAM Switchboard: Switch Role…');
  await widget().waitFor({ timeout: 20_000 });
  const prod = rows().filter({ hasText: 'prod-readonly' });
  await prod.waitFor({ timeout: 10_000 });
  assert.match(await prod.innerText(), /production/);
  assert.equal(await prod.locator('.codicon-flame').count(), 1);
  assert.doesNotMatch(await rows().filter({ hasText: 'dev-readonly' }).first().innerText(), /production/);
  await screenshot(page, 'switch-role-production');
  await page.keyboard.press('Escape');
});
