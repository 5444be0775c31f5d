// A person signs in to IAM Identity Center from the AWS Roles view: the verification page opens in the same
// browser, they approve, and every account and permission set appears with no profile written. They assume one
// and a terminal's AWS CLI runs as it; after a reload the tree is there at once from the cache; when the sign-in
// expires they are offered Sign in; Sign out empties it. The local Identity Center is the demo's
// (test/servers/sso, wired by run.ts through demoWorld.ts as `npm run demo` does).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  clickInlineAction,
  createTerminal,
  e2eEnv,
  expandTreeItem,
  foldView,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  quickPickItems,
  reloadWorkbench,
  runCommand,
  screenshot,
  statusBarItem,
  treeItem,
  typeInTerminal,
  waitForNotification,
  waitForTerminalText,
  assumeFromTree,
  scenario,
  unfoldRow,
} from './driver';

const { awsUrl, ssoUrl, workbenchUrl, workspace } = e2eEnv();
const callerArnCommand = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;
const SECTION = 'IAM Identity Center';
const SIGN_IN = 'Sign in to IAM Identity Center';
/** staging, security and sandbox: the demo organisation's accounts that no profile names. */
const NEW_ACCOUNTS = ['444444444444', '555555555555', '666666666666'];
/** Longer than the local Identity Center's 8-hour access tokens. */
const PAST_EXPIRY_MS = 9 * 3600 * 1000;

let browser: Browser;
let page: Page;
let clockMovedMs = 0;

before(async () => {
  browser = await launchBrowser();
  // A folder of its own, so no terminal restored from another scenario takes the focus.
  const folder = path.join(workspace, 'identity-center-scenario');
  fs.mkdirSync(folder, { recursive: true });
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
  await openViewContainer(page);
  await foldView(page, 'Vault');
});

/**
 * Folds every account, then unfolds those with these ids (an alias from another scenario's settings may rename
 * one), so the rows a test needs are in view: the tree only draws the rows on screen.
 */
/** The AWS Roles view's row of the account `id`. */
function accountRow(id: string) {
  return page
    .locator('.part.sidebar .monaco-list-row')
    .filter({ has: page.locator('.label-description', { hasText: new RegExp(`^${id}$`) }) })
    .first();
}

async function showAccounts(...ids: string[]): Promise<void> {
  // Collapse All folds only the rows drawn so far: wait until the catalog and the cached accounts are drawn (after a
  // reload they come a moment later, unfolded).
  await treeItem(page, 'dev-readonly').first().waitFor({ timeout: 20_000 });
  for (const id of ids) await accountRow(id).waitFor({ timeout: 20_000 });
  await page
    .locator('.part.sidebar .pane-header', { hasText: /AWS Roles/i })
    .first()
    .hover();
  await page.locator('.part.sidebar .action-label[aria-label="Collapse All"]').first().click();
  await page.locator('.part.sidebar .monaco-list-row[aria-expanded="true"]').first().waitFor({ state: 'detached', timeout: 10_000 });
  await unfoldRow(treeItem(page, SECTION).first());
  for (const id of ids) {
    await unfoldRow(accountRow(id));
  }
}

after(async () => {
  if (clockMovedMs) await ssoControl('clock', { advanceMs: -clockMovedMs }).catch(() => undefined);
  await ssoControl('throttle', {}).catch(() => undefined);
  await browser?.close();
});

/** Test controls of the local Identity Center (they change the server, not the extension). */
async function ssoControl(what: 'clock' | 'throttle', body: object): Promise<void> {
  const response = await fetch(`${ssoUrl}/__test/${what}`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 200, `POST /__test/${what}: ${await response.text()}`);
}

async function ssoStats(): Promise<{ portalRequests: number; throttled: number }> {
  return (await (await fetch(`${ssoUrl}/__test/stats`)).json()) as { portalRequests: number; throttled: number };
}

/** Signed out with nothing kept: the row offers Sign in only. */
async function assertNoSignOut(): Promise<void> {
  const row = treeItem(page, SECTION).first();
  await row.hover();
  await row.locator(`.action-label[aria-label="${SIGN_IN}"]`).waitFor({ timeout: 10_000 });
  assert.equal(await row.locator('.action-label[aria-label="Sign out of IAM Identity Center"]').count(), 0);
}

/** The section row's description ("signed out", "signed in until 21:40"). */
function sectionState(): Promise<string> {
  return treeItem(page, SECTION).first().locator('.label-description').innerText({ timeout: 20_000 });
}

