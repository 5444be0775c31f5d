// The UI at 2,000 roles (called from bench.ts): code-server started as the e2e harness starts it, with a HOME whose
// ~/.aws/config holds the roles, driven by Chromium. Each time runs in the page's clock, from the input event
// (keydown or mousedown) to the first animation frame that shows the rows, so it holds the extension host's work,
// the RPC to the workbench and the drawing. No local servers: listing roles reads only the files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type CodeServer, projectRoot, startCodeServer, workbenchUrl } from '../e2e/codeServer';
import { unsetInheritedCredentials } from '../e2e/demoWorld';
import { findCommand, launchBrowser, openViewContainer, openWorkbench, reloadWindow, statusBarItem, treeItem } from '../e2e/driver';
import { writeLargeConfig } from './configScale';
import { median } from './stats';

export interface RolesUiOptions {
  roles?: number;
  accounts?: number;
  /** Switch Role opened this many times in one window, the first with the config unread. */
  pickRuns?: number;
  /** The view opened (and an account unfolded) in this many fresh windows: each a new extension host that has not
   *  read the config yet. */
  viewRuns?: number;
}

export interface RolesUiFigures {
  roles: number;
  accounts: number;
  rolesPerAccount: number;
  /** Enter on "IAM Switchboard: Switch Role…" → first frame with role rows; the first one also reads the config. */
  pickMs: number[];
  /** Items the quick pick holds (its rows' aria-setsize: roles and separators) and rows it drew. */
  pickItems: number;
  pickRowsDrawn: number;
  /** Click on the activity bar icon, extension active but config unread → first frame with the account rows. */
  viewOpenMs: number[];
  /** Rows the tree had fetched when it first drew (its list's height / row height) and rows it drew. */
  treeRowsLoaded: number;
  treeRowsDrawn: number;
  /** Click on the first account row, then unfolded for the first time → first frame with its role rows. */
  unfoldMs: number[];
  /** Rows the tree holds after that. */
  treeRowsAfterUnfold: number;
}

const WAIT_MS = 30_000;
/** The whole piece gives up after this, so a workbench that hangs cannot hang the bench. */
const BUDGET_MS = 150_000;
/**
 * A new window keeps its extension host busy for a moment after the extension activated (built-in extensions
 * start too); a click then waits behind that, which is the window's cost, not the view's.
 */
const SETTLE_MS = 2_000;
/** The first account and its first role in tree order (writeLargeConfig's numbering, sorted by label). */
const FIRST_ACCOUNT = '100000000000';
const FIRST_ROLE = 'role-0';

// Page-side checks, as strings: this project compiles without the DOM's types.
const recordInputs = `(() => {
  window.__benchInput = 0;
  if (window.__benchListening) return;
  window.__benchListening = true;
  for (const type of ['keydown', 'mousedown']) window.addEventListener(type, (e) => { window.__benchInput = e.timeStamp; }, true);
})()`;
const pickShown = `(() => {
  const widget = document.querySelector('.quick-input-widget');
  if (!widget || widget.style.display === 'none' || !widget.querySelector('.quick-input-title')?.textContent?.includes('Switch Role')) return false;
  return [...widget.querySelectorAll('.quick-input-list .monaco-list-row .label-name')].some((e) => /^role-\\d+$/.test(e.textContent));
})()`;
const pickCounts = `(() => {
  const rows = [...document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row')];
  return { items: Number(rows[0]?.getAttribute('aria-setsize') ?? 0), drawn: rows.length };
})()`;
const sidebarRow = (label: string) =>
  `[...document.querySelectorAll('.part.sidebar .monaco-list-row')].find((row) => [...row.querySelectorAll('.label-name')].some((e) => e.textContent === ${JSON.stringify(label)}))`;
// The list sizes its scrolling area for every row it holds, drawn or not.
const treeCounts = `(() => {
  const row = ${sidebarRow(FIRST_ACCOUNT)};
  const list = row.closest('.monaco-list');
  const height = parseFloat(list.querySelector('.monaco-list-rows').style.height);
  return { loaded: Math.round(height / row.offsetHeight), drawn: list.querySelectorAll('.monaco-list-row').length };
})()`;

/** Milliseconds from the last keydown/mousedown that `act` causes to the first frame where `shown` holds. */
async function timeUntilShown(page: Page, act: () => Promise<void>, shown: string): Promise<number> {
  await page.evaluate(recordInputs);
  await act();
  const at = await page.waitForFunction(`(${shown}) && performance.now()`, undefined, { polling: 'raf', timeout: WAIT_MS });
  const end = (await at.jsonValue()) as number;
  const start = (await page.evaluate('window.__benchInput')) as number;
  // No input: the rows were there without one (a view the window restored open), which times nothing.
  if (!start) throw new Error('the rows showed without a key or click to time');
  return end - start;
}

/** Opens Switch Role, times it, counts its rows and closes it. */
async function openSwitchRole(page: Page): Promise<{ ms: number; items: number; drawn: number }> {
  await findCommand(page, 'IAM Switchboard: Switch Role');
  const ms = await timeUntilShown(page, () => page.keyboard.press('Enter'), pickShown);
  const counts = (await page.evaluate(pickCounts)) as { items: number; drawn: number };
  await page.keyboard.press('Escape');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: WAIT_MS });
  return { ms, ...counts };
}

/** A window showing the Explorer, once the extension has activated (its status bar item is there) and settled. */
async function readyWindow(page: Page): Promise<void> {
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: WAIT_MS });
  await page.waitForTimeout(SETTLE_MS);
}

