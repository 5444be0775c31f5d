// A person lets an AI agent write in AWS for a while, in today's VS Code with the real AWS CLI (issue 21): with the
// dev account's Developer role (which may tag roles), a CLAUDECODE=1 command in the person's terminal is the agent's
// own read-only session and AWS refuses its write while the person's own write succeeds; "Grant Write Access to
// Agents…" asks in the extension's own modal, and after Allow the status bar counts down, the Agent access view shows
// the grant and the credentials issued, and the agent's write succeeds, still named agent-claude-code-…; the grant
// row's End makes AWS refuse it again; Clear ends a grant and the agent gets the CLI's no-role sentence; in the
// production account a wrong typed name grants nothing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  answerQuickInput,
  assumeFromTree,
  clickRowAction,
  e2eEnv,
  expandTreeItem,
  foldView,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  runCommand,
  scenario,
  screenshot,
  statusBarItem,
  terminalTab,
  waitForNotification,
} from './driver';
import { expectIn } from './terminalText';

const { awsUrl, workbenchUrl, workspace, home } = e2eEnv();
const aws = `/usr/bin/aws --endpoint-url ${awsUrl}`;
const callerArn = `${aws} sts get-caller-identity --query Arn --output text`;
const tagRole = `${aws} iam tag-role --role-name ReadOnly --tags Key=checked-by,Value=agent-grants`;
/** The shell works the sum out, so the typed line itself never matches the answer. */
const written = /written=42/;
const andSay = ' && echo written=$((40+2))';
const folder = path.join(workspace, 'agent-grants');
const awsConfig = path.join(home, '.aws', 'config');
/** A role that may write (tag the dev account's roles): test/servers/world.json. */
const DEVELOPER_PROFILE = [
  '',
  '[profile dev-developer]',
  'role_arn = arn:aws:iam::222222222222:role/Developer',
  'source_profile = default',
  'role_session_name = alice',
  '',
].join('\n');
const AGENT_DEV = /arn:aws:sts::222222222222:assumed-role\/Developer\/agent-claude-code-alice/;
const PERSON_DEV = /arn:aws:sts::222222222222:assumed-role\/Developer\/alice/;
const DENIED = /AccessDenied.*agent-claude-code-alice is not authorized to perform: iam:TagRole.*no session policy allows/;
const NO_ROLE = /No AWS role is active in VS Code: pick one in IAM Switchboard/;
/** The person's own terminal: VS Code names it after its shell. */
const PERSON = 'bash';

let browser: Browser;
let page: Page;
let originalConfig: string;

before(async () => {
  fs.mkdirSync(folder, { recursive: true });
  originalConfig = fs.readFileSync(awsConfig, 'utf8');
  fs.writeFileSync(awsConfig, originalConfig + DEVELOPER_PROFILE);
  browser = await launchBrowser();
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
  await openViewContainer(page);
  // The Agent access view starts folded (package.json); here it gets the Vault view's height.
  await foldView(page, 'Vault');
  await foldView(page, 'Agent access', false);
  await expandTreeItem(page, 'dev');
  await expandTreeItem(page, 'prod');
});

after(async () => {
  await browser?.close();
  fs.writeFileSync(awsConfig, originalConfig);
});

/** A row of the Agent access view whose text matches. */
function agentRow(text: RegExp): Locator {
  return page
    .locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: /^Agent access/i }) })
    .locator('.monaco-list-row', { hasText: text });
}

const quickInput = () => page.locator('.quick-input-widget:visible');
const dialog = () => page.locator('.monaco-dialog-box');

/** Grant Write Access to Agents… from the palette: claude-code, 15 minutes; leaves the modal open. */
async function askToGrant(): Promise<Locator> {
  await runCommand(page, 'IAM Switchboard: Grant Write Access to Agents…');
  await quickInput()
    .locator('.quick-input-title', { hasText: /^Grant write access in / })
    .waitFor({ timeout: 20_000 });
  const row = quickInput().locator('.quick-input-list .monaco-list-row', { hasText: 'claude-code' });
  await row.click();
  await quickInput()
    .locator('.quick-input-list .monaco-list-row[aria-checked="true"]', { hasText: 'claude-code' })
    .waitFor({ timeout: 5_000 });
  await page.keyboard.press('Enter');
  await quickInput().locator('.quick-input-title', { hasText: 'For how many minutes?' }).waitFor({ timeout: 10_000 });
  await quickInput().locator('.quick-input-list .monaco-list-row', { hasText: '15' }).click();
  const modal = dialog();
  await modal.waitFor({ timeout: 10_000 });
  return modal;
}

