// A person opens two terminals as two roles at once, opens the AWS console as a role (the local federation
// server's sign-in page), and watches a short session turn the status bar to warning colours, refresh by itself,
// and, once refreshing fails, leave new terminals at expiry with a message.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  createTerminal, e2eEnv, expandTreeItem, launchBrowser, openViewContainer, openWorkbench, screenshot, statusBarItem, treeItem, waitForNotification,
} from './driver';

const { awsUrl, userDataDir, workbenchUrl, workspace } = e2eEnv();
const machineSettingsPath = path.join(userDataDir, 'Machine', 'settings.json');
const callerArnCommand = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;

let browser: Browser;
let page: Page;

let forwarder: net.Server | undefined;
let originalMachineSettings: string | undefined;

before(async () => {
  // code-server opens a localhost link through its port proxy, keeping neither path nor query (its
  // resolveExternalUri maps http://127.0.0.1:<port>/anything to /proxy/<port>/), so the sign-in link would lose
  // its token. Real sign-in endpoints are not localhost; here the console endpoint is another loopback address
  // forwarded to the local AWS server. It is a machine-scoped setting, so it goes into the remote's
  // Machine/settings.json, before the window opens so its extension host reads it.
  forwarder = await forwardToAwsServer('127.0.0.2');
  const { port } = forwarder.address() as net.AddressInfo;
  originalMachineSettings = fs.existsSync(machineSettingsPath) ? fs.readFileSync(machineSettingsPath, 'utf8') : undefined;
  const settings = JSON.parse(originalMachineSettings ?? '{}') as Record<string, unknown>;
  fs.mkdirSync(path.dirname(machineSettingsPath), { recursive: true });
  fs.writeFileSync(machineSettingsPath, JSON.stringify({ ...settings, 'iamSwitchboard.consoleSigninEndpoint': `http://127.0.0.2:${port}/federation` }, null, 2));
  browser = await launchBrowser();
  // A folder of its own: code-server restores earlier scenarios' terminals per folder, and those would sit beside
  // (and sometimes take the focus from) the two terminals this scenario compares.
  const folder = path.join(workspace, 'console-scenario');
  fs.mkdirSync(folder, { recursive: true });
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
  await openViewContainer(page);
  await expandTreeItem(page, 'dev');
  await expandTreeItem(page, 'prod');
});

after(async () => {
  await browser?.close();
  if (originalMachineSettings === undefined) fs.rmSync(machineSettingsPath, { force: true });
  else fs.writeFileSync(machineSettingsPath, originalMachineSettings);
  forwarder?.close();
});

/** A TCP forwarder on `host` (port 0) to the local AWS server. */
function forwardToAwsServer(host: string): Promise<net.Server> {
  const target = new URL(awsUrl);
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

async function clickInlineAction(label: string, action: string): Promise<void> {
  const row = treeItem(page, label).first();
  await row.waitFor({ timeout: 20_000 });
  await row.hover();
  await row.locator(`.action-label[aria-label="${action}"]`).click();
}


/** The terminal tab (or single-terminal title) named `name` in the panel. */
function terminalTab(name: string) {
  return page.locator('.part.panel .terminal-tabs-entry, .part.panel .single-terminal-tab', { hasText: name }).first();
}

/** Control endpoints of the local AWS server (unsigned, test-only: they change the server, not the extension). */
async function awsControl(what: 'clock' | 'failure', body: object): Promise<void> {
  const response = await fetch(`${awsUrl}/__test/${what}`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 200, `POST /__test/${what}: ${await response.text()}`);
}

/** Shows the terminal named `name` and runs `line` in it. Terminals of earlier scenarios may be restored next to
 *  it, so this works on the panel's active terminal rather than the newest one. */
async function runInTerminal(name: string, line: string): Promise<void> {
  await terminalTab(name).click();
  await page.locator('.part.panel .terminal-wrapper.active .xterm-rows', { hasText: /\S/ }).waitFor({ timeout: 20_000 });
  await page.locator('.part.panel .terminal-wrapper.active .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

async function waitForActiveTerminalText(pattern: RegExp, timeout = 20_000): Promise<void> {
  const rows = page.locator('.part.panel .terminal-wrapper.active .xterm-rows');
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (await rows.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
    if (pattern.test(text)) return;
    await page.waitForTimeout(250);
  }
  throw new Error(`the active terminal never showed ${pattern}; it shows:\n${text}`);
}

test('Open Terminal as Role gives two terminals two different roles at once', async () => {
  await clickInlineAction('dev-readonly', 'Open Terminal as Role');
  await terminalTab('AWS: dev-readonly').waitFor({ timeout: 20_000 });
  await runInTerminal('AWS: dev-readonly', `echo "first:$(${callerArnCommand})"`);
  await waitForActiveTerminalText(/first:arn:aws:sts::222222222222:assumed-role\/ReadOnly\/alice/);

  await clickInlineAction('prod-readonly', 'Open Terminal as Role');
  await terminalTab('AWS: prod-readonly').waitFor({ timeout: 20_000 });
  await runInTerminal('AWS: prod-readonly', `echo "second:$(${callerArnCommand})"`);
  await waitForActiveTerminalText(/second:arn:aws:sts::333333333333:assumed-role\/ReadOnly\/alice/);

  // Back in the first terminal, after the second one opened: still the first role.
  await runInTerminal('AWS: dev-readonly', `echo "again:$(${callerArnCommand})"`);
  await waitForActiveTerminalText(/again:arn:aws:sts::222222222222:assumed-role\/ReadOnly\/alice/);
  // Neither terminal became the window's role.
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 5_000 });
  await screenshot(page, 'roles-two-terminals');
});

test('Open AWS Console as Role signs in to the console as the assumed role', async () => {
  const row = treeItem(page, 'prod-readonly').first();
  await row.click({ button: 'right' });
  // The menu takes no click until it has settled; the keyboard picks the hovered item.
  await page.locator('.context-view .monaco-menu .action-item', { hasText: 'Open AWS Console as Role' }).hover();
  const popup = page.context().waitForEvent('page', { timeout: 30_000 });
  await page.keyboard.press('Enter');
  // VS Code may ask before opening a site it does not trust yet.
  const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Open$/ });
  const opened = await Promise.race([popup, confirm.waitFor({ timeout: 30_000 }).then(() => undefined)]);
  if (!opened) {
    await screenshot(page, 'roles-console-confirm');
    await confirm.click();
  }
  const consolePage = opened ?? await popup;
  const heading = consolePage.locator('#signed-in');
  await heading.waitFor({ timeout: 20_000 });
  assert.equal(await heading.innerText(), 'Signed in to the AWS console as arn:aws:sts::333333333333:assumed-role/ReadOnly/alice');
  assert.equal(await consolePage.locator('#destination').innerText(), 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1');
  await screenshot(consolePage, 'roles-console-signed-in');
  await consolePage.close();
});

