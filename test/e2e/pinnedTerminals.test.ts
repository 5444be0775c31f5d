// A terminal is the role its name says, in every order a person produces: Open Terminal as Role before and
// after another role is assumed, after a switch, after Clear and after a window reload; and terminals that
// outlived a reload with keys in them are named and offered for closing. In environment mode
// (iamSwitchboard.terminalCredentials = environment), where the window's keys sit in every new terminal: the
// endpoint mode's terminals hold tokens and are covered by liveCredentials.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  clickInlineAction,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  openedTerminal,
  reloadWorkbench,
  runCommand,
  runInTerminal,
  screenshot,
  statusBarItem,
  terminalTab,
  waitForActiveTerminalText,
  waitForNotification,
  assumeFromTree,
  scenario,
  actedAgain,
  TERMINAL_KEYS,
} from './driver';

const { awsUrl, workbenchUrl, workspace, userDataDir } = e2eEnv();
// A machine-scoped setting: code-server reads it from the remote's Machine settings.
const machineSettings = path.join(userDataDir, 'Machine', 'settings.json');
let originalMachineSettings: string | undefined;
const callerArn = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;
const DEV_READONLY = /arn:aws:sts::222222222222:assumed-role\/ReadOnly\//;
const PROD_READONLY = /arn:aws:sts::333333333333:assumed-role\/ReadOnly\//;
const DEV_DEPLOYER = /arn:aws:sts::222222222222:assumed-role\/Deployer\//;

let browser: Browser;
let page: Page;
let step = 0;

before(async () => {
  originalMachineSettings = fs.existsSync(machineSettings) ? fs.readFileSync(machineSettings, 'utf8') : undefined;
  const settings = originalMachineSettings ? (JSON.parse(originalMachineSettings) as Record<string, unknown>) : {};
  fs.mkdirSync(path.dirname(machineSettings), { recursive: true });
  fs.writeFileSync(machineSettings, JSON.stringify({ ...settings, 'iamSwitchboard.terminalCredentials': 'environment' }, null, 2));
  browser = await launchBrowser();
  // A folder of its own, so terminals restored from other scenarios do not sit beside these.
  const folder = path.join(workspace, 'pinned-terminals');
  fs.mkdirSync(folder, { recursive: true });
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
  await openViewContainer(page);
  await expandAccounts();
});

after(async () => {
  await browser?.close();
  if (originalMachineSettings === undefined) fs.rmSync(machineSettings, { force: true });
  else fs.writeFileSync(machineSettings, originalMachineSettings);
});

async function expandAccounts(): Promise<void> {
  await expandTreeItem(page, 'dev');
  await expandTreeItem(page, 'prod');
}

/** Runs the AWS CLI in the terminal named `name` and waits until it reports an ARN matching `expected`. */
async function expectTerminalIs(name: string, expected: RegExp): Promise<void> {
  // A freshly shown terminal can drop the first keys typed: a second try types the line again.
  for (let attempt = 1; ; attempt++) {
    const marker = `who${++step}`;
    await runInTerminal(page, name, `echo "${marker}:$(${callerArn})"`);
    try {
      await waitForActiveTerminalText(page, new RegExp(`${marker}:${expected.source}`), 15_000);
      return;
    } catch (error) {
      if (attempt === 2) throw error;
      actedAgain('expectTerminalIs', `typing the line again in ${name}`, { mayRetryBecause: TERMINAL_KEYS });
    }
  }
}

async function openPinned(label: string): Promise<void> {
  await clickInlineAction(page, label, 'Open Terminal as Role');
  await terminalTab(page, `AWS: ${label}`).waitFor({ timeout: 20_000 });
}

scenario('a terminal opened as a role before another role is assumed stays that role', async () => {
  await openPinned('dev-readonly');
  await expectTerminalIs('AWS: dev-readonly', DEV_READONLY);
  await assumeFromTree(page, 'prod-readonly');
  await expectTerminalIs('AWS: dev-readonly', DEV_READONLY);
});

scenario('Open Terminal as Role while another role is active gives the role its name says, not the active one', async () => {
  // prod-readonly is the window's role now: the collection holds its keys.
  await statusBarItem(page, 'prod-readonly').waitFor({ timeout: 5_000 });
  // A second terminal of the same name: the newest one is active after opening.
  await openedTerminal(page, () => clickInlineAction(page, 'dev-readonly', 'Open Terminal as Role'));
  await expectActiveTerminalIs(DEV_READONLY);
  await screenshot(page, 'pinned-terminal-while-other-role-active');
});

scenario('after a switch, a new pinned terminal is its own role and the old one keeps its role', async () => {
  await assumeFromTree(page, 'dev-deployer');
  await openPinned('prod-readonly');
  await expectTerminalIs('AWS: prod-readonly', PROD_READONLY);
  await expectTerminalIs('AWS: dev-readonly', DEV_READONLY);
});

scenario('after Clear, a pinned terminal is still its role', async () => {
  await runCommand(page, 'IAM Switchboard: Clear Credentials');
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 10_000 });
  await expectTerminalIs('AWS: prod-readonly', PROD_READONLY);
  await openPinned('dev-readonly');
  await expectTerminalIs('AWS: dev-readonly', DEV_READONLY);
});

scenario('after a reload, terminals that still hold keys are named in a warning and can be closed', async () => {
  await assumeFromTree(page, 'dev-deployer');
  // An ordinary terminal opened now gets dev-deployer's keys from the window's environment collection.
  await openOrdinaryTerminal();
  await expectActiveTerminalIs(DEV_DEPLOYER);
  await reloadWorkbench(page);
  // VS Code reconnects that terminal with its old environment, but the window's session is gone.
  const warning = await waitForNotification(page, /from before the reload still holds? the AWS keys of .*dev-deployer/, 30_000);
  assert.match(warning, /close/i);
  await screenshot(page, 'terminals-with-keys-after-reload');
  const before = await page.locator('.part.panel .terminal-tabs-entry, .part.panel .single-terminal-tab').count();
  await page.locator('.notifications-toasts .monaco-button', { hasText: 'Close Terminal' }).first().click();
  for (
    let waited = 0;
    (await page.locator('.part.panel .terminal-tabs-entry, .part.panel .single-terminal-tab').count()) >= before && before > 0;
    waited += 250
  ) {
    assert.ok(waited < 20_000, 'the terminals with old keys were not closed');
    await page.waitForTimeout(250);
  }
  // The window after the reload has no role; a pinned terminal opened now is its role.
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 10_000 });
  await expandAccounts();
  await openPinned('prod-readonly');
  await expectTerminalIs('AWS: prod-readonly', PROD_READONLY);
  // An ordinary terminal opened after the reload holds no keys of the earlier window's role.
  await openOrdinaryTerminal();
  await expectActiveTerminalIs(/arn:aws:iam::111111111111:user\/alice/);
});

async function openOrdinaryTerminal(): Promise<void> {
  await openedTerminal(page, () => runCommand(page, 'Terminal: Create New Terminal'));
}

/** Runs the AWS CLI in the panel's active terminal. */
async function expectActiveTerminalIs(expected: RegExp): Promise<void> {
  const marker = `who${++step}`;
  await page.locator('.part.panel .terminal-wrapper.active .xterm-helper-textarea').focus();
  await page.keyboard.type(`echo "${marker}:$(${callerArn})"`);
  await page.keyboard.press('Enter');
  await waitForActiveTerminalText(page, new RegExp(`${marker}:${expected.source}`));
}