/** Opens the view, then unfolds the first account; with the tree's row counts after each. */
async function openAndUnfold(
  page: Page,
): Promise<{ open: number; unfold: number; opened: { loaded: number; drawn: number }; unfolded: number }> {
  const open = await timeUntilShown(page, () => openViewContainer(page), `!!${sidebarRow(FIRST_ACCOUNT)}`);
  const opened = (await page.evaluate(treeCounts)) as { loaded: number; drawn: number };
  const account = treeItem(page, FIRST_ACCOUNT).first();
  if ((await account.getAttribute('aria-expanded')) === 'true') {
    // Unfolded already (a small catalog, or a build before accounts started folded): fold it first.
    await account.click();
    await treeItem(page, FIRST_ROLE).waitFor({ state: 'detached', timeout: WAIT_MS });
  }
  const unfold = await timeUntilShown(page, () => account.click(), `!!${sidebarRow(FIRST_ROLE)}`);
  const unfolded = ((await page.evaluate(treeCounts)) as { loaded: number }).loaded;
  return { open, unfold, opened, unfolded };
}

async function measure(
  browser: Browser,
  server: CodeServer,
  options: Required<RolesUiOptions>,
): Promise<Omit<RolesUiFigures, 'roles' | 'accounts' | 'rolesPerAccount'>> {
  const page = await openWorkbench(browser, workbenchUrl(server, { extensionDevelopmentPath: projectRoot }));
  await readyWindow(page);
  // The first pick reads the config; the view, in the windows after, reads it again in each.
  const picks: { ms: number; items: number; drawn: number }[] = [];
  for (let i = 0; i < options.pickRuns; i++) picks.push(await openSwitchRole(page));

  const views: Awaited<ReturnType<typeof openAndUnfold>>[] = [];
  for (let i = 0; i < options.viewRuns; i++) {
    if (i > 0) await openViewContainer(page, 'Explorer'); // so the reloaded window does not open the view by itself
    await reloadWindow(page);
    await readyWindow(page);
    views.push(await openAndUnfold(page));
  }
  return {
    pickMs: picks.map((p) => p.ms),
    pickItems: picks[0].items,
    pickRowsDrawn: picks[0].drawn,
    viewOpenMs: views.map((v) => v.open),
    treeRowsLoaded: views[0].opened.loaded,
    treeRowsDrawn: views[0].opened.drawn,
    unfoldMs: views.map((v) => v.unfold),
    treeRowsAfterUnfold: views[0].unfolded,
  };
}

/** The figures, or why they could not be taken (code-server missing, the workbench never ready…). */
export async function rolesUiBench(options: RolesUiOptions = {}): Promise<RolesUiFigures | { error: string }> {
  const o: Required<RolesUiOptions> = { roles: 2000, accounts: 20, pickRuns: 5, viewRuns: 3, ...options };
  const config = writeLargeConfig(o.roles, o.accounts);
  // With a workspace setting the extension activates with the window, so the first open is not also its activation.
  const workspace = path.join(config.home, 'workspace');
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), '{}\n');
  const open: { server?: CodeServer; browser?: Browser; stopping?: boolean } = {};
  const run = async () => {
    open.server = await startCodeServer({
      workspace,
      env: {
        ...unsetInheritedCredentials(),
        HOME: config.home,
        AWS_CONFIG_FILE: config.files.configPath,
        AWS_SHARED_CREDENTIALS_FILE: config.files.credentialsPath,
      },
    });
    if (open.stopping) throw new Error('stopped');
    open.browser = await launchBrowser();
    if (open.stopping) throw new Error('stopped');
    return measure(open.browser, open.server, o);
  };
  const running = run();
  // code-server runs in its own process group, which a Ctrl-C of the bench does not reach: stop it here.
  const interrupted = () => void cleanUp().finally(() => process.exit(130));
  const cleanUp = async () => {
    open.stopping = true;
    await open.browser?.close().catch(() => undefined);
    await running.catch(() => undefined); // ends soon without its browser; code-server's start has its own timeout
    await open.browser?.close().catch(() => undefined);
    await open.server?.stop();
    open.server?.removeFiles();
    config.dir.remove();
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  let timer: NodeJS.Timeout | undefined;
  try {
    const budget = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not done within ${BUDGET_MS / 1000} s`)), BUDGET_MS);
    });
    const figures = await Promise.race([running, budget]);
    return { roles: o.roles, accounts: o.accounts, rolesPerAccount: Math.ceil(o.roles / o.accounts), ...figures };
  } catch (error) {
    return { error: (error instanceof Error ? error.message : String(error)).split('\n')[0] };
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    await cleanUp();
  }
}

/** One line per figure, for a run of this piece alone. */
export function formatRolesUiFigures(f: RolesUiFigures | { error: string }): string[] {
  if ('error' in f) return [`roles UI not measured: ${f.error}`];
  const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
  return [
    `Switch Role, ${f.roles} roles: median ${median(f.pickMs).toFixed(0)} ms (${list(f.pickMs)}); ${f.pickItems} items, ${f.pickRowsDrawn} rows drawn`,
    `AWS Roles view open: median ${median(f.viewOpenMs).toFixed(0)} ms (${list(f.viewOpenMs)}); ${f.treeRowsLoaded} rows fetched, ${f.treeRowsDrawn} drawn`,
    `unfold an account of ${f.rolesPerAccount} roles: median ${median(f.unfoldMs).toFixed(0)} ms (${list(f.unfoldMs)}); ${f.treeRowsAfterUnfold} rows fetched after`,
  ];
}

if (require.main === module) {
  rolesUiBench()
    .then((f) => console.log(formatRolesUiFigures(f).join('\n')))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
