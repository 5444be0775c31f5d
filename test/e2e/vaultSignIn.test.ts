// Signing in to Vault as teams run it, in code-server: OIDC through the identity provider's page in the same
// browser (the loopback callback reaches the extension host through code-server's /proxy/8250/ path, which
// asExternalUri gives), then an assumed_role lease with the session name asked for; LDAP; a static role's
// keys in a terminal the real AWS CLI works in; and the token `vault login` left in ~/.vault-token.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  answerQuickInput,
  createTerminal,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  quickPickItems,
  runInTerminal,
  screenshot,
  statusBarItem,
  terminalTab,
  treeItem,
  typeInTerminal,
  waitForActiveTerminalText,
  waitForNotification,
  waitForTerminalText,
  clickRowAction,
  scenario,
} from './driver';

let browser: Browser;
let page: Page;
const awsCli = '/usr/bin/aws';
const cliTokenFile = () => path.join(e2eEnv().home, '.vault-token');

before(async () => {
  browser = await launchBrowser();
  // Opened as localhost: code-server's asExternalUri builds the proxy address from the page's own host, and the
  // demo OIDC role allows http://localhost:<any port>/proxy/8250/oidc/callback (a real team adds its own host).
  page = await openWorkbench(browser, e2eEnv().workbenchUrl.replace('http://127.0.0.1:', 'http://localhost:'));
});

after(async () => {
  fs.rmSync(cliTokenFile(), { force: true });
  await browser?.close();
});

/** Clicks a row's inline action button (they appear on hover). */
function clickInlineAction(row: Locator, title: string): Promise<void> {
  return clickRowAction(page, row, title);
}

