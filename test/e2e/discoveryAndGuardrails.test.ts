// A person opens a folder that deploys to the dev account: it offers its role. They discover the roles alice's
// policies allow, try them (BreakGlass's trust policy refuses her), write a new one into ~/.aws/config (the one
// prod-auditor already has is skipped) and see it in the tree. Then, as a production role in this dev folder, a task is stopped with a question, and production
// roles look different in the tree and the status bar, and assuming one asks first.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  answerQuickInput,
  clickAssume,
  clickInlineAction,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  quickPickItems,
  runCommand,
  screenshot,
  statusBarItem,
  terminalTab,
  treeItem,
  waitForNotification,
  scenario,
  actedAgain,
} from './driver';

const { workbenchUrl, workspace, home } = e2eEnv();
const configFile = path.join(home, '.aws', 'config');
const credentialsFile = path.join(home, '.aws', 'credentials');
const originalConfig = fs.readFileSync(configFile, 'utf8');
const originalCredentials = fs.readFileSync(credentialsFile, 'utf8');
const quickRows = (page: Page) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row');

let browser: Browser;
let page: Page;

before(async () => {
  // A folder of its own, as a repository that deploys to the dev account would have it.
  const folder = path.join(workspace, 'dev-app');
  fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(folder, '.vscode', 'settings.json'),
    JSON.stringify(
      {
        'iamSwitchboard.workspaceRole': 'dev-readonly',
        'iamSwitchboard.expectedAccountIds': ['222222222222'],
        // The suite's user settings turn the question off; a folder may turn it back on (never off).
        'iamSwitchboard.confirmProductionRoles': true,
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(
    path.join(folder, '.vscode', 'tasks.json'),
    JSON.stringify(
      {
        version: '2.0.0',
        tasks: [{ label: 'deploy', type: 'shell', command: 'echo deploying as $IAM_SWITCHBOARD_ROLE', problemMatcher: [] }],
      },
      null,
      2,
    ),
  );
  browser = await launchBrowser();
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
});

after(async () => {
  await browser?.close();
  // ~/.aws/config is shared by every scenario file: put back what Add wrote into.
  fs.writeFileSync(configFile, originalConfig);
  fs.writeFileSync(credentialsFile, originalCredentials);
});

scenario('opening a folder that names its role offers to assume it', async () => {
  const message = await waitForNotification(page, /This folder deploys with dev-readonly/, 30_000);
  assert.match(message, /assume it now\?/);
  await screenshot(page, 'guardrails-workspace-role-offer');
  await page
    .locator('.notifications-toasts .notification-list-item', { hasText: 'This folder deploys with' })
    .locator('.monaco-button', { hasText: 'Assume' })
    .click();
  await statusBarItem(page, 'dev-readonly').waitFor({ timeout: 20_000 });
});

scenario('Discover Roles on the central user lists the roles its policies allow, and not the denied one', async () => {
  await openViewContainer(page);
  await expandTreeItem(page, 'dev');
  await clickInlineAction(page, 'via profile default', 'Discover Roles…');
  const items = (await quickPickItems(page)).join('\n');
  for (const role of [
    'arn:aws:iam::333333333333:role/Auditor',
    'arn:aws:iam::333333333333:role/BreakGlass',
    'arn:aws:iam::333333333333:role/ReadOnly',
    'arn:aws:iam::222222222222:role/*',
    'arn:aws:iam::*:role/Dev*',
  ]) {
    assert.ok(items.includes(role), `${role} is listed:\n${items}`);
  }
  // alice's inline GuardRails policy denies prod Admin, which her ProdAccess group policy allows.
  assert.ok(!items.includes('role/Admin'), `the denied Admin role is not offered:\n${items}`);
  assert.match(items, /profile prod-readonly/);
  // alice may list the organization's accounts, so a role shows its account's name.
  assert.match(await quickRows(page).filter({ hasText: 'role/Auditor' }).innerText(), /Production/);
  await screenshot(page, 'discover-roles-list');
});

scenario('Try marks the role whose trust policy refuses the user', async () => {
  // Every listed role has a profile already, so none is pre-checked: the person checks Auditor.
  await pickQuickItem(page, 'role/Auditor');
  await page.keyboard.press('Enter');
  await pickQuickItem(page, 'Try Every Role');
  const breakGlass = quickRows(page).filter({ hasText: 'role/BreakGlass' });
  await breakGlass.filter({ hasText: 'refused' }).waitFor({ timeout: 30_000 });
  assert.match(await quickRows(page).filter({ hasText: 'role/ReadOnly' }).innerText(), /works/);
  await screenshot(page, 'discover-roles-tried');
});

scenario(
  'Add writes the new role into a marked block of ~/.aws/config, skips the one a profile has, and it appears in the tree',
  async () => {
    // Try kept the person's Auditor checked; they complete a pattern too (so "Add 2 roles" shows the pick survived Try).
    await pickQuickItem(page, 'arn:aws:iam::222222222222:role/*'); // a pattern: asks for the role name
    await page.keyboard.press('Enter');
    await answerQuickInput(page, 'VaultS3');
    await pickQuickItem(page, /Add 2 roles to ~\/\.aws\/config/);
    // Asked in a notification, not a modal dialog: the diff stays visible.
    const question = await waitForNotification(page, /Write 1 new profile to ~\/\.aws\/config/);
    assert.match(question, /prod-auditor already has its role/);
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no modal dialog covers the diff');
    await page.locator('.editor-group-container .tab', { hasText: 'with the discovered roles' }).first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'discover-roles-diff');
    await page
      .locator('.notifications-toasts .monaco-button', { hasText: /^Write$/ })
      .first()
      .click();
    let text = '';
    for (let i = 0; i < 50 && !text.includes('IAM Switchboard discovered roles'); i++) {
      await page.waitForTimeout(200);
      text = fs.readFileSync(configFile, 'utf8');
    }
    assert.ok(text.startsWith(originalConfig), 'nothing before the block changed');
    const block = text.slice(originalConfig.length);
    assert.match(block, /role_arn = arn:aws:iam::222222222222:role\/VaultS3\nsource_profile = default/);
    assert.doesNotMatch(block, /role\/Auditor/, 'prod-auditor already has Auditor: no second profile');
    assert.doesNotMatch(block, /aws_secret_access_key|aws_session_token/);
    const names = [...block.matchAll(/^\[profile ([^\]]+)\]/gm)].map((m) => m[1]);
    assert.equal(names.length, 1);
    await openViewContainer(page);
    for (const name of names) await treeItem(page, name).first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'discover-roles-added');
  },
);

