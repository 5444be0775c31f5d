// A person whose browser runs on the same machine as VS Code signs in to IAM Identity Center with the authorization
// code and PKCE (setting identityCenterSignIn = browser; in code-server `auto` would pick the device code): Sign in
// on the row opens the service's /authorize page in this browser, they allow access, the browser comes back to the
// extension's loopback listener on 127.0.0.1, whose page says they are signed in; discovery then runs under the
// local portal's request quota, showing its progress in the tree, and every account and role appears. A role
// assumed from the tree is who a terminal's AWS CLI runs as. The local Identity Center is the demo's
// (test/servers/sso, wired by run.ts through demoWorld.ts).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  assumeFromTree,
  clickInlineAction,
  createTerminal,
  e2eEnv,
  foldView,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  scenario,
  screenshot,
  treeItem,
  typeInTerminal,
  unfoldRow,
  waitForTerminalText,
} from './driver';

const { awsUrl, ssoUrl, workbenchUrl, workspace, userDataDir } = e2eEnv();
const callerArnCommand = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;
const SECTION = 'IAM Identity Center';
const SIGN_IN = 'Sign in to IAM Identity Center';
/** staging, security and sandbox: the demo organisation's accounts that no profile names. */
const NEW_ACCOUNTS = ['444444444444', '555555555555', '666666666666'];
// A machine-scoped setting: code-server's window is remote, so it reads it from the Machine settings (both written).
const settingsPaths = ['User', 'Machine'].map((scope) => path.join(userDataDir, scope, 'settings.json'));
/**
 * Far below the real portal's 20 a second and with no burst, so the 7 portal calls of the demo organisation
 * (ListAccounts and one ListAccountRoles per account) take at least 2 s: discovery meets the quota and its
 * progress is on screen long enough to be seen.
 */
const SLOW_QUOTA = { perSecond: 3, burst: 1 };

let browser: Browser;
let page: Page;
let original: Array<string | undefined>;

before(async () => {
  original = settingsPaths.map((file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
  for (const [i, file] of settingsPaths.entries()) {
    const settings = original[i] ? (JSON.parse(original[i]!) as Record<string, unknown>) : {};
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ ...settings, 'iamSwitchboard.identityCenterSignIn': 'browser' }, null, 2));
  }
  browser = await launchBrowser();
  // A folder of its own, so no terminal restored from another scenario takes the focus.
  const folder = path.join(workspace, 'identity-center-pkce');
  fs.mkdirSync(folder, { recursive: true });
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
  await openViewContainer(page);
  // The other views folded, so the AWS Roles view has the height for the accounts.
  await foldView(page, 'Vault');
  await foldView(page, 'Agent Access');
});

after(async () => {
  await ssoControl('quota', {}).catch(() => undefined);
  await browser?.close();
  settingsPaths.forEach((file, i) => (original[i] === undefined ? fs.rmSync(file, { force: true }) : fs.writeFileSync(file, original[i]!)));
});

/** Test controls of the local Identity Center (they change the server, not the extension). */
async function ssoControl(what: 'quota', body: object): Promise<void> {
  const response = await fetch(`${ssoUrl}/__test/${what}`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 200, `POST /__test/${what}: ${await response.text()}`);
}

async function ssoStats(): Promise<{ portalRequests: number; overQuota: number }> {
  return (await (await fetch(`${ssoUrl}/__test/stats`)).json()) as { portalRequests: number; overQuota: number };
}

/** The AWS Roles view's row of the account `id`. */
function accountRow(id: string) {
  return page
    .locator('.part.sidebar .monaco-list-row')
    .filter({ has: page.locator('.label-description', { hasText: new RegExp(`^${id}$`) }) })
    .first();
}

/**
 * Once discovery is done: the section's count row, then every account folded (Collapse All) and these unfolded, so
 * the rows a test needs are on screen (the tree only draws those).
 */
async function showAccounts(...ids: string[]): Promise<void> {
  await unfoldRow(treeItem(page, SECTION).first());
  await treeItem(page, '6 accounts, 11 roles').first().waitFor({ timeout: 10_000 });
  await page
    .locator('.part.sidebar .pane-header', { hasText: /AWS Roles/i })
    .first()
    .hover();
  await page.locator('.part.sidebar .action-label[aria-label="Collapse All"]').first().click();
  await page.locator('.part.sidebar .monaco-list-row[aria-expanded="true"]').first().waitFor({ state: 'detached', timeout: 10_000 });
  for (const id of ids) await unfoldRow(accountRow(id));
}

