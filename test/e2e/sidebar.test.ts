// A person opens the IAM Switchboard sidebar and sees the demo accounts and their roles.
import * as assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { expandTreeItem, launchBrowser, openViewContainer, openWorkbench, screenshot, treeItem, scenario } from './driver';

let browser: Browser;
let page: Page;

before(async () => {
  browser = await launchBrowser();
  page = await openWorkbench(browser);
});

after(async () => {
  await browser?.close();
});

scenario('the sidebar lists the demo accounts with their ids', async () => {
  await openViewContainer(page);
  for (const [alias, id] of [
    ['dev', '222222222222'],
    ['prod', '333333333333'],
  ]) {
    const row = treeItem(page, alias).first();
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), new RegExp(id));
  }
  await screenshot(page, 'sidebar-accounts');
});

scenario('expanding an account shows its roles', async () => {
  await expandTreeItem(page, 'dev');
  // Roles sit one level below their account; the role name is in the row's text (label or description).
  const role = page.locator('.part.sidebar .monaco-list-row[aria-level="2"]', { hasText: 'ReadOnly' }).first();
  await role.waitFor({ timeout: 20_000 });
  assert.equal(await treeItem(page, 'dev').first().getAttribute('aria-expanded'), 'true');
  await screenshot(page, 'sidebar-dev-roles');
});
