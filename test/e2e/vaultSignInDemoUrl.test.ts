// Issue 19, major 6: Vault OIDC sign-in from the workbench at the address `npm run demo` prints,
// http://127.0.0.1:<port>/ (code-server's asExternalUri keeps that host in the callback), not only at localhost.
import * as assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  clickRowAction,
  e2eEnv,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  scenario,
  screenshot,
  treeItem,
  waitForNotification,
} from './driver';

let browser: Browser;
let page: Page;

before(async () => {
  browser = await launchBrowser();
  const url = e2eEnv().workbenchUrl;
  assert.match(url, /^http:\/\/127\.0\.0\.1:/, 'opened as the demo prints it');
  page = await openWorkbench(browser, url);
});

after(async () => {
  await browser?.close();
});

scenario('OIDC sign-in at http://127.0.0.1:<port>/ comes back through the callback and signs in', async () => {
  await openViewContainer(page);
  const server = treeItem(page, 'demo').first();
  await server.waitFor({ timeout: 30_000 });
  await clickRowAction(page, server, 'Sign in to Vault');
  const popupOpened = page.context().waitForEvent('page', { timeout: 30_000 });
  await pickQuickItem(page, 'OIDC (browser)');
  const provider = await popupOpened;
  await provider.waitForLoadState();
  const redirect = new URL(new URL(provider.url()).searchParams.get('redirect_uri') ?? '');
  assert.equal(redirect.hostname, '127.0.0.1', `the callback keeps the page's host: ${redirect}`);
  await provider.getByLabel(/Dana Example/).check();
  await provider.getByRole('button', { name: 'Sign in' }).click();
  await provider.getByText('you can close this tab').waitFor({ timeout: 30_000 });
  await provider.close();
  await waitForNotification(page, /Signed in to demo as oidc-dana@example\.com/, 30_000);
  await screenshot(page, 'vault-oidc-signed-in-at-127');
});
