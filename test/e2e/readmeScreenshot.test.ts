// The README's picture, as a person sees the product: a normal window (the extension installed, not an
// "[Extension Development Host]"), a folder under the home directory (no temporary path in the prompt), a role
// assumed from the sidebar and a terminal where the plain AWS CLI runs as it. Its own code-server, since the
// shared one loads the extension from source. Saved as test-results/screenshots/readme-hero.png.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type CodeServer, projectRoot, startCodeServer } from './codeServer';
import { demoSettings, prepareDemoHome, prepareDemoWorkspace } from './demoWorld';
import {
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  runCommand,
  screenshot,
  waitForActiveTerminalText,
  assumeFromTree,
  scenario,
} from './driver';

const { awsUrl, vaultUrl, home } = e2eEnv();
let server: CodeServer;
let browser: Browser;
let page: Page;

before(async () => {
  const heroHome = fs.mkdtempSync(path.join(path.dirname(home), 'hero-home-'));
  const env = prepareDemoHome(heroHome);
  const folder = path.join(heroHome, 'infrastructure');
  prepareDemoWorkspace(folder);
  const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    publisher: string;
    name: string;
    version: string;
  };
  server = await startCodeServer({
    workspace: folder,
    settings: { ...demoSettings({ awsUrl, vaultUrl, home: heroHome }), 'workbench.colorTheme': 'Default Light Modern' },
    env,
    // Installed as `npm run demo` installs it, so the window is an ordinary one.
    prepare: (dirs) =>
      fs.symlinkSync(projectRoot, path.join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`), 'dir'),
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
  await openViewContainer(page);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.removeFiles();
});

scenario('the README picture: a role assumed from the sidebar and the plain AWS CLI running as it', async () => {
  await expandTreeItem(page, 'dev');
  await expandTreeItem(page, 'prod');
  await assumeFromTree(page, 'dev-readonly', 'dev-readonly', 30_000);
  await runCommand(page, 'Terminal: Create New Terminal');
  await page.locator('.part.panel .terminal-wrapper.active .xterm-rows', { hasText: /\S/ }).waitFor({ timeout: 20_000 });
  await page.locator('.part.panel .terminal-wrapper.active .xterm-helper-textarea').focus();
  // The demo's terminals reach the local STS with a plain `aws sts`: its endpoint variable and CLI wrapper are there.
  await page.keyboard.type('echo "E=$AWS_ENDPOINT_URL_STS P=$(command -v aws)"');
  await page.keyboard.press('Enter');
  await waitForActiveTerminalText(page, /E=http:\/\/127\.0\.0\.1:\d+ P=\S+hero-home-\w+\/bin\/aws/, 20_000);
  await page.keyboard.type('clear; aws sts get-caller-identity');
  await page.keyboard.press('Enter');
  await waitForActiveTerminalText(page, /assumed-role\/ReadOnly/, 30_000);
  await page.mouse.move(700, 300);
  await screenshot(page, 'readme-hero');
});