async function allow(modal: Locator): Promise<void> {
  await modal.locator('.monaco-button', { hasText: 'Allow for 15 minutes' }).click();
  await modal.waitFor({ state: 'detached', timeout: 10_000 });
}

scenario("the agent is its own read-only session: AWS refuses its write, the person's write succeeds", async () => {
  await assumeFromTree(page, 'dev-developer');
  await runCommand(page, 'Terminal: Create New Terminal');
  await terminalTab(page, PERSON).waitFor({ timeout: 20_000 });
  await page.locator('.part.panel .terminal-wrapper.active .xterm-rows', { hasText: /\S/ }).waitFor({ timeout: 20_000 });
  console.log(`e2e: the agent's caller ARN: ${(await expectIn(page, PERSON, `CLAUDECODE=1 ${callerArn}`, AGENT_DEV)).shown}`);
  await expectIn(page, PERSON, `CLAUDECODE=1 ${tagRole}`, DENIED);
  console.log(`e2e: the person's caller ARN: ${(await expectIn(page, PERSON, callerArn, PERSON_DEV)).shown}`);
  await expectIn(page, PERSON, `${tagRole}${andSay}`, written);
  await agentRow(/claude-code.*· read-only/)
    .first()
    .waitFor({ timeout: 10_000 });
});

scenario('Grant Write Access asks in its own modal; after Allow the agent writes, still as its own session', async () => {
  const modal = await askToGrant();
  const text = await modal.innerText();
  assert.match(text, /Let claude-code write in AWS\?/);
  assert.match(text, /Reason: granted by the person in VS Code/);
  assert.match(text, /Account: dev \(222222222222\)/);
  assert.match(text, /Role: Developer/);
  assert.match(text, /For 15 minutes/);
  await screenshot(page, 'agent-grant-modal');
  await allow(modal);
  await statusBarItem(page, /claude-code may write (1[45]m|\d:\d\d)/).waitFor({ timeout: 10_000 });
  await agentRow(/claude-code.*writes in dev\/Developer · 1[45]m left/).waitFor({ timeout: 10_000 });
  await expectIn(page, PERSON, `CLAUDECODE=1 ${tagRole}${andSay}`, written);
  await expectIn(page, PERSON, `CLAUDECODE=1 ${callerArn}`, AGENT_DEV);
  await agentRow(/claude-code.*· write(?!s)/)
    .first()
    .waitFor({ timeout: 10_000 });
  await screenshot(page, 'agent-access-view');
});

scenario("the grant row's End makes AWS refuse the agent's write again", async () => {
  const grant = agentRow(/claude-code.*writes in dev\/Developer/);
  await clickRowAction(page, grant, 'End Agent Write Access');
  await agentRow(/No agent may write/).waitFor({ timeout: 10_000 });
  await statusBarItem(page, /may write/).waitFor({ state: 'hidden', timeout: 10_000 });
  await expectIn(page, PERSON, `CLAUDECODE=1 ${tagRole}`, DENIED);
});

scenario('Clear Credentials ends a grant, and the agent gets the one sentence of no role', async () => {
  await allow(await askToGrant());
  await agentRow(/claude-code.*writes in dev\/Developer/).waitFor({ timeout: 10_000 });
  await runCommand(page, 'IAM Switchboard: Clear Credentials');
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 10_000 });
  await agentRow(/No agent may write/).waitFor({ timeout: 10_000 });
  await statusBarItem(page, /may write/).waitFor({ state: 'hidden', timeout: 10_000 });
  await expectIn(page, PERSON, `CLAUDECODE=1 ${callerArn}`, NO_ROLE);
});

scenario('in the production account a wrong typed name grants nothing', async () => {
  // The prod roles below the fold get the Agent access view's height while the person picks one.
  await foldView(page, 'Agent access');
  await assumeFromTree(page, 'prod-readonly');
  await foldView(page, 'Agent access', false);
  const modal = await askToGrant();
  assert.match(await modal.innerText(), /Let claude-code write in AWS \(production account\)\?/);
  await allow(modal);
  await quickInput()
    .locator('.quick-input-title', { hasText: 'claude-code: write access to a production account' })
    .waitFor({ timeout: 10_000 });
  await answerQuickInput(page, 'production');
  await waitForNotification(page, /Type the account's name, prod, to allow writes in a production account/);
  await agentRow(/No agent may write/).waitFor({ timeout: 10_000 });
  assert.equal(await statusBarItem(page, /may write/).count(), 0);
  await expectIn(page, PERSON, `CLAUDECODE=1 ${callerArn}`, /arn:aws:sts::333333333333:assumed-role\/ReadOnly\/agent-claude-code-/);
  await screenshot(page, 'agent-grant-production-name-wrong');
});
