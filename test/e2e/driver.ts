// What a person does in the workbench, for the UI scenarios: open the page, the sidebar, the command palette,
// quick inputs, notifications and terminals, and take pictures. Selectors measured against code-server's workbench.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { type Browser, type Locator, type Page, chromium } from 'playwright-core';

export const screenshotsDir = path.resolve(__dirname, '..', '..', '..', 'test-results', 'screenshots');
/** Where this process saves pictures: the runner gives a second try a folder of its own, so both tries' remain. */
const picturesDir = (): string => process.env.IAM_SWITCHBOARD_SCREENSHOTS || screenshotsDir;

export const chromiumPath = (): string => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What test/e2e/run.ts tells each scenario, through the environment. */
export interface E2eEnv {
  /** Workbench page URL with the extension under development loaded. */
  workbenchUrl: string;
  codeServerUrl: string;
  awsUrl: string;
  vaultUrl: string;
  vaultRootToken: string;
  /** The local IAM Identity Center (its test controls live under /__test/). */
  ssoUrl: string;
  /** The HOME of code-server's terminals, holding .aws/config and .aws/credentials. */
  home: string;
  workspace: string;
  userDataDir: string;
}

export function e2eEnv(): E2eEnv {
  const raw = process.env.IAM_SWITCHBOARD_E2E;
  if (!raw) throw new Error('IAM_SWITCHBOARD_E2E is not set: run the scenarios through `npm run test:vscode`.');
  return JSON.parse(raw) as E2eEnv;
}

export async function launchBrowser(): Promise<Browser> {
  // Chromium writes its profile under HOME and the XDG folders unless pointed elsewhere.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-chromium-'));
  const browser = await chromium
    .launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home, XDG_DATA_HOME: home },
    })
    .catch((error: unknown) => {
      fs.rmSync(home, { recursive: true, force: true });
      throw error;
    });
  browser.on('disconnected', () => fs.rmSync(home, { recursive: true, force: true }));
  return browser;
}

/** The workbench page a scenario opened last: the one pictured when a scenario fails. */
let lastWorkbench: Page | undefined;

/** Opens the workbench and waits until it is ready to use. */
export async function openWorkbench(browser: Browser, url = e2eEnv().workbenchUrl): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  lastWorkbench = page;
  await page.goto(url);
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
  return page;
}

/** Clicks the activity-bar icon of a view container (IAM Switchboard by default) unless it is already open. */
export async function openViewContainer(page: Page, title = 'IAM Switchboard'): Promise<void> {
  // VS Code 1.100 puts the name on the icon's link; the list item carries aria-expanded.
  const icon = page.locator(`.part.activitybar .action-item:has(> .action-label[aria-label^="${title}"])`);
  await icon.waitFor({ timeout: 30_000 });
  if ((await icon.getAttribute('aria-expanded')) !== 'true') await icon.click();
  await page.locator('.part.sidebar .composite.title', { hasText: title }).waitFor({ timeout: 10_000 });
}

/**
 * Folds a view of the open sidebar (say, Vault) so the others get its height: a tree only draws the rows that are
 * on screen, so rows below the fold cannot be found. The workbench remembers it per folder: unfold it afterwards
 * (`folded = false`) where later scenarios share the folder.
 */
export async function foldView(page: Page, name: string, folded = true): Promise<void> {
  const header = page.locator('.part.sidebar .pane-header', { hasText: new RegExp(`^${escapeRegExp(name)}`, 'i') }).first();
  await header.waitFor({ timeout: 20_000 });
  if ((await header.getAttribute('aria-expanded')) === String(folded)) await header.click();
}

/** A row in a tree view, by its label text. */
export function treeItem(page: Page, label: string): Locator {
  return page.locator('.part.sidebar .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
  });
}

/** Waits for a tree row and expands it if it is collapsed. */
export async function expandTreeItem(page: Page, label: string, options?: MayRetry): Promise<void> {
  await unfoldRow(treeItem(page, label).first(), options);
}

/**
 * Clicks a folded row and waits until the tree says it is unfolded. When it does not, it clicks again, as a
 * person would, and counts that: the scenario fails for it (see `actedAgain`).
 */