async function vaultAsRoot(method: string, apiPath: string, body?: unknown): Promise<Record<string, unknown>> {
  const { vaultUrl, vaultRootToken } = e2eEnv();
  const response = await fetch(`${vaultUrl}/v1/${apiPath}`, {
    method,
    headers: { 'X-Vault-Token': vaultRootToken },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${method} ${apiPath}: ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

function serverRow(): Locator {
  return treeItem(page, 'demo').first();
}

/** Signs out of the demo server when signed in, so the next test starts from the Sign in button. */
async function signOutIfSignedIn(): Promise<void> {
  const row = serverRow();
  await row.waitFor({ timeout: 30_000 });
  if (/signed out/.test(await row.innerText())) return;
  await clickInlineAction(row, 'Sign out of Vault');
  await waitForNotification(page, /Signed out of demo/);
  await page.locator('.part.sidebar .monaco-list-row', { hasText: 'signed out' }).first().waitFor({ timeout: 20_000 });
}

scenario('OIDC sign-in opens the provider page in the browser, and its callback through code-server signs the extension in', async () => {
  await openViewContainer(page);
  await signOutIfSignedIn();
  await clickInlineAction(serverRow(), 'Sign in to Vault');
  const offered = await quickPickItems(page);
  assert.ok(
    offered.some((t) => t.includes('OIDC (browser)')) && offered.some((t) => t.includes('LDAP')),
    `methods offered: ${offered.join(' | ')}`,
  );
  assert.ok(!offered.some((t) => t.includes('Use the token from')), 'no CLI token is offered while ~/.vault-token does not exist');
  await screenshot(page, 'vault-signin-methods');
  const popupOpened = page.context().waitForEvent('page', { timeout: 30_000 });
  await pickQuickItem(page, 'OIDC (browser)');
  const provider = await popupOpened;
  await provider.waitForLoadState();
  const authorize = new URL(provider.url());
  // The local provider runs beside Vault on code-server's machine, so its page too is reached through the proxy.
  assert.match(authorize.pathname, /^\/proxy\/\d+\/oidc-provider\/oidc\/authorize$/, `the provider page: ${authorize.pathname}`);
  assert.ok(authorize.searchParams.get('state'), 'the sign-in request reaches the provider whole');
  const redirect = new URL(authorize.searchParams.get('redirect_uri') ?? '');
  assert.equal(redirect.pathname, '/proxy/8250/oidc/callback', `the callback goes through code-server's proxy: ${redirect}`);
  assert.equal(redirect.port, new URL(e2eEnv().codeServerUrl).port, 'the callback is code-server itself');
  await provider.getByLabel(/Dana Example/).check();
  await screenshot(provider, 'vault-oidc-provider-page');
  await provider.getByRole('button', { name: 'Sign in' }).click();
  await provider.getByText('you can close this tab').waitFor({ timeout: 30_000 });
  assert.match(new URL(provider.url()).pathname, /\/proxy\/8250\/oidc\/callback$/);
  await screenshot(provider, 'vault-oidc-callback-page');
  await provider.close();
  await waitForNotification(page, /Signed in to demo as oidc-dana@example\.com/, 30_000);
  await page.locator('.part.sidebar .monaco-list-row', { hasText: 'oidc-dana@example.com' }).first().waitFor({ timeout: 20_000 });
  await screenshot(page, 'vault-oidc-signed-in');
});

scenario('an assumed_role lease offers the role TTLs, asks the session name, and the ARN carries it', async () => {
  await expandTreeItem(page, 'aws/');
  const role = treeItem(page, 'dev-s3').first();
  await role.waitFor({ timeout: 20_000 });
  await clickInlineAction(role, 'Lease Credentials');
  const ttls = await quickPickItems(page);
  // dev-s3: default_sts_ttl 15m, max_sts_ttl 1h.
  assert.ok(
    ttls.some((t) => /^15m/.test(t) && /the role's default/.test(t)),
    `the role's default is offered: ${ttls.join(' | ')}`,
  );
  assert.ok(
    ttls.some((t) => /^1h/.test(t) && /maximum/.test(t)),
    `the max is offered: ${ttls.join(' | ')}`,
  );
  assert.ok(!ttls.some((t) => /^2h/.test(t)), 'nothing beyond max_sts_ttl is offered');
  assert.ok(ttls.some((t) => t.startsWith('Other…')));
  await screenshot(page, 'vault-lease-ttl-choices');
  await pickQuickItem(page, /^30m/);
  const box = page.locator('.quick-input-widget:visible input');
  await page.locator('.quick-input-widget:visible', { hasText: 'Session name' }).waitFor({ timeout: 20_000 });
  assert.equal(await box.inputValue(), 'oidc-dana@example.com', 'the default session name is who Vault says the token is');
  await screenshot(page, 'vault-lease-session-name');
  await answerQuickInput(page, 'dana-review-42');
  await waitForNotification(page, /Vault credentials for dev-s3 are ready in open and new terminals/, 60_000);
  await createTerminal(page);
  await typeInTerminal(page, `${awsCli} sts get-caller-identity --endpoint-url ${e2eEnv().awsUrl} --query Arn --output text`);
  await waitForTerminalText(page, /arn:aws:sts::222222222222:assumed-role\/VaultS3\/dana-review-42/, 30_000);
  await screenshot(page, 'vault-lease-session-name-arn');
});

scenario('LDAP sign-in with a directory user shows who is signed in', async () => {
  await signOutIfSignedIn();
  await clickInlineAction(serverRow(), 'Sign in to Vault');
  await pickQuickItem(page, 'LDAP');
  await answerQuickInput(page, 'carol');
  await answerQuickInput(page, 'carol-ldap-password');
  await waitForNotification(page, /Signed in to demo as ldap-carol \(policies: [^)]*aws-dev/, 30_000);
  await page.locator('.part.sidebar .monaco-list-row', { hasText: 'ldap-carol' }).first().waitFor({ timeout: 20_000 });
  await screenshot(page, 'vault-ldap-signed-in');
});

scenario("a static role's keys go into a terminal where the AWS CLI is that IAM user, and the status bar says static keys", async () => {
  await expandTreeItem(page, 'aws/');
  const row = treeItem(page, 'ci-deployer').first();
  await row.waitFor({ timeout: 20_000 });
  assert.match(await row.innerText(), /static keys · every 1h/);
  assert.doesNotMatch(await row.innerText(), /lease/i);
  await clickInlineAction(row, 'Open Terminal with Static Credentials');
  const name = 'AWS: vault-static:ci-deployer';
  await terminalTab(page, name).waitFor({ timeout: 20_000 });
  await runInTerminal(page, name, `${awsCli} sts get-caller-identity --endpoint-url ${e2eEnv().awsUrl} --query Arn --output text`);
  await waitForActiveTerminalText(page, /arn:aws:iam::111111111111:user\/(\S+\/)?ci-deployer/, 30_000);
  await screenshot(page, 'vault-static-terminal');
  // Having read the keys, the row shows when Vault rotates them next.
  await page
    .locator('.part.sidebar .monaco-list-row', { hasText: /ci-deployer\s*static · rotates \d/ })
    .first()
    .waitFor({ timeout: 20_000 });

  await clickInlineAction(treeItem(page, 'ci-deployer').first(), 'Use Static Credentials');
  await waitForNotification(page, /Static keys of ci-deployer are in open and new terminals\. Vault rotates them at/);
  const item = statusBarItem(page, 'vault-static:ci-deployer');
  await item.waitFor({ timeout: 20_000 });
  await item.hover();
  await page.locator('.monaco-hover', { hasText: 'Vault static keys' }).first().waitFor({ timeout: 10_000 });
  await screenshot(page, 'vault-static-status-bar');
});

scenario('the token `vault login` left in ~/.vault-token is offered first and signs in', async () => {
  const created = await vaultAsRoot('POST', 'auth/token/create', { policies: ['aws-dev'], ttl: '1h', display_name: 'cli' });
  const token = String((created.auth as { client_token: string }).client_token);
  fs.writeFileSync(cliTokenFile(), `${token}\n`, { mode: 0o600 });
  await signOutIfSignedIn();
  await clickInlineAction(serverRow(), 'Sign in to Vault');
  const offered = await quickPickItems(page);
  assert.match(offered[0], /Use the token from `vault login`/);
  assert.match(offered[0], /~\/\.vault-token · token-cli/);
  assert.ok(!offered.some((t) => t.includes(token)), 'the token itself is never shown');
  await screenshot(page, 'vault-cli-token-offered');
  await pickQuickItem(page, 'Use the token from `vault login`');
  await waitForNotification(page, /Signed in to demo as token-cli/);
  await expandTreeItem(page, 'aws/');
  await treeItem(page, 's3-full').first().waitFor({ timeout: 20_000 });
  await screenshot(page, 'vault-cli-token-signed-in');
  fs.rmSync(cliTokenFile(), { force: true });
});
