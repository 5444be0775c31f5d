// Issue 19, major 7: Discover Roles on bob (whose prod Admin role wants MFA), Try Every Role, a valid code: the
// role works and is marked so, not "needs MFA"; tried again with the MFA session cached, no code is asked and it
// still works.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { totp } from '../servers/aws';
import { projectRoot } from './codeServer';
import {
  clickInlineAction,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  scenario,
  screenshot,
} from './driver';

const bobMfaSerial = 'arn:aws:iam::111111111111:mfa/bob';
const quickRows = (page: Page) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
const adminRow = (page: Page) => quickRows(page).filter({ hasText: 'arn:aws:iam::333333333333:role/Admin' });

let browser: Browser;
let page: Page;

before(async () => {
  browser = await launchBrowser();
  page = await openWorkbench(browser);
  await openViewContainer(page);
  await expandTreeItem(page, 'prod');
});

after(async () => {
  await browser?.close();
});

/** The TOTP secret of bob's MFA device, as the local AWS world holds it. */
function bobTotpSecret(): string {
  const world = JSON.parse(fs.readFileSync(path.join(projectRoot, 'test', 'servers', 'world.json'), 'utf8')) as {
    accounts: { users: { name: string; mfaDevices?: { serialNumber: string; totpSecret: string }[] }[] }[];
  };
  const device = world.accounts.flatMap((a) => a.users).find((u) => u.name === 'bob')?.mfaDevices?.[0];
  assert.equal(device?.serialNumber, bobMfaSerial);
  return device.totpSecret;
}

scenario('Try Every Role on bob: a valid MFA code makes prod Admin "works with MFA", not "needs MFA"', async () => {
  await clickInlineAction(page, 'via profile bob', 'Discover Roles…');
  await adminRow(page).waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await pickQuickItem(page, 'Try Every Role');
  const mfa = page.locator('.quick-input-widget:visible', { hasText: `Code from MFA device ${bobMfaSerial}` });
  await mfa.waitFor({ timeout: 30_000 });
  await mfa.locator('input').fill(totp(bobTotpSecret()));
  await page.keyboard.press('Enter');
  await adminRow(page).filter({ hasText: 'works with MFA' }).waitFor({ timeout: 30_000 });
  assert.doesNotMatch(await adminRow(page).innerText(), /needs MFA/);
  assert.match(await quickRows(page).filter({ hasText: 'role/ReadOnly' }).innerText(), /works/);
  await screenshot(page, 'try-roles-mfa-works');
});

scenario('tried again with the MFA session cached, no code is asked and Admin still works', async () => {
  await page.keyboard.press('Enter');
  await pickQuickItem(page, 'Try Every Role');
  // Back at the list (the action picker asks something else) with the new results, with no MFA box in between.
  await page.locator('.quick-input-widget:visible input[placeholder^="Pick the roles to keep"]').waitFor({ timeout: 30_000 });
  await adminRow(page).filter({ hasText: 'works with MFA' }).waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('.quick-input-widget:visible', { hasText: 'Code from MFA device' }).count(), 0);
  await page.keyboard.press('Escape');
});