export async function unfoldRow(row: Locator, options?: MayRetry): Promise<void> {
  await row.waitFor({ timeout: 20_000 });
  const folded = async () => (await row.getAttribute('aria-expanded')) === 'false';
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (!(await folded())) return;
    if (attempt > 1) actedAgain('unfoldRow', await row.innerText().catch(() => 'a row'), options);
    await row.click();
    // Long enough for a busy machine: clicking again too early would fold a row that was about to unfold.
    for (let wait = 0; wait < 50 && (await folded()); wait++) await row.page().waitForTimeout(100);
  }
  if (await folded()) throw new Error(`the row '${await row.innerText()}' did not unfold`);
}

/** Runs a command from the palette by its title, e.g. "IAM Switchboard: Switch Role…". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await findCommand(page, title);
  await page.keyboard.press('Enter');
}

/** Types a command's title into the palette and waits until it is the row Enter would run. */
export async function findCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  // Row text includes the keybinding, so match the start only.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
}

/** Rows currently offered by the open quick pick. */
export async function quickPickItems(page: Page): Promise<string[]> {
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  await rows.first().waitFor({ timeout: 10_000 });
  return rows.allInnerTexts();
}

/** Picks the quick-pick row containing `text`. */
export async function pickQuickItem(page: Page, text: string | RegExp): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first().click();
}

/** Types an answer into the open input box or quick pick and accepts it. */
export async function answerQuickInput(page: Page, answer: string): Promise<void> {
  const input = page.locator('.quick-input-widget:visible input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(answer);
  await page.keyboard.press('Enter');
}

/** Texts of the notification toasts on screen. */
export function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
}

/** Waits for a notification toast whose text matches, and returns its text. */
export async function waitForNotification(page: Page, text: string | RegExp, timeout = 20_000): Promise<string> {
  const toast = page.locator('.notifications-toasts .notification-list-item-message', { hasText: text }).first();
  try {
    await toast.waitFor({ timeout });
  } catch (error) {
    // Say what the person would have seen instead: the notifications on screen, and a picture of the page.
    const shown = await page
      .locator('.notifications-toasts .notification-list-item-message')
      .allInnerTexts()
      .catch(() => []);
    const file = await screenshot(page, `failed-${Date.now()}`).catch(() => 'none');
    throw new Error(`notification ${text} never showed; on screen: ${JSON.stringify(shown)}; screenshot: ${file}`, { cause: error });
  }
  return toast.innerText();
}

export async function createTerminal(page: Page): Promise<void> {
  await runCommand(page, 'Terminal: Create New Terminal');
  await page.locator('.xterm-helper-textarea').last().waitFor({ state: 'attached', timeout: 20_000 });
  // The shell prints its prompt shortly after the terminal appears; typing earlier can lose keys.
  await waitForTerminalText(page, /\S/);
}

/** Types a line into the panel's active terminal and presses Enter. (Terminals that earlier scenarios left may be
 *  restored beside it, so the last one in the page is not necessarily the one on screen.) */
export async function typeInTerminal(page: Page, line: string): Promise<void> {
  await page.locator('.part.panel .terminal-wrapper.active .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Text the visible terminal shows. */
export async function terminalText(page: Page): Promise<string> {
  return (await page.locator('.xterm-rows:visible').last().innerText()).replace(/\u00a0/g, ' ');
}

export async function waitForTerminalText(page: Page, pattern: RegExp, timeout = 20_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = await terminalText(page).catch(() => '');
    if (pattern.test(text)) return text;
    await page.waitForTimeout(250);
  }
  throw new Error(`terminal never showed ${pattern}; it shows:\n${text}`);
}

/** The status bar item showing `text`. */
export function statusBarItem(page: Page, text: string | RegExp): Locator {
  return page.locator('.part.statusbar .statusbar-item', { hasText: text }).first();
}

/** Hovers a role row of the AWS Roles view and clicks its inline Assume button. */
export async function clickAssume(page: Page, label: string, options?: MayRetry): Promise<void> {
  await clickRowAction(page, treeItem(page, label).first(), 'Assume Role', 20_000, options);
}

/**
 * Assumes a role from its row's inline button and waits until the status bar shows `status`. When nothing happened
 * (no status, no "Assuming" progress) within a few seconds, the click was lost: it clicks again, as a person would,
 * and counts that (see `actedAgain`).
 */
export async function assumeFromTree(
  page: Page,
  label: string,
  status: string | RegExp = label,
  timeout = 20_000,
  options?: MayRetry,
): Promise<void> {
  const done = statusBarItem(page, status);
  const assuming = page.locator('.notifications-toasts .notification-list-item', { hasText: `Assuming ${label}` });
  const deadline = Date.now() + timeout;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    if (attempt > 1) actedAgain('assumeFromTree', label, options);
    await clickAssume(page, label, options);
    const quietUntil = Date.now() + 4_000;
    while (Date.now() < deadline) {
      if (await done.isVisible()) return;
      if (Date.now() > quietUntil && !(await assuming.isVisible())) break;
      await page.waitForTimeout(200);
    }
  }
  await done.waitFor({ timeout: 1 });
}

