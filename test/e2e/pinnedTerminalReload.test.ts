// Issue 19, major 5: a terminal opened with "Open Terminal as Role" and a Reload Window. VS Code brings ordinary
// terminals back; a pinned one must come back too, still its role (its process kept, the endpoint taking its
// token again), never a process left running unseen with a token the endpoint refuses.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  clickInlineAction,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  reloadWorkbench,
  runInTerminal,
  scenario,
  screenshot,
  statusBarItem,
  terminalTab,
  waitForActiveTerminalText,
} from './driver';

const { awsUrl, workbenchUrl, workspace, userDataDir } = e2eEnv();
// A machine-scoped setting: code-server reads it from the remote's Machine settings.
const machineSettings = path.join(userDataDir, 'Machine', 'settings.json');
const originalMachineSettings = fs.readFileSync(machineSettings, 'utf8');
const callerArn = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;
const DEV_READONLY = /arn:aws:sts::222222222222:assumed-role\/ReadOnly\/\S+/;
const NAME = 'AWS: dev-readonly';

let browser: Browser;
let page: Page;
let step = 0;

before(async () => {
  browser = await launchBrowser();
  // A folder of its own, so terminals restored from other scenarios do not sit beside these.
  const folder = path.join(workspace, 'pinned-terminal-reload');
  fs.mkdirSync(folder, { recursive: true });
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
  await openViewContainer(page);
  await expandTreeItem(page, 'dev');
});

after(async () => {
  await browser?.close();
  fs.writeFileSync(machineSettings, originalMachineSettings);
});

/** Runs `command` in the terminal named `name` and returns what it printed on the marked line. */
async function runIn(name: string, command: string, expected: RegExp): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const marker = `out${++step}`;
    await runInTerminal(page, name, `echo "${marker}:$(${command})"`);
    try {
      await waitForActiveTerminalText(page, new RegExp(`${marker}:${expected.source}`), 15_000);
      const text = (await page.locator('.part.panel .terminal-wrapper.active .xterm-rows').innerText()).replace(/\u00a0/g, ' ');
      return new RegExp(`${marker}:(${expected.source})`).exec(text)![1];
    } catch (error) {
      if (attempt === 2) throw error;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

scenario('a pinned terminal comes back after Reload Window, the same process, still its role', async () => {
  await clickInlineAction(page, 'dev-readonly', 'Open Terminal as Role');
  await terminalTab(page, NAME).waitFor({ timeout: 20_000 });
  const pid = Number(await runIn(NAME, 'echo $$', /\d+/));
  await runIn(NAME, callerArn, DEV_READONLY);
  await reloadWorkbench(page);
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 20_000 });
  // Not an orphan: the tab is back, and it is the shell that was running before.
  await terminalTab(page, NAME).waitFor({ timeout: 30_000 });
  assert.equal(Number(await runIn(NAME, 'echo $$', /\d+/)), pid, 'the same shell, reconnected');
  assert.ok(alive(pid));
  // Its token is taken again: the AWS CLI there is still the role its name says.
  assert.match(await runIn(NAME, callerArn, DEV_READONLY), DEV_READONLY);
  await screenshot(page, 'pinned-terminal-after-reload');
});

scenario('closing the restored pinned terminal ends its process and its token', async () => {
  // The terminal's own token: the last of the list VS Code's collection may put in front of it.
  const token = await runIn(NAME, 'echo ${AWS_CONTAINER_AUTHORIZATION_TOKEN##*,}', /iamsbp_[\w-]{43}/);
  const url = await runIn(NAME, 'echo $AWS_CONTAINER_CREDENTIALS_FULL_URI', /http\S+/);
  assert.equal((await fetch(url, { headers: { Authorization: token } })).status, 200);
  await terminalTab(page, NAME).click();
  await page.keyboard.press('Escape');
  await runInTerminal(page, NAME, 'exit');
  for (let waited = 0; ; waited += 250) {
    const status = (await fetch(url, { headers: { Authorization: token } })).status;
    if (status === 403) break;
    assert.ok(waited < 10_000, `the closed terminal's token still gets ${status}`);
    await page.waitForTimeout(250);
  }
});

scenario('a terminal that cannot come back (its keys in its environment) does not run on unseen after a reload', async () => {
  const settings = JSON.parse(originalMachineSettings) as Record<string, unknown>;
  fs.writeFileSync(machineSettings, JSON.stringify({ ...settings, 'iamSwitchboard.terminalCredentials': 'environment' }, null, 2));
  await reloadWorkbench(page);
  await expandTreeItem(page, 'dev');
  await clickInlineAction(page, 'dev-readonly', 'Open Terminal as Role');
  await terminalTab(page, NAME).waitFor({ timeout: 20_000 });
  const pid = Number(await runIn(NAME, 'echo $$', /\d+/));
  await runIn(NAME, callerArn, DEV_READONLY);
  await reloadWorkbench(page);
  // VS Code does not bring it back (it holds keys the new window knows nothing of), and its process ends.
  for (let waited = 0; alive(pid); waited += 250) {
    assert.ok(waited < 30_000, `the shell ${pid} of the vanished terminal still runs`);
    await page.waitForTimeout(250);
  }
  assert.equal(await terminalTab(page, NAME).count(), 0);
});
