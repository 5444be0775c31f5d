// Terraform commands: scaffold a cross-account role module, and import the roles Terraform created into the
// workspace setting the role switcher reads.
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { workspaceValue, writeWorkspaceSetting } from '../configuration/writes';
import { whileNotCancelled } from '../cancellation';
import { findTerraform, terraformOutputJson } from '../core/terraform/cli';
import {
  type FoundRoleArns,
  importOutcome,
  mergeRoleArns,
  planImport,
  roleArnsFromOutputs,
  roleArnsFromState,
} from '../core/terraform/roleArns';
import {
  COMMON_MANAGED_POLICIES,
  type ModuleFiles,
  accountIdProblem,
  externalIdProblem,
  normalizeAccountId,
  policyArnProblem,
  roleNameProblem,
  scaffoldCrossAccountRole,
} from '../core/terraform/scaffold';
import { UserError } from '../core/userError';
import { registerCommand } from '../errors';
import { runWizard, stepTitle, type WizardStep } from '../prompts/multiStepInput';
import { pickOrBrowse } from '../prompts/pickOrBrowse';
import type { RoleCatalogStore } from '../store/roleCatalogStore';

const SCAFFOLD_TITLE = 'New Cross-Account Role Module';
const IMPORT_TITLE = 'Import Roles from Terraform Outputs';
const ROLE_ARNS_SETTING = 'terraformRoleArns';
// A remote backend can be slow to answer, but a prompt nobody sees must not hang the import forever.
const TERRAFORM_TIMEOUT_MS = 60_000;

export function registerTerraformCommands(context: vscode.ExtensionContext, catalog: RoleCatalogStore, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    registerCommand(log, 'iamSwitchboard.newCrossAccountRoleModule', SCAFFOLD_TITLE, () => newCrossAccountRoleModule(log)),
    registerCommand(log, 'iamSwitchboard.importTerraformRoles', IMPORT_TITLE, () => importTerraformRoles(catalog, log)),
  );
}

// ---- New Cross-Account Role Module… ----

interface ModuleAnswers {
  centralAccountId: string;
  roleName: string;
  managedPolicyArns: string[];
  wantsCustomPolicies: boolean;
  customPolicyArns: string[];
  requireMfa: boolean;
  wantsExternalId: boolean;
  externalId: string;
  instanceProfile: boolean;
}

type PolicyItem = vscode.QuickPickItem & { arn?: string };
type ChoiceItem = vscode.QuickPickItem & { value: boolean };

const CUSTOM_POLICY: PolicyItem = {
  label: '$(edit) Custom policy ARN…',
  detail: 'Enter the ARNs of other managed policies',
  alwaysShow: true,
};

/** Asks for the module's settings, writes it and opens main.tf. Resolves to the folder, or undefined if cancelled. */
async function newCrossAccountRoleModule(log: vscode.LogOutputChannel): Promise<vscode.Uri | undefined> {
  const answers = await runWizard<ModuleAnswers>(
    SCAFFOLD_TITLE,
    moduleSteps(),
    {
      centralAccountId: '',
      roleName: 'CrossAccountReadOnly',
      managedPolicyArns: [],
      wantsCustomPolicies: false,
      customPolicyArns: [],
      requireMfa: false,
      wantsExternalId: false,
      externalId: randomUUID(),
      instanceProfile: false,
    },
    { extraSteps: 1 },
  );
  if (!answers) {
    return undefined;
  }
  const { roleName } = answers;
  const files = scaffoldCrossAccountRole({
    centralAccountId: answers.centralAccountId,
    roleName,
    managedPolicyArns: [...answers.managedPolicyArns, ...(answers.wantsCustomPolicies ? answers.customPolicyArns : [])],
    requireMfa: answers.requireMfa,
    externalId: answers.wantsExternalId ? answers.externalId : undefined,
    instanceProfile: answers.instanceProfile,
  });
  const folder = await pickModuleFolder(stepTitle(SCAFFOLD_TITLE, 7, 7), roleName);
  if (!folder || !(await mayWrite(folder, files))) {
    return undefined;
  }
  await vscode.workspace.fs.createDirectory(folder);
  for (const [name, text] of Object.entries(files)) {
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, name), Buffer.from(text, 'utf8'));
  }
  log.info(`Wrote the cross-account role module for ${roleName} to ${folder.toString(true)}`);
  await vscode.window.showTextDocument(vscode.Uri.joinPath(folder, 'main.tf'));
  return folder;
}