/** Seconds left on the status bar's countdown for `label` ("label 0:17"), or undefined when not counting. */
async function secondsLeft(label: string): Promise<number | undefined> {
  const text = await statusBarItem(page, label).innerText({ timeout: 1_000 }).catch(() => '');
  const match = /(\d+):(\d\d)\s*$/.exec(text.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** Polls the status bar until the countdown of `label` goes up by more than 5 s: the credentials were refreshed. */
async function waitForRefresh(label: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lowest = Infinity;
  while (Date.now() < deadline) {
    const left = await secondsLeft(label);
    if (left !== undefined) {
      if (left > lowest + 5) return;
      lowest = Math.min(lowest, left);
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`the countdown of ${label} never went up again (lowest ${lowest} s): no refresh`);
}

// STS never issues less than 900 s, and the extension rightly offers no shortcut, so the local AWS server's clock
// is set back instead: a 3600 s session it issues then ends 24 s from now, as if most of its hour had passed.
const SESSION_LEFT_S = 24;

test('a session about to end shows warning colours, refreshes by itself, and leaves new terminals at expiry', async () => {
  await clickInlineAction('dev-deployer', 'Assume Role');
  await statusBarItem(page, /dev-deployer\s+\d+h/).waitFor({ timeout: 20_000 });
  assert.doesNotMatch(await statusBarItem(page, 'dev-deployer').getAttribute('class') ?? '', /warning-kind/);

  await awsControl('clock', { advanceMs: -(3600 - SESSION_LEFT_S) * 1000 });
  try {
    await clickInlineAction('dev-readonly', 'Assume Role');
    await statusBarItem(page, /dev-readonly\s+0:[0-2]\d/).waitFor({ timeout: 20_000 });
    assert.match(await statusBarItem(page, 'dev-readonly').getAttribute('class') ?? '', /warning-kind/);
    await screenshot(page, 'roles-expiry-warning');

    // Halfway to the end, with no MFA needed, the role is assumed again without asking.
    await waitForRefresh('dev-readonly', SESSION_LEFT_S * 1000);
    // From now on STS throttles every call, so the next refresh fails and the session runs out.
    await awsControl('failure', { mode: 'throttle' });
    await waitForNotification(page, /AWS is throttling STS requests even after retries/, SESSION_LEFT_S * 1000);
    await waitForNotification(page, /The credentials of dev-readonly expired and were removed from new terminals/, SESSION_LEFT_S * 1000);
    await statusBarItem(page, 'No AWS role').waitFor({ timeout: 5_000 });
    await screenshot(page, 'roles-expired');
  } finally {
    await awsControl('failure', {});
    await awsControl('clock', { advanceMs: (3600 - SESSION_LEFT_S) * 1000 });
  }
  await createTerminal(page);
  await page.locator('.part.panel .terminal-wrapper.active .xterm-helper-textarea').focus();
  await page.keyboard.type('echo "after:${AWS_SESSION_TOKEN:-none}:${IAM_SWITCHBOARD_ROLE:-none}"');
  await page.keyboard.press('Enter');
  await waitForActiveTerminalText(/after:none:none/);
});