/** Saves a picture of the page to test-results/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(picturesDir(), { recursive: true });
  const file = path.join(picturesDir(), `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Developer: Reload Window, then waits until the IAM Switchboard sidebar is back. */
export async function reloadWorkbench(page: Page): Promise<void> {
  await reloadWindow(page);
  // The workbench restores its last sidebar while it loads and says nothing when done, so a click on the
  // activity bar icon could toggle it shut. "View: Show IAM Switchboard" only ever opens it.
  await runCommand(page, 'View: Show IAM Switchboard');
  await page.locator('.part.sidebar .composite.title', { hasText: 'IAM Switchboard' }).waitFor({ timeout: 10_000 });
}

/** Developer: Reload Window (which saves the window's state first, unlike a page reload), until the new one is up. */
export async function reloadWindow(page: Page): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { timeout: 30_000 });
  await runCommand(page, 'Developer: Reload Window');
  await navigated;
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
}

// ---- terminals in the panel (terminals of earlier scenarios may be restored beside new ones) ----

/** Hovers the first row labelled `label` and clicks its inline action `action`. */
export async function clickInlineAction(page: Page, label: string, action: string, options?: MayRetry): Promise<void> {
  await clickRowAction(page, treeItem(page, label).first(), action, 20_000, options);
}

/**
 * Hovers `row` and clicks its inline action whose label starts with `action`. Inline actions show only while the
 * row is hovered, and a tree redraw of the row under a still mouse loses the hover and its buttons: the mouse then
 * leaves and hovers again, as a person would, and that counts (see `actedAgain`).
 */
