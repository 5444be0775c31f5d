// A person opens two terminals as two roles at once, opens the AWS console as a role (the local federation
// server's sign-in page), and watches a short session turn the status bar to warning colours, refresh by itself,
// and, once refreshing fails, leave new terminals at expiry with a message.
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
  launchBrowser,
  openViewContainer,
  openWorkbench,
  runInTerminal,
  screenshot,
  statusBarItem,
  terminalTab,
  treeItem,
  waitForActiveTerminalText,
  waitForNotification,
  assumeFromTree,
  scenario,
} from './driver';

const { awsUrl, workbenchUrl, workspace } = e2eEnv();
const callerArnCommand = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;

let browser: Browser;
let page: Page;

before(async () => {
  // The console endpoint is the demo's own (test/e2e/demoWorld.ts startConsoleForwarder, set by run.ts as in
  // `npm run demo`): a 127.0.0.2 address, which code-server's link rewriting leaves whole.
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
});

/** Control endpoints of the local AWS server (unsigned, test-only: they change the server, not the extension). */
async function awsControl(what: 'clock' | 'failure', body: object): Promise<void> {
  const response = await fetch(`${awsUrl}/__test/${what}`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 200, `POST /__test/${what}: ${await response.text()}`);
}

scenario('Open Terminal as Role gives two terminals two different roles at once', async () => {
  await clickInlineAction(page, 'dev-readonly', 'Open Terminal as Role');
  await terminalTab(page, 'AWS: dev-readonly').waitFor({ timeout: 20_000 });
  await runInTerminal(page, 'AWS: dev-readonly', `echo "first:$(${callerArnCommand})"`);
  await waitForActiveTerminalText(page, /first:arn:aws:sts::222222222222:assumed-role\/ReadOnly\/alice/);

  await clickInlineAction(page, 'prod-readonly', 'Open Terminal as Role');
  await terminalTab(page, 'AWS: prod-readonly').waitFor({ timeout: 20_000 });
  await runInTerminal(page, 'AWS: prod-readonly', `echo "second:$(${callerArnCommand})"`);
  await waitForActiveTerminalText(page, /second:arn:aws:sts::333333333333:assumed-role\/ReadOnly\/alice/);

  // Back in the first terminal, after the second one opened: still the first role.
  await runInTerminal(page, 'AWS: dev-readonly', `echo "again:$(${callerArnCommand})"`);
  await waitForActiveTerminalText(page, /again:arn:aws:sts::222222222222:assumed-role\/ReadOnly\/alice/);
  // Neither terminal became the window's role.
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 5_000 });
  await screenshot(page, 'roles-two-terminals');
});

scenario('Open AWS Console as Role signs in to the console as the assumed role', async () => {
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
  const consolePage = opened ?? (await popup);
  const heading = consolePage.locator('#signed-in');
  await heading.waitFor({ timeout: 20_000 });
  assert.equal(await heading.innerText(), 'Signed in to the AWS console as arn:aws:sts::333333333333:assumed-role/ReadOnly/alice');
  assert.equal(
    await consolePage.locator('#destination').innerText(),
    'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1',
  );
  await screenshot(consolePage, 'roles-console-signed-in');
  await consolePage.close();
});

/** Seconds left on the status bar's countdown for `label` ("label 0:17"), or undefined when not counting. */
async function secondsLeft(label: string): Promise<number | undefined> {
  const text = await statusBarItem(page, label)
    .innerText({ timeout: 1_000 })
    .catch(() => '');
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

scenario('a session about to end shows warning colours, refreshes by itself, and leaves new terminals at expiry', async () => {
  await assumeFromTree(page, 'dev-deployer', /dev-deployer\s+\d+h/);
  assert.doesNotMatch((await statusBarItem(page, 'dev-deployer').getAttribute('class')) ?? '', /warning-kind/);

  await awsControl('clock', { advanceMs: -(3600 - SESSION_LEFT_S) * 1000 });
  try {
    await assumeFromTree(page, 'dev-readonly', /dev-readonly\s+0:[0-2]\d/);
    assert.match((await statusBarItem(page, 'dev-readonly').getAttribute('class')) ?? '', /warning-kind/);
    await screenshot(page, 'roles-expiry-warning');

    // Halfway to the end, with no MFA needed, the role is assumed again without asking.
    await waitForRefresh('dev-readonly', SESSION_LEFT_S * 1000);
    // From now on STS throttles every call, so the next refresh fails and the session runs out.
    await awsControl('failure', { mode: 'throttle' });
    await waitForNotification(page, /AWS is throttling STS requests even after retries/, SESSION_LEFT_S * 1000);
    await waitForNotification(page, /The credentials of dev-readonly expired and were removed/, SESSION_LEFT_S * 1000);
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
  await waitForActiveTerminalText(page, /after:none:none/);
});