scenario('Add to iamSwitchboard.accounts writes the chosen role into the settings, and it appears in the tree', async () => {
  // The setting is machine-scoped, so code-server keeps it in Machine/settings.json: both files are put back after.
  const files = ['User', 'Machine'].map((scope) => path.join(e2eEnv().userDataDir, scope, 'settings.json'));
  const before = files.map((file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
  const accountsIn = (file: string): { id: string; roles: string[] }[] => {
    try {
      return (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, never>)['iamSwitchboard.accounts'] ?? [];
    } catch {
      return []; // absent or half written: read again
    }
  };
  try {
    await openViewContainer(page);
    await expandTreeItem(page, 'dev');
    await clickInlineAction(page, 'via profile default', 'Discover Roles…');
    await pickQuickItem(page, 'arn:aws:iam::222222222222:role/*'); // a pattern: asks for the role name
    await page.keyboard.press('Enter');
    await answerQuickInput(page, 'WebServer');
    await pickQuickItem(page, /Add \d+ roles? to iamSwitchboard\.accounts/);
    const written = () => files.flatMap(accountsIn).find((a) => a.id === '222222222222' && a.roles.includes('WebServer'));
    // VS Code writes the settings file a moment after the command returns.
    for (let i = 0; i < 50 && !written(); i++) await page.waitForTimeout(200);
    assert.ok(written(), `the dev account's entry names WebServer: ${JSON.stringify(files.map(accountsIn))}`);
    await treeItem(page, 'dev/WebServer').first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'discover-roles-added-to-settings');
  } finally {
    files.forEach((file, n) => (before[n] === undefined ? fs.rmSync(file, { force: true }) : fs.writeFileSync(file, before[n]!)));
    await treeItem(page, 'dev/WebServer').first().waitFor({ state: 'detached', timeout: 20_000 });
  }
});

scenario('assuming a production role asks first', async () => {
  await clickAssume(page, 'prod-readonly');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 20_000 });
  assert.match(
    await dialog.innerText(),
    /prod-readonly is a production role \(account 333333333333; account 333333333333 is marked production in your user settings\)\. Assume it\?/,
  );
  await screenshot(page, 'guardrails-production-question');
  await dialog.locator('.monaco-button', { hasText: /^Assume$/ }).click();
});

