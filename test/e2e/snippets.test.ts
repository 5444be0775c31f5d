// Terraform in the editor. A person types a snippet prefix in a .tf file, sees the Terraform snippets offered,
// inserts one and fills its tab stops; the saved file is valid HCL with what they typed (mirrors included).
// Then the two Terraform commands: a cross-account role module written through the pickers (and not
// overwritten without asking), and roles imported from terraform output -json and from a state file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  answerQuickInput,
  e2eEnv,
  launchBrowser,
  openWorkbench,
  pickQuickItem,
  runCommand,
  screenshot,
  waitForNotification,
  scenario,
} from './driver';

// HashiCorp's HCL parser compiled to wasm. Required (not imported) so its DOM type reference stays out of the program.
const { parse: parseHcl } = require('@cdktf/hcl2json') as { parse(file: string, hcl: string): Promise<Hcl> };
type Hcl = Record<string, any>; // parsed HCL is untyped JSON, read by shape

const FILE = 'snippets-e2e.tf';
const suggestRows = '.editor-widget.suggest-widget.visible .monaco-list-row';

let browser: Browser;
let page: Page;
let file: string;
let workspace: string;
let settingsBefore: string | undefined;
const settingsFile = (): string => path.join(workspace, '.vscode', 'settings.json');

before(async () => {
  workspace = e2eEnv().workspace;
  file = path.join(workspace, FILE);
  fs.writeFileSync(file, '');
  settingsBefore = fs.existsSync(settingsFile()) ? fs.readFileSync(settingsFile(), 'utf8') : undefined;
  // No word suggestions pop up while a snippet's tab stops are filled: a popup that may or may not open after a
  // typed value would take the Tab meant for the next stop, and nothing says when it will not open. Read when the
  // window opens, so it holds from the first scenario.
  const settings = settingsBefore ? (JSON.parse(settingsBefore) as Record<string, unknown>) : {};
  fs.mkdirSync(path.dirname(settingsFile()), { recursive: true });
  fs.writeFileSync(settingsFile(), JSON.stringify({ ...settings, 'editor.suggest.snippetsPreventQuickSuggestions': true }, null, 2));
  browser = await launchBrowser();
  page = await openWorkbench(browser);
  await openFile(page, FILE);
});

after(async () => {
  await browser?.close();
  // Later scenarios share this workspace: leave it as it was.
  fs.rmSync(file, { force: true });
  fs.rmSync(path.join(workspace, 'modules'), { recursive: true, force: true });
  fs.rmSync(path.join(workspace, 'infra'), { recursive: true, force: true });
  if (settingsBefore === undefined) fs.rmSync(settingsFile(), { force: true });
  else fs.writeFileSync(settingsFile(), settingsBefore);
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
  if (
    !(await first.waitFor({ timeout: 5000 }).then(
      () => true,
      () => false,
    ))
  ) {
    await page.keyboard.press('Control+Space');
    await first.waitFor({ timeout: 10_000 });
  }
  return page.locator(suggestRows).allInnerTexts();
}

/** Closes the suggestion popup suggestionsFor opened. */
async function dismissSuggestions(): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('.editor-widget.suggest-widget.visible').waitFor({ state: 'detached', timeout: 5000 });
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

scenario('a .tf file is in the Terraform language', async () => {
  const mode = page.locator('.statusbar-item[id="status.editor.mode"]');
  await mode.waitFor({ timeout: 10_000 });
  assert.match(await mode.innerText(), /Terraform/);
});

scenario('typing the tf- stem offers the Terraform snippets', async () => {
  const offered = (await suggestionsFor('tf-')).join('\n');
  await screenshot(page, 'snippets-tf-stem');
  for (const prefix of [
    'tf-iam-cross-account-role',
    'tf-aws-provider-assume-role',
    'tf-ec2-instance-with-role',
    'tf-vault-aws-secret-backend',
  ]) {
    assert.ok(offered.includes(prefix), `${prefix} not offered; offered:\n${offered}`);
  }
  await clearEditor();
});

scenario('typing cross-account finds the cross-account role snippets by a later word', async () => {
  const offered = await suggestionsFor('cross-account');
  assert.ok(
    offered.some((row) => row.includes('tf-iam-cross-account-role')),
    offered.join('\n'),
  );
  await clearEditor();
});

scenario('accepting a snippet inserts it, and tab stops fill in order with their mirrors', async () => {
  const prefix = 'tf-iam-cross-account-role-mfa';
  await suggestionsFor(prefix);
  const focused = page.locator(`${suggestRows}.focused`);
  assert.match(await focused.innerText(), new RegExp(`^${prefix}\\b`));
  await page.keyboard.press('Enter');
  // Tab stops: resource name (mirrored into the policy document's name), central account, role name, duration.
  for (const value of ['prod_admin', '111111111111', 'ProdAdmin']) {
    await page.keyboard.type(value, { delay: 10 });
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

/** Waits until the quick input shows step `n` of the scaffold, so an answer never lands on the previous step. */
async function atStep(n: number): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: `(${n}/7)` }).waitFor({ timeout: 10_000 });
}

/** Answers the seven steps of New Cross-Account Role Module… for role `name`. */
async function scaffold(name: string, centralAccountId: string): Promise<void> {
  await runCommand(page, 'IAM Switchboard: New Cross-Account Role Module…');
  await atStep(1);
  await answerQuickInput(page, centralAccountId);
  await atStep(2);
  await answerQuickInput(page, name);
  await atStep(3);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'ReadOnlyAccess' }).first().waitFor();
  await page.keyboard.press('Enter'); // keep the preselected ReadOnlyAccess
  await atStep(4);
  await pickQuickItem(page, 'Require MFA');
  await atStep(5);
  await pickQuickItem(page, 'Require an external ID');
  await page
    .locator('.quick-input-widget .quick-input-message', { hasText: 'External ID the central account must pass' })
    .waitFor({ timeout: 10_000 });
  await answerQuickInput(page, 'e2e-external-id');
  await atStep(6);
  await pickQuickItem(page, 'No instance profile');
  await atStep(7);
  await pickQuickItem(page, `modules/${name}`);
}