function moduleSteps(): WizardStep<ModuleAnswers>[] {
  return [
    {
      kind: 'input',
      prompt: 'Id of the central account, whose IAM users will assume the role',
      placeholder: '111111111111',
      value: (a) => a.centralAccountId,
      validate: (v) => accountIdProblem(v),
      apply: (v, a) => (a.centralAccountId = normalizeAccountId(v)),
    },
    {
      kind: 'input',
      prompt: 'Name of the role to create in the member account',
      value: (a) => a.roleName,
      validate: (v) => roleNameProblem(v),
      apply: (v, a) => (a.roleName = v),
    },
    {
      kind: 'pickMany',
      placeholder: 'Managed policies to attach to the role',
      items: (a) => [
        ...COMMON_MANAGED_POLICIES.map((policy) => ({
          label: policy.name,
          description: policy.detail,
          detail: policy.arn,
          arn: policy.arn,
          picked: a.managedPolicyArns.length ? a.managedPolicyArns.includes(policy.arn) : policy.name === 'ReadOnlyAccess',
        })),
        { ...CUSTOM_POLICY, picked: a.wantsCustomPolicies },
      ],
      apply: (items: readonly PolicyItem[], a) => {
        a.managedPolicyArns = items.flatMap((item) => (item.arn ? [item.arn] : []));
        a.wantsCustomPolicies = items.some((item) => !item.arn);
      },
    },
    {
      kind: 'input',
      continues: true,
      prompt: 'Managed policy ARNs, separated by commas or spaces',
      placeholder: 'arn:aws:iam::222222222222:policy/ListAllMyBuckets',
      skip: (a) => !a.wantsCustomPolicies,
      value: (a) => a.customPolicyArns.join(', '),
      validate: (v) => splitArns(v).map(policyArnProblem).find(Boolean),
      apply: (v, a) => (a.customPolicyArns = splitArns(v)),
    },
    choice(
      'Require MFA to assume the role?',
      [
        { label: 'Require MFA', detail: 'Callers must have signed in with MFA (aws:MultiFactorAuthPresent)', value: true },
        { label: 'No MFA condition', value: false },
      ],
      (a, value) => (a.requireMfa = value),
    ),
    choice(
      'Require an external ID?',
      [
        { label: 'No external ID', value: false },
        {
          label: 'Require an external ID',
          detail: 'Callers must pass it (sts:ExternalId); usual when a third party assumes the role',
          value: true,
        },
      ],
      (a, value) => (a.wantsExternalId = value),
    ),
    {
      kind: 'input',
      continues: true,
      prompt: 'External ID the central account must pass when it assumes the role',
      skip: (a) => !a.wantsExternalId,
      value: (a) => a.externalId,
      validate: (v) => externalIdProblem(v),
      apply: (v, a) => (a.externalId = v),
    },
    choice(
      'Create an instance profile too?',
      [
        { label: 'No instance profile', value: false },
        { label: 'Add an instance profile', detail: 'EC2 instances may use the role too (it also trusts ec2.amazonaws.com)', value: true },
      ],
      (a, value) => (a.instanceProfile = value),
    ),
  ];
}

function choice(
  placeholder: string,
  items: ChoiceItem[],
  apply: (answers: ModuleAnswers, value: boolean) => void,
): WizardStep<ModuleAnswers> {
  return { kind: 'pick', placeholder, items: () => items, apply: (item: ChoiceItem, a) => apply(a, item.value) };
}

