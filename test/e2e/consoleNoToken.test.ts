// Issue 19, minor: Open AWS Console as Role must never put the console sign-in URL's SigninToken on screen (VS Code's
// "open external website?" dialog showed it whole, with a Copy button). The browser still lands signed in.
import * as assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { expandTreeItem, launchBrowser, openViewContainer, openWorkbench, scenario, screenshot, treeItem } from './driver';

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

scenario('Open AWS Console as Role shows no SigninToken on screen and signs in to the console', async () => {
  const row = treeItem(page, 'prod-readonly').first();
  await row.click({ button: 'right' });
  await page.locator('.context-view .monaco-menu .action-item', { hasText: 'Open AWS Console as Role' }).hover();
  const popup = page.context().waitForEvent('page', { timeout: 30_000 });
  await page.keyboard.press('Enter');
  const dialog = page.locator('.monaco-dialog-box');
  const opened = await Promise.race([popup, dialog.waitFor({ timeout: 30_000 }).then(() => undefined)]);
  if (!opened) {
    await screenshot(page, 'console-open-dialog');
    assert.doesNotMatch(await dialog.innerText(), /SigninToken/i, 'the dialog shows no sign-in token');
    await dialog.locator('.monaco-button', { hasText: /^Open$/ }).click();
  }
  const consolePage = opened ?? (await popup);
  const heading = consolePage.locator('#signed-in');
  await heading.waitFor({ timeout: 20_000 });
  assert.equal(await heading.innerText(), 'Signed in to the AWS console as arn:aws:sts::333333333333:assumed-role/ReadOnly/alice');
  await screenshot(consolePage, 'console-signed-in-through-redirect');
  await consolePage.close();
});