async function waitForSectionState(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await sectionState().catch(() => '');
    if (pattern.test(text)) return;
    await page.waitForTimeout(250);
  }
  throw new Error(`the ${SECTION} row never said ${pattern}; it says '${text}'`);
}

/**
 * The code's "Copy and Open" (a modal): the verification page opens as a popup of this browser (after VS Code's
 * "Open" confirmation, when it asks). Approves the code there as alice and returns what the page showed.
 */
async function approveInBrowser(): Promise<{ code: string; url: string }> {
  const dialog = page.locator('.monaco-dialog-box', { hasText: 'Sign in to IAM Identity Center with the code' }).first();
  await dialog.waitFor({ timeout: 20_000 });
  const text = await dialog.innerText();
  const code = /code ([A-Z0-9]{4}-[A-Z0-9]{4})/.exec(text)?.[1];
  assert.ok(code, `no user code in '${text}'`);
  await screenshot(page, 'identity-center-code');
  const popup = page.context().waitForEvent('page', { timeout: 30_000 });
  await dialog.locator('.monaco-button', { hasText: 'Copy and Open' }).click();
  const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Open$/ });
  const opened = await Promise.race([popup, confirm.waitFor({ timeout: 30_000 }).then(() => undefined)]);
  if (!opened) await confirm.click();
  const verification = opened ?? (await popup);
  await verification.locator('input[name="username"]').waitFor({ timeout: 20_000 });
  assert.equal(await verification.locator('input[name="user_code"]').inputValue(), code, 'the page has the code filled in');
  const url = verification.url();
  await verification.locator('input[name="username"]').fill('alice');
  await verification.locator('input[name="password"]').fill('alice-sso-password');
  await screenshot(verification, 'identity-center-verification-page');
  await verification.locator('button[value="allow"]').click();
  await verification.locator('#approved').waitFor({ timeout: 20_000 });
  await verification.close();
  return { code, url };
}

scenario('Sign in opens the verification page in this browser, and after approval every account and role is in the tree', async () => {
  await treeItem(page, SECTION).first().waitFor({ timeout: 30_000 });
  await waitForSectionState(/^signed out$/);
  await expandTreeItem(page, SECTION);
  await treeItem(page, SIGN_IN).first().waitFor({ timeout: 10_000 });
  await assertNoSignOut();
  await screenshot(page, 'identity-center-signed-out');

  await clickInlineAction(page, SECTION, SIGN_IN);
  const { code, url } = await approveInBrowser();
  assert.match(url, new RegExp(`/device\\?user_code=${code}$`), 'the page opened whole, with its path and code');

  // The six accounts of the demo organisation, under their names, with their permission sets.
  for (const role of ['central/ReadOnlyAccess', 'dev/PowerUserAccess']) {
    await treeItem(page, role).first().waitFor({ timeout: 30_000 });
  }
  await screenshot(page, 'identity-center-signed-in');
  await showAccounts(...NEW_ACCOUNTS);
  for (const role of ['staging/PowerUserAccess', 'security/ReadOnlyAccess', 'sandbox/AdministratorAccess']) {
    await treeItem(page, role).first().waitFor({ timeout: 10_000 });
  }
  await waitForSectionState(/^signed in until [^·]+$/);
  await treeItem(page, '6 accounts, 11 roles').first().waitFor({ timeout: 10_000 });
  await screenshot(page, 'identity-center-new-accounts');
});

scenario('an Identity Center role assumed from the tree is who a terminal runs as', async () => {
  await assumeFromTree(page, 'sandbox/AdministratorAccess');
  await createTerminal(page);
  await typeInTerminal(page, `echo "ic:$(${callerArnCommand})"`);
  await waitForTerminalText(page, /ic:arn:aws:sts::666666666666:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice/);
  await screenshot(page, 'identity-center-terminal');
});

scenario('an Identity Center role opens the AWS console with its session, and offers no ARN to copy', async () => {
  const row = treeItem(page, 'sandbox/AdministratorAccess').first();
  await row.click({ button: 'right' });
  const items = page.locator('.context-view .monaco-menu .action-item');
  await items.first().waitFor({ timeout: 10_000 });
  const labels = await items.allInnerTexts();
  assert.ok(!labels.some((l) => l.includes('Copy ARN')), `its ARN is only nominal, so no Copy ARN: ${JSON.stringify(labels)}`);
  // The menu takes no click until it has settled; the keyboard picks the hovered item.
  await page.locator('.context-view .monaco-menu .action-item', { hasText: 'Open AWS Console as Role' }).hover();
  const popup = page.context().waitForEvent('page', { timeout: 30_000 });
  await page.keyboard.press('Enter');
  const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Open$/ });
  const opened = await Promise.race([popup, confirm.waitFor({ timeout: 30_000 }).then(() => undefined)]);
  if (!opened) await confirm.click();
  const consolePage = opened ?? (await popup);
  const heading = consolePage.locator('#signed-in');
  await heading.waitFor({ timeout: 20_000 });
  assert.match(
    await heading.innerText(),
    /^Signed in to the AWS console as arn:aws:sts::666666666666:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice$/,
  );
  await screenshot(consolePage, 'identity-center-console');
  await consolePage.close();
});

