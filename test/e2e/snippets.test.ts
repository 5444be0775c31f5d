// A person types a snippet prefix in a .tf file, sees the Terraform snippets offered, inserts one and fills its
// tab stops; the saved file is valid HCL with what they typed (mirrors included).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { e2eEnv, launchBrowser, openWorkbench, screenshot } from './driver';

// HashiCorp's HCL parser compiled to wasm. Required (not imported) so its DOM type reference stays out of the program.
const { parse: parseHcl } = require('@cdktf/hcl2json') as { parse(file: string, hcl: string): Promise<Hcl> };
type Hcl = Record<string, any>; // parsed HCL is untyped JSON, read by shape

const FILE = 'snippets-e2e.tf';
const suggestRows = '.editor-widget.suggest-widget.visible .monaco-list-row';

let browser: Browser;
let page: Page;
let file: string;

before(async () => {
  file = path.join(e2eEnv().workspace, FILE);
  fs.writeFileSync(file, '');
  browser = await launchBrowser();
  page = await openWorkbench(browser);
  await openFile(page, FILE);
});

after(async () => {
  await browser?.close();
  fs.rmSync(file, { force: true });
});

/** Opens a workspace file through Quick Open and waits for its editor to take the keyboard. */
async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 20_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
}

/** Types a prefix and returns the suggestions offered (asking for them with Ctrl+Space if they don't pop up). */
async function suggestionsFor(prefix: string): Promise<string[]> {
  await page.keyboard.type(prefix, { delay: 20 });
  const first = page.locator(suggestRows).first();
  if (!(await first.waitFor({ timeout: 5000 }).then(() => true, () => false))) {
    await page.keyboard.press('Control+Space');
    await first.waitFor({ timeout: 10_000 });
  }
  return page.locator(suggestRows).allInnerTexts();
}

/** Closes a word-suggestion popup, if one opened, without leaving snippet mode (Escape goes to the popup first). */
async function dismissSuggestions(): Promise<void> {
  await page.waitForTimeout(400);
  if (await page.locator('.editor-widget.suggest-widget.visible').count()) {
    await page.keyboard.press('Escape');
    await page.locator('.editor-widget.suggest-widget.visible').waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
  }
}

/** The file's text once `ready` says the editor's save reached the disk. */
async function waitForFile(ready: (text: string) => boolean, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = fs.readFileSync(file, 'utf8');
    if (ready(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`${FILE} was never saved with the snippet; on disk:\n${text}`);
}

async function clearEditor(): Promise<void> {
  await dismissSuggestions();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
}

test('a .tf file is in the Terraform language', async () => {
  const mode = page.locator('.statusbar-item[id="status.editor.mode"]');
  await mode.waitFor({ timeout: 10_000 });
  assert.match(await mode.innerText(), /Terraform/);
});

test('typing the tf- stem offers the Terraform snippets', async () => {
  const offered = (await suggestionsFor('tf-')).join('\n');
  await screenshot(page, 'snippets-tf-stem');
  for (const prefix of ['tf-iam-cross-account-role', 'tf-aws-provider-assume-role', 'tf-ec2-instance-with-role', 'tf-vault-aws-secret-backend']) {
    assert.ok(offered.includes(prefix), `${prefix} not offered; offered:\n${offered}`);
  }
  await clearEditor();
});

test('typing cross-account finds the cross-account role snippets by a later word', async () => {
  const offered = await suggestionsFor('cross-account');
  assert.ok(offered.some((row) => row.includes('tf-iam-cross-account-role')), offered.join('\n'));
  await clearEditor();
});

test('accepting a snippet inserts it, and tab stops fill in order with their mirrors', async () => {
  const prefix = 'tf-iam-cross-account-role-mfa';
  await suggestionsFor(prefix);
  const focused = page.locator(`${suggestRows}.focused`);
  assert.match(await focused.innerText(), new RegExp(`^${prefix}\\b`));
  await page.keyboard.press('Enter');
  // Tab stops: resource name (mirrored into the policy document's name), central account, role name, duration.
  for (const value of ['prod_admin', '111111111111', 'ProdAdmin']) {
    await page.keyboard.type(value, { delay: 10 });
    await dismissSuggestions();
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Tab'); // keep the default session duration; this lands on $0 and ends the snippet
  await screenshot(page, 'snippets-cross-account-mfa');
  await page.keyboard.press('Control+S');
  const saved = await waitForFile((text) => text.includes('resource "aws_iam_role"'));

  const hcl = await parseHcl(FILE, saved);
  const statement = hcl.data.aws_iam_policy_document.prod_admin_trust[0].statement[0];
  assert.deepEqual(statement.principals, [{ type: 'AWS', identifiers: ['arn:aws:iam::111111111111:root'] }]);
  assert.deepEqual(statement.condition, [{ test: 'Bool', variable: 'aws:MultiFactorAuthPresent', values: ['true'] }]);
  const role = hcl.resource.aws_iam_role.prod_admin[0];
  assert.equal(role.name, 'ProdAdmin');
  assert.equal(role.assume_role_policy, '${data.aws_iam_policy_document.prod_admin_trust.json}');
  assert.equal(role.max_session_duration, 3600);
});