scenario('a task run as a production role in a dev folder is stopped with a question', async () => {
  const item = statusBarItem(page, 'prod-readonly');
  await item.waitFor({ timeout: 20_000 });
  // The wrong account for this folder: the status bar turns to the error colour.
  // (A string: this project compiles without the DOM's types.)
  await page.waitForFunction(
    `[...document.querySelectorAll('.part.statusbar .statusbar-item')].some((e) => e.textContent.includes('prod-readonly') && getComputedStyle(e).backgroundColor !== 'rgba(0, 0, 0, 0)')`,
    undefined,
    { timeout: 10_000 },
  );
  assert.match((await item.getAttribute('aria-label')) ?? (await item.innerText()), /prod-readonly/);
  await screenshot(page, 'guardrails-production-look');
  // Quick Open's `task ` prefix lists the folder's tasks (the palette's first match would be "Rerun Last Task").
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('task deploy');
  await pickQuickItem(page, 'deploy');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 20_000 });
  const question = await dialog.innerText();
  assert.match(
    question,
    /The task 'deploy' would run as prod-readonly in account 333333333333, not the account this workspace expects\. Start it anyway\?/,
  );
  assert.match(question, /expects 222222222222/);
  await screenshot(page, 'guardrails-task-question');
  await dialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
});

scenario('production roles look different in the tree', async () => {
  await openViewContainer(page);
  const prodRow = treeItem(page, 'prod-auditor').first();
  assert.match(await prodRow.innerText(), /production/);
  assert.ok(await prodRow.locator('.codicon-flame').count(), 'a production role has the flame icon');
  const devRow = treeItem(page, 'dev-deployer').first();
  assert.equal(await devRow.locator('.codicon-flame').count(), 0, 'a dev role does not');
  // And so does a terminal opened as one: a flame on its tab.
  await clickInlineAction(page, 'prod-readonly', 'Open Terminal as Role');
  const tab = terminalTab(page, 'AWS: prod-readonly');
  await tab.waitFor({ timeout: 20_000 });
  assert.ok(await tab.locator('.codicon-flame').count(), 'the production terminal tab has the flame icon');
  await screenshot(page, 'guardrails-production-tree');
});

scenario('a user who may not read its group policies is told in one sentence, and still sees what could be read', async () => {
  // erin (test/servers/world.json) may read her own policies only, not her group's. Fake keys, local server only.
  fs.writeFileSync(
    credentialsFile,
    `${originalCredentials}\n[erin]\naws_access_key_id = AKIALOCALERIN0000001\naws_secret_access_key = erinLocalSecretKey000000000000000000000E\n`,
  );
  // The profile list follows the credentials file through a file watcher, a moment after the write: ask again
  // until erin is offered.
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) {
      actedAgain('Discover Roles', 'until erin is offered', {
        mayRetryBecause:
          'VS Code reports a write to ~/.aws/credentials to the file watcher a moment later, and nothing on screen says when',
      });
    }
    await runCommand(page, 'IAM Switchboard: Discover Roles…');
    const erin = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /^erin/ }).first();
    try {
      await erin.waitFor({ timeout: 5_000 });
      break;
    } catch (error) {
      if (attempt === 6) throw error;
      await page.keyboard.press('Escape');
    }
  }
  await pickQuickItem(page, /^erin/);
  const message = await waitForNotification(page, /could not be read/);
  assert.equal(
    message,
    'Some policies could not be read, so roles may be missing: your user lacks iam:ListGroupPolicies and iam:ListAttachedGroupPolicies.',
  );
  // Her own NotResource allow is still offered, as a pattern.
  assert.match((await quickPickItems(page)).join('\n'), /pattern/);
  await screenshot(page, 'discover-roles-permission-problem');
  await page.keyboard.press('Escape');
});