function splitArns(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

/** `modules/<role name>` in a workspace folder, or any folder the person chooses. */
function pickModuleFolder(title: string, roleName: string): Promise<vscode.Uri | undefined> {
  return pickOrBrowse({
    title,
    placeHolder: 'Where to write the module',
    items: (vscode.workspace.workspaceFolders ?? []).map((folder) => ({
      label: `$(folder) modules/${roleName}`,
      description: `in ${folder.name}`,
      uri: vscode.Uri.joinPath(folder.uri, 'modules', roleName),
    })),
    browse: { label: 'Choose a folder…', folders: true, openLabel: 'Write Module Here' },
  });
}

/** True when none of the files exist, or the person agreed to overwrite the ones that do. */
async function mayWrite(folder: vscode.Uri, files: ModuleFiles): Promise<boolean> {
  const existing: string[] = [];
  for (const name of Object.keys(files)) {
    if (await exists(vscode.Uri.joinPath(folder, name))) {
      existing.push(name);
    }
  }
  if (existing.length === 0) {
    return true;
  }
  const overwrite = 'Overwrite';
  const answer = await vscode.window.showWarningMessage(
    `${existing.length === 1 ? 'A file' : `${existing.length} files`} of the module already exist in ${vscode.workspace.asRelativePath(folder)}: overwrite?`,
    { modal: true, detail: existing.join('\n') },
    overwrite,
  );
  return answer === overwrite;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

// ---- Import Roles from Terraform Outputs ----

/** Resolves to the ARNs added to the workspace setting, or undefined when nothing was imported. */
async function importTerraformRoles(catalog: RoleCatalogStore, log: vscode.LogOutputChannel): Promise<string[] | undefined> {
  if (!vscode.workspace.isTrusted) {
    const manage = 'Manage Workspace Trust';
    const answer = await vscode.window.showWarningMessage(
      "Importing roles from Terraform needs a trusted workspace: it runs terraform with this workspace's configuration, and Restricted Mode ignores workspace role settings. Trust the workspace, then import again.",
      manage,
    );
    if (answer === manage) {
      await vscode.commands.executeCommand('workbench.trust.manage');
    }
    return undefined;
  }
  if (!vscode.workspace.workspaceFolders?.length) {
    throw new UserError(
      'Open the folder with your Terraform configuration first: imported roles are kept in its workspace settings.',
      'NoWorkspace',
    );
  }
  const found = await readRoleArns(log);
  return found && saveRoleArns(found, catalog, log);
}

async function readRoleArns(log: vscode.LogOutputChannel): Promise<FoundRoleArns | undefined> {
  const terraform = await findTerraform();
  const runItem = { label: '$(terminal) Run terraform output -json', detail: `In a folder with your root module, using ${terraform}` };
  const stateItem = {
    label: '$(file) Read a terraform.tfstate file',
    detail: 'Its outputs and aws_iam_role resources, without running terraform',
  };
  const source = terraform
    ? await vscode.window.showQuickPick([runItem, stateItem], { title: IMPORT_TITLE, ignoreFocusOut: true })
    : stateItem;
  if (!source) {
    return undefined;
  }
  if (source === stateItem) {
    const file = await pickFile(
      '**/*.tfstate',
      { 'Terraform state': ['tfstate'] },
      terraform ? 'State file to read' : 'terraform is not on PATH: choose a state file to read',
    );
    if (!file) {
      return undefined;
    }
    log.info(`Reading role ARNs from ${file.toString(true)}`);
    return roleArnsFromState(Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8'));
  }
  const folder = await pickTerraformFolder();
  if (!folder || !terraform) {
    return undefined;
  }
  log.info(`Running terraform output -json in ${folder.fsPath}`);
  const stdout = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Running terraform output -json in ${vscode.workspace.asRelativePath(folder)}`,
      cancellable: true,
    },
    (_progress, token) =>
      whileNotCancelled(token, (signal) => terraformOutputJson(terraform, folder.fsPath, { timeoutMs: TERRAFORM_TIMEOUT_MS, signal })),
  );
  return roleArnsFromOutputs(stdout);
}

/** Folders holding .tf files (the likely root modules), or one the person browses to. */
async function pickTerraformFolder(): Promise<vscode.Uri | undefined> {
  const tfFiles = await vscode.workspace.findFiles('**/*.tf', '**/{.terraform,node_modules}/**', 500);
  const folders = [...new Map(tfFiles.map((file) => [path.posix.dirname(file.path), vscode.Uri.joinPath(file, '..')])).values()];
  folders.sort((a, b) => a.path.localeCompare(b.path));
  return pickOrBrowse({
    title: IMPORT_TITLE,
    placeHolder: 'Folder to run terraform output -json in',
    items: folders.map((uri) => ({ label: `$(folder) ${folderLabel(uri)}`, uri })),
    browse: { label: 'Choose a folder…', folders: true, openLabel: 'Run terraform Here' },
  });
}

/** A folder's path relative to its workspace folder, or the workspace folder's name for the folder itself. */
function folderLabel(uri: vscode.Uri): string {
  const root = vscode.workspace.getWorkspaceFolder(uri);
  return root && root.uri.toString() === uri.toString() ? root.name : vscode.workspace.asRelativePath(uri);
}

/** A workspace file matching `glob`, or one the person browses to. */
async function pickFile(glob: string, filters: Record<string, string[]>, placeHolder: string): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles(glob, '**/{.terraform,node_modules}/**', 100);
  return pickOrBrowse({
    title: IMPORT_TITLE,
    placeHolder,
    items: files.map((uri) => ({ label: `$(file) ${vscode.workspace.asRelativePath(uri)}`, uri })),
    browse: { label: 'Choose a file…', folders: false, openLabel: 'Import Roles', filters },
  });
}

/** Adds the ARNs not listed yet to the workspace setting (ARNs only) and says what happened. */
async function saveRoleArns(found: FoundRoleArns, catalog: RoleCatalogStore, log: vscode.LogOutputChannel): Promise<string[]> {
  const current = workspaceValue<unknown[]>(ROLE_ARNS_SETTING) ?? [];
  const existing = current.filter((value): value is string => typeof value === 'string');
  const plan = planImport(found.roleArns, [...existing, ...(await listedRoleArns(catalog))]);
  const { merged, added } = mergeRoleArns(existing, plan.added);
  if (added.length) {
    await writeWorkspaceSetting(ROLE_ARNS_SETTING, merged);
  }
  log.info(
    `Terraform import: ${found.roleArns.length} role ARNs found, ${plan.alreadyListed} already listed, ${added.length} added${added.length ? `: ${added.join(', ')}` : ''}`,
  );
  const skipped =
    (found.skippedSensitive.length ? ` Sensitive outputs were not read: ${found.skippedSensitive.join(', ')}.` : '') +
    (found.skippedServiceRoles.length
      ? ` Left out, as only AWS services may assume them: ${found.skippedServiceRoles.map((arn) => arn.replace(/^.*:role\//, '')).join(', ')}.`
      : '');
  if (found.roleArns.length === 0) {
    void vscode.window.showWarningMessage(
      `No role ARNs found in Terraform: add an output with the role's ARN (snippet tf-iam-output-role-arn) and apply.${skipped}`,
    );
  } else {
    void vscode.window.showInformationMessage(`${importOutcome(plan, `iamSwitchboard.${ROLE_ARNS_SETTING}`)}${skipped}`);
  }
  return added;
}

/**
 * The ARNs of the roles the list shows now, wherever they come from. Identity Center roles are left out: their ARN
 * is only nominal. A catalog that cannot be read lists nothing, so the import still adds what it found.
 */
async function listedRoleArns(catalog: RoleCatalogStore): Promise<string[]> {
  try {
    const { catalog: loaded } = await catalog.get();
    return loaded.roles.filter((role) => !role.sso).map((role) => role.arn);
  } catch {
    return [];
  }
}