/** The section row's description ("signed out", "signed in until 21:40 · finding accounts…"). */
function sectionState(): Promise<string> {
  return treeItem(page, SECTION).first().locator('.label-description').innerText({ timeout: 20_000 });
}

async function waitForSectionState(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await sectionState().catch(() => '');
    if (pattern.test(text)) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`the ${SECTION} row never said ${pattern}; it says '${text}'`);
}

/**
 * Sign in on the row: VS Code opens the authorize page as a new page of this browser, after its "Open" confirmation
 * when it asks. Returns that page.
 */
async function signInOpensAuthorizePage(): Promise<Page> {
  const popup = page.context().waitForEvent('page', { timeout: 30_000 });
  await clickInlineAction(page, SECTION, SIGN_IN);
  const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Open$/ });
  const opened = await Promise.race([popup, confirm.waitFor({ timeout: 30_000 }).then(() => undefined)]);
  if (!opened) await confirm.click();
  return opened ?? (await popup);
}

scenario('Sign in opens the authorize page in this browser; after Allow the loopback page says so and the tree fills, paced', async () => {
  await treeItem(page, SECTION).first().waitFor({ timeout: 30_000 });
  await waitForSectionState(/^signed out$/);
  await ssoControl('quota', SLOW_QUOTA);
  const before = await ssoStats();

  const authorize = await signInOpensAuthorizePage();
  await authorize.locator('input[name="username"]').waitFor({ timeout: 20_000 });
  // The authorization-code grant, not the device code: /authorize with an S256 challenge and a loopback redirect.
  const asked = new URL(authorize.url());
  assert.equal(asked.pathname, '/authorize');
  assert.equal(asked.searchParams.get('code_challenge_method'), 'S256');
  assert.match(asked.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
  await authorize.locator('input[name="username"]').fill('alice');
  await authorize.locator('input[name="password"]').fill('alice-sso-password');
  await screenshot(authorize, 'identity-center-pkce-authorize');
  await authorize.locator('button[value="allow"]').click();

  // The service sends the browser back to the extension's listener, which answers once and says it is done.
  await authorize.locator('h1', { hasText: /^Signed in$/ }).waitFor({ timeout: 20_000 });
  const landed = new URL(authorize.url());
  assert.equal(`${landed.origin}${landed.pathname}`, asked.searchParams.get('redirect_uri'), 'the browser came back to the listener');
  assert.match(await authorize.locator('body').innerText(), /You are signed in to IAM Identity Center\. You can close this tab/);
  await screenshot(authorize, 'identity-center-pkce-done');
  await authorize.close();

  // Discovery runs under the quota (at least 2 s), the row saying so; then every account and role is there.
  await waitForSectionState(/^signed in until .* · finding accounts…$/);
  await screenshot(page, 'identity-center-pkce-discovering');
  await waitForSectionState(/^signed in until [^·]+$/, 90_000);
  const after = await ssoStats();
  await ssoControl('quota', {});
  assert.ok(after.overQuota > before.overQuota, 'the quota refused some calls (the pace is 20 a second), and discovery still finished');
  await showAccounts(...NEW_ACCOUNTS);
  for (const role of ['staging/PowerUserAccess', 'security/ReadOnlyAccess', 'sandbox/AdministratorAccess']) {
    await treeItem(page, role).first().waitFor({ timeout: 10_000 });
  }
  await screenshot(page, 'identity-center-pkce-tree');
});

scenario('a role of the browser sign-in, assumed from the tree, is who a terminal runs as', async () => {
  await assumeFromTree(page, 'sandbox/AdministratorAccess');
  await createTerminal(page);
  await typeInTerminal(page, `echo "ic:$(${callerArnCommand})"`);
  await waitForTerminalText(page, /ic:arn:aws:sts::666666666666:assumed-role\/AWSReservedSSO_AdministratorAccess_[0-9a-f]{16}\/alice/);
  await screenshot(page, 'identity-center-pkce-terminal');
});