export async function clickRowAction(page: Page, row: Locator, action: string, timeout = 20_000, options?: MayRetry): Promise<void> {
  const button = row.locator(`.action-label[aria-label^="${action}"]`);
  const deadline = Date.now() + timeout;
  for (let attempt = 1; ; attempt++) {
    await row.waitFor({ timeout: Math.max(1, deadline - Date.now()) });
    if (attempt > 1) actedAgain('clickRowAction', `${action} on '${await row.innerText().catch(() => 'a row')}'`, options);
    await page.mouse.move(0, 0);
    await row.hover();
    try {
      await button.click({ timeout: 2_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

// ---- acting again ----

/** Why the product cannot promise that a person's first action lands: a reason a reviewer accepts, not "flaky". */
export interface MayRetry {
  mayRetryBecause?: string;
}

/** Why a line typed into a terminal may be typed again (the scenarios that check a terminal's identity do). */
export const TERMINAL_KEYS =
  'the workbench can drop keys typed into a terminal it has only just shown (xterm.js, before its shell is listening); the extension has no part in it';

/** The extra actions of the scenario running now. */
const extraActions: { what: string; because?: string }[] = [];

/**
 * Records that a helper (or a scenario's own loop) acted a second time where one action should have done: a person
 * would have had to act again too. The scenario fails for it at its end, unless the call said why the product
 * cannot promise that a first action lands (`mayRetryBecause`).
 */
export function actedAgain(helper: string, target: string, options?: MayRetry): void {
  const because = options?.mayRetryBecause;
  extraActions.push({ what: `${helper}: ${target}`, because });
  console.log(`e2e: acted again, ${helper}: ${target}${because ? ` (allowed: ${because})` : ''}`);
}

/** Runs a scenario's body, says how often it acted again, and fails for the extra actions no call explained. */
async function countingExtraActions(fn: () => Promise<void>): Promise<void> {
  extraActions.length = 0;
  try {
    await fn();
  } finally {
    const allowed = extraActions.filter((a) => a.because).length;
    if (extraActions.length) console.log(`e2e: this scenario acted again ${extraActions.length} time(s), ${allowed} with a reason`);
  }
  const unexplained = extraActions.filter((a) => !a.because);
  if (unexplained.length) {
    throw new Error(
      `a first action did not land, so a person would have had to act again: ${unexplained.map((a) => a.what).join('; ')}. ` +
        'Find what lost it (a redraw under the mouse?), or pass { mayRetryBecause } saying why the product cannot promise it.',
    );
  }
}

/**
 * `test` from node:test, with a picture of the workbench when a scenario fails
 * (test-results/screenshots/failed-…), so a failure in CI can be seen as the person would have seen it.
 */
export function scenario(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    try {
      await countingExtraActions(fn);
    } catch (error) {
      if (lastWorkbench && !lastWorkbench.isClosed()) await screenshot(lastWorkbench, `failed-${slug}`).catch(() => undefined);
      throw error;
    }
    // A second try pictures its passes too, to set beside the first try's failure (run.ts names flaky files).
    if (process.env.IAM_SWITCHBOARD_SECOND_TRY && lastWorkbench && !lastWorkbench.isClosed()) {
      await screenshot(lastWorkbench, `passed-${slug}`).catch(() => undefined);
    }
  });
}

/** The terminal tab (or single-terminal title) named `name` in the panel. */
export function terminalTab(page: Page, name: string) {
  return page.locator('.part.panel .terminal-tabs-entry, .part.panel .single-terminal-tab', { hasText: name }).first();
}

/** Shows the terminal named `name` and runs `line` in it. Terminals of earlier scenarios may be restored next to
 *  it, so this works on the panel's active terminal rather than the newest one. */
export async function runInTerminal(page: Page, name: string, line: string): Promise<void> {
  await terminalTab(page, name).click();
  await page.locator('.part.panel .terminal-wrapper.active .xterm-rows', { hasText: /\S/ }).waitFor({ timeout: 20_000 });
  await page.locator('.part.panel .terminal-wrapper.active .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

export async function waitForActiveTerminalText(page: Page, pattern: RegExp, timeout = 20_000): Promise<void> {
  await waitForRowsText(page.locator('.part.panel .terminal-wrapper.active .xterm-rows'), pattern, timeout, 'the active terminal');
}

/** Waits until a terminal's rows show `pattern`; the error names `what` and shows what they show. */
async function waitForRowsText(rows: Locator, pattern: RegExp, timeout: number, what: string): Promise<void> {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (await rows.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
    if (pattern.test(text)) return;
    await rows.page().waitForTimeout(100);
  }
  throw new Error(`${what} never showed ${pattern}; it shows:\n${text}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- events instead of sleeps: a new terminal on screen, a line in the extension's log ----

/**
 * Runs `open`, then waits until a terminal that was not in the panel before is the active one and its shell has
 * printed `ready` (its prompt): keys typed from then on reach the shell. The panel's earlier terminals keep their
 * text, so waiting for text alone could pass on the terminal that was showing before.
 */
export async function openedTerminal(page: Page, open: () => Promise<void>, ready: RegExp = /\S/, timeout = 20_000): Promise<void> {
  await page.locator('.part.panel .terminal-wrapper').evaluateAll((wrappers) => {
    for (const wrapper of wrappers) wrapper.setAttribute('data-e2e-earlier', '');
  });
  await open();
  const rows = page.locator('.part.panel .terminal-wrapper.active:not([data-e2e-earlier]) .xterm-rows');
  await rows.waitFor({ timeout });
  await waitForRowsText(rows, ready, timeout, 'the new terminal');
}

/** Where the extension's log (its output channel) had got to: a later wait looks only at what came after. */
export interface LogMark {
  file?: string;
  length: number;
}

/** The log file VS Code writes the IAM Switchboard output channel to, in the newest extension host. */
function extensionLogFile(): string | undefined {
  const logs = path.join(e2eEnv().userDataDir, 'logs');
  if (!fs.existsSync(logs)) return undefined;
  const files = (fs.readdirSync(logs, { recursive: true }) as string[])
    .filter((name) => path.basename(name) === 'IAM Switchboard.log')
    .map((name) => path.join(logs, name));
  return files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

export function markExtensionLog(): LogMark {
  const file = extensionLogFile();
  return { file, length: file ? fs.readFileSync(file, 'utf8').length : 0 };
}

/** Waits until the extension logs a line matching `pattern` after `mark`, and returns that line. */
export async function waitForExtensionLog(page: Page, mark: LogMark, pattern: RegExp, timeout = 20_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    const file = extensionLogFile();
    if (file) {
      text = fs.readFileSync(file, 'utf8');
      if (file === mark.file) text = text.slice(mark.length);
      const line = text.split('\n').find((l) => pattern.test(l));
      if (line) return line;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`the extension's log never said ${pattern} after the mark; since then it says:\n${text}`);
}