scenario('Switch Role finds Identity Center roles by account id', async () => {
  await runCommand(page, 'IAM Switchboard: Switch Role…');
  await page.locator('.quick-input-widget input').fill('555555555555');
  const items = await quickPickItems(page);
  assert.ok(
    items.some((i) => i.includes('security/ReadOnlyAccess')),
    `security's role is offered: ${JSON.stringify(items)}`,
  );
  assert.ok(!items.some((i) => i.includes('sandbox/')), `other accounts are filtered out: ${JSON.stringify(items)}`);
  await screenshot(page, 'identity-center-switch-role');
  await pickQuickItem(page, 'security/ReadOnlyAccess');
  await statusBarItem(page, 'security/ReadOnlyAccess').waitFor({ timeout: 20_000 });
});

scenario('after a reload the tree shows the cached accounts at once, while Identity Center does not answer', async () => {
  const before = await ssoStats();
  // Every portal request is throttled from now on: whatever the tree shows after the reload came from the cache.
  await ssoControl('throttle', { every: 1 });
  try {
    await reloadWorkbench(page);
    await foldView(page, 'Vault');
    await showAccounts(...NEW_ACCOUNTS);
    await treeItem(page, 'sandbox/AdministratorAccess').first().waitFor({ timeout: 15_000 });
    await treeItem(page, 'staging/ReadOnlyAccess').first().waitFor({ timeout: 5_000 });
    await waitForSectionState(/signed in until \d/);
    await screenshot(page, 'identity-center-after-reload');
    const now = await ssoStats();
    assert.equal(
      now.throttled - before.throttled,
      now.portalRequests - before.portalRequests,
      'every portal request since the reload was refused',
    );
  } finally {
    await ssoControl('throttle', {});
  }
  // The background refresh retries with backoff, then catches up; what comes next needs it done.
  await waitForSectionState(/^signed in until [^·]+$/, 90_000);
});

scenario('an expired sign-in says so and offers Sign in, which brings the accounts back', async () => {
  // Toasts from before (a terminal restored with keys) would crowd out the code's notification.
  await runCommand(page, 'Notifications: Clear All Notifications');
  await ssoControl('clock', { advanceMs: PAST_EXPIRY_MS });
  clockMovedMs += PAST_EXPIRY_MS;
  await clickInlineAction(page, SECTION, 'Refresh IAM Identity Center Accounts');
  await waitForNotification(page, /IAM Identity Center sign-in .* has expired or was revoked/);
  await waitForSectionState(/^signed out$/);
  await screenshot(page, 'identity-center-expired');

  const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'has expired or was revoked' }).first();
  await toast.locator('.monaco-button', { hasText: /^Sign in$/ }).click();
  await approveInBrowser();
  await waitForSectionState(/^signed in until \d/);
  await treeItem(page, 'sandbox/AdministratorAccess').first().waitFor({ timeout: 20_000 });
});

scenario('Sign out empties the tree of Identity Center roles and ends their session', async () => {
  // The sign-in before this one is still discovering accounts, redrawing the tree as they come: wait until it is done.
  await waitForSectionState(/^signed in until [^·]+$/, 90_000);
  await assumeFromTree(page, 'security/ReadOnlyAccess');
  await clickInlineAction(page, SECTION, 'Sign out of IAM Identity Center');
  await waitForSectionState(/^signed out$/);
  await expandTreeItem(page, SECTION);
  await treeItem(page, SIGN_IN).first().waitFor({ timeout: 10_000 });
  await treeItem(page, 'sandbox/AdministratorAccess').first().waitFor({ state: 'detached', timeout: 20_000 });
  assert.equal(await treeItem(page, 'staging/ReadOnlyAccess').count(), 0);
  // The profiles' roles stay.
  await expandTreeItem(page, 'dev');
  await treeItem(page, 'dev-readonly').first().waitFor({ timeout: 10_000 });
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 10_000 });
  await assertNoSignOut();
  await screenshot(page, 'identity-center-signed-out-again');
});