scenario('New Cross-Account Role Module… writes a module that trusts the central account and opens main.tf', async () => {
  await scaffold('E2eReadOnly', '1111-1111-1111');
  await page.locator('.tab.active', { hasText: 'main.tf' }).waitFor({ timeout: 20_000 });
  await screenshot(page, 'scaffold-main-tf');
  const dir = path.join(workspace, 'modules', 'E2eReadOnly');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['main.tf', 'outputs.tf', 'variables.tf', 'versions.tf']);
  const main = await parseHcl('main.tf', fs.readFileSync(path.join(dir, 'main.tf'), 'utf8'));
  const statement = main.data.aws_iam_policy_document.trust[0].statement[0];
  assert.deepEqual(
    statement.condition.map((c: Hcl) => c.variable),
    ['aws:MultiFactorAuthPresent', 'sts:ExternalId'],
  );
  const variables = (await parseHcl('variables.tf', fs.readFileSync(path.join(dir, 'variables.tf'), 'utf8'))).variable;
  assert.equal(variables.central_account_id[0].default, '111111111111');
  assert.equal(variables.role_name[0].default, 'E2eReadOnly');
  assert.equal(variables.external_id[0].default, 'e2e-external-id');
  assert.deepEqual(variables.managed_policy_arns[0].default, ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
});

scenario('scaffolding into the same folder asks before overwriting, listing the files', async () => {
  const variablesFile = path.join(workspace, 'modules', 'E2eReadOnly', 'variables.tf');
  const before = fs.readFileSync(variablesFile, 'utf8');
  await scaffold('E2eReadOnly', '999999999999');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 10_000 });
  const text = await dialog.innerText();
  assert.match(text, /4 files of the module already exist/);
  for (const name of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf']) assert.ok(text.includes(name), text);
  await screenshot(page, 'scaffold-overwrite-confirm');
  await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(fs.readFileSync(variablesFile, 'utf8'), before, 'cancelled: nothing written');
});

scenario('Import Roles from Terraform Outputs runs terraform output -json, then reads a state file, adding only new ARNs', async () => {
  const infra = path.join(workspace, 'infra');
  fs.mkdirSync(infra, { recursive: true });
  fs.copyFileSync(
    path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'terraform', 'terraform.tfstate'),
    path.join(infra, 'terraform.tfstate'),
  );
  fs.writeFileSync(path.join(infra, 'main.tf'), '# the state next to this file came from here\n');

  await runCommand(page, 'IAM Switchboard: Import Roles from Terraform Outputs');
  await pickQuickItem(page, 'Run terraform output -json');
  await pickQuickItem(page, 'infra');
  const first = await waitForNotification(page, /Added 4 roles from Terraform/, 60_000);
  assert.match(first, /Sensitive outputs were not read: vault_iam_user/);
  await screenshot(page, 'terraform-import-outputs');
  const afterOutputs = roleArnsSetting();
  assert.equal(afterOutputs.length, 4);
  assert.ok(afterOutputs.includes('arn:aws:iam::333333333333:role/deploy/CrossAccountDeploy'));

  await runCommand(page, 'IAM Switchboard: Import Roles from Terraform Outputs');
  await pickQuickItem(page, 'Read a terraform.tfstate file');
  await pickQuickItem(page, 'infra/terraform.tfstate');
  await waitForNotification(page, /Added 2 roles from Terraform .*; 4 were already listed/);
  const afterState = roleArnsSetting();
  assert.deepEqual(afterState.slice(0, 4), afterOutputs, 'existing entries keep their order');
  assert.deepEqual(afterState.slice(4).sort(), [
    'arn:aws:iam::222222222222:role/web-instance',
    'arn:aws:iam::333333333333:role/ci/GitHubActionsRunner',
  ]);
});

/** iamSwitchboard.terraformRoleArns as VS Code wrote it to the workspace's settings.json. */
function roleArnsSetting(): string[] {
  const settings = JSON.parse(fs.readFileSync(settingsFile(), 'utf8')) as Record<string, unknown>;
  return settings['iamSwitchboard.terraformRoleArns'] as string[];
}
