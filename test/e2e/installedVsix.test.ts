// What ships is what is tested: the .vsix `npm run package` makes (vsce, from the built dist/), installed into a
// code-server of its own with `--install-extension`, as a person who installs it from a file does. They assume a
// role from the sidebar, and a terminal's AWS CLI runs as that role. The other scenarios load the sources' folder.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type CodeServer, projectRoot, startCodeServer } from './codeServer';
import { demoSettings, prepareDemoHome, prepareDemoWorkspace } from './demoWorld';
import {
  clickAssume,
  createTerminal,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  scenario,
  screenshot,
  statusBarItem,
  typeInTerminal,
  waitForTerminalText,
} from './driver';

const { awsUrl, vaultUrl, home } = e2eEnv();
const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
  publisher: string;
  name: string;
  version: string;
};
const installedId = `${manifest.publisher}.${manifest.name}-${manifest.version}`;
let packDir: string;
let server: CodeServer;
let browser: Browser;
let page: Page;

before(async () => {
  packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-vsix-'));
  const vsix = path.join(packDir, `${manifest.name}.vsix`);
  // `npm run package` without its build step: npm test has just built dist/.
  const vsce = path.join(projectRoot, 'node_modules', '.bin', 'vsce');
  execFileSync(vsce, ['package', '--no-dependencies', '--no-rewrite-relative-links', '-o', vsix], { cwd: projectRoot, stdio: 'pipe' });
  const vsixHome = fs.mkdtempSync(path.join(path.dirname(home), 'vsix-home-'));
  const folder = path.join(vsixHome, 'infrastructure');
  prepareDemoWorkspace(folder);
  server = await startCodeServer({
    workspace: folder,
    settings: demoSettings({ awsUrl, vaultUrl, home: vsixHome }),
    env: prepareDemoHome(vsixHome),
    installExtensions: [vsix],
    linkExtension: false,
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  server?.removeFiles();
  if (packDir) fs.rmSync(packDir, { recursive: true, force: true });
});

scenario('the packaged .vsix installs as an ordinary extension: its files, not a link to the sources', async () => {
  const installed = path.join(server.dirs.extensions, installedId);
  assert.ok(fs.existsSync(path.join(installed, 'dist', 'extension.js')), `${installedId} was not installed from the .vsix`);
  assert.ok(!fs.lstatSync(installed).isSymbolicLink(), 'the installed extension is a copy, not a link');
  assert.ok(!fs.existsSync(path.join(installed, 'src')), 'the .vsix carries the bundles, not the sources');
  assert.ok(fs.existsSync(path.join(installed, 'dist', 'aws', 'stsSdk.mjs')), 'the STS bundle is in the .vsix');
});

scenario('from the installed .vsix, a role assumed in the sidebar is what a new terminal’s AWS CLI runs as', async () => {
  await openViewContainer(page);
  await expandTreeItem(page, 'dev');
  await clickAssume(page, 'dev-readonly');
  await statusBarItem(page, 'dev-readonly').waitFor({ timeout: 30_000 });
  await createTerminal(page);
  await typeInTerminal(page, `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`);
  await waitForTerminalText(page, /arn:aws:sts::222222222222:assumed-role\/ReadOnly\/alice/, 30_000);
  await screenshot(page, 'vsix-installed-terminal');
});
