// Discover Roles…: read the policies of the IAM user behind a profile, list the roles they let it assume, try
// them if the person wants, and keep the chosen ones as profiles in ~/.aws/config (a marked block, shown as a
// diff first) or in the iamSwitchboard.accounts user setting. The reading, trying and writing live in src/core.
// Only identity policies are read: every place that shows the result says that boundaries and SCPs are not.
import * as vscode from 'vscode';
import { whileNotCancelled } from '../cancellation';
import type { Settings } from '../configuration/settings';
import { userValue, writeUserSetting } from '../configuration/writes';
import type { AwsConfig } from '../core/aws/config';
import { planBlock, readConfigText, writeConfigBlock, type BlockPlan } from '../core/aws/configBlock';
import { completePattern, type RoleCandidate } from '../core/discovery/iamPolicy';
import { addToAccountsSetting, discoverRolesForProfile, type Discovery } from '../core/discovery/roleDiscovery';
import { selectionAfterTrial, sourceMfaSerial, tryRoles, type TrialResult } from '../core/discovery/roleTrial';
import type { AccountSetting } from '../core/catalog/roleCatalog';
import { UserError } from '../core/userError';
import { registerCommand } from '../errors';
import type { RoleCatalogStore } from '../store/roleCatalogStore';
import type { RoleSessionStore } from '../store/roleSession';
import type { SourceNode } from '../treeViews/roleTree';

/** From an account's "via profile …" row, or a profile name. */
type DiscoverArgs = Pick<SourceNode, 'profile'> | string;

interface DiscoverDeps {
  catalog: RoleCatalogStore;
  roles: RoleSessionStore;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
}

const PREVIEW_SCHEME = 'iam-switchboard-preview';
/** What the list cannot know, said wherever the result is shown. */
const NOT_READ = 'permission boundaries and SCPs are not read';

export function registerDiscoverRoles(context: vscode.ExtensionContext, deps: DiscoverDeps): void {
  const previews = new PreviewDocuments();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, previews),
    registerCommand<DiscoverArgs>(deps.log, 'iamSwitchboard.discoverRoles', 'Discover roles', (arg) =>
      new DiscoverRoles(deps, previews).run(arg),
    ),
  );
}

/** Read-only documents for the diff: the file as it is and as it would be. */
class PreviewDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  set(name: string, text: string): vscode.Uri {
    this.texts.set(name, text);
    return vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${name}` });
  }
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path.slice(1)) ?? '';
  }
}

/** One row of the list: a role (exact, or completed from a pattern) or a pattern still to complete. */
interface Row {
  candidate: RoleCandidate;
  /** The role ARN; undefined for a pattern. */
  arn?: string;
  trial?: TrialResult;
  /** A profile already has this role (from whatever source): it is not pre-checked, and Add skips it. */
  existing?: string;
}

type RowItem = vscode.QuickPickItem & { row: Row };
type Action = 'try' | 'config' | 'settings' | 'back';

class DiscoverRoles {
  constructor(
    private readonly deps: DiscoverDeps,
    private readonly previews: PreviewDocuments,
  ) {}

  async run(arg?: DiscoverArgs): Promise<void> {
    const { config } = await this.deps.catalog.get();
    const profile = (typeof arg === 'string' ? arg : arg?.profile) ?? (await this.pickProfile(config));
    if (!profile) return;
    const discovery = await this.discover(profile, config);
    if (discovery.summary) void vscode.window.showWarningMessage(discovery.summary);
    if (discovery.accountNamesNote) this.deps.log.info(discovery.accountNamesNote);
    this.reportNotOffered(discovery);
    if (!discovery.candidates.length) {
      const denied = discovery.denied.length
        ? ` (${discovery.denied.length} allowed ${discovery.denied.length === 1 ? 'role is' : 'roles are'} taken away by a Deny)`
        : '';
      void vscode.window.showInformationMessage(
        `The policies of ${discovery.user.name} allow assuming no roles${denied}. Only its own policies were read: ${NOT_READ}.`,
      );
      return;
    }
    const rows: Row[] = discovery.candidates.map((candidate) => ({
      candidate,
      arn: candidate.kind === 'role' ? candidate.resource : undefined,
      existing: candidate.kind === 'role' ? existingProfile(config, candidate.resource) : undefined,
    }));
    await this.choose(rows, discovery, profile, config);
  }

  /** Allowed resources that are not listed: one line each in the log, one sentence for the person. */
  private reportNotOffered(discovery: Discovery): void {
    const { notOffered } = discovery;
    for (const n of notOffered) this.deps.log.info(`Not offered: ${n.resource} from the ${n.origin.label}: ${n.reason}.`);
    if (notOffered.length === 0) return;
    const first = notOffered[0];
    const more = notOffered.length > 1 ? ` (and ${notOffered.length - 1} more, listed in the log)` : '';
    void vscode.window.showInformationMessage(`Not offered: ${first.resource}, because ${first.reason}${more}.`);
  }

  private async pickProfile(config: AwsConfig): Promise<string | undefined> {
    // A key moved to the keychain is a credential_process profile: the SDK runs it like any other.
    const users = [...config.profiles.values()].filter(
      (p) => !p.roleArn && (p.credentialKind === 'static' || p.credentialKind === 'process'),
    );
    const names = users.map((p) => p.name).sort((a, b) => Number(b === 'default') - Number(a === 'default'));
    if (names.length === 0) {
      throw new UserError(
        "No profile in ~/.aws/config or ~/.aws/credentials holds IAM user keys: add your IAM user's keys (aws configure), then try again.",
        'NoUserProfile',
      );
    }
    return names.length === 1
      ? names[0]
      : vscode.window.showQuickPick(names, { title: 'Discover Roles', placeHolder: "The profile with your IAM user's keys" });
  }

  private async discover(profile: string, config: AwsConfig): Promise<Discovery> {
    const s = this.deps.settings();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Reading the policies of profile ${profile}…`, cancellable: true },
      (_progress, token) =>
        whileNotCancelled(token, (signal) =>
          discoverRolesForProfile(profile, config, {
            endpoint: s.stsEndpoint,
            region: s.region,
            timeoutMs: s.requestTimeoutMs,
            iamEndpoint: s.iamEndpoint,
            signal,
            log: (line) => this.deps.log.info(line),
          }),
        ),
    );
  }

  /** The list, then what to do with the picked rows; Try comes back to the list with the results shown. */
  private async choose(rows: Row[], discovery: Discovery, profile: string, config: AwsConfig): Promise<void> {
    const preselected = new Set(rows.filter((r) => r.arn && !r.existing));
    let picked = new Set(preselected);
    for (;;) {
      const chosen = await this.pickRows(rows, picked, discovery, profile);
      if (!chosen) return;
      picked = new Set(chosen.filter((r) => r.arn));
      for (const pattern of chosen.filter((r) => !r.arn)) {
        const arn = await this.complete(pattern.candidate, discovery.accountNames);
        if (!arn) continue;
        let row = rows.find((r) => r.arn === arn);
        if (!row) {
          row = { candidate: pattern.candidate, arn, existing: existingProfile(config, arn) };
          rows.splice(rows.indexOf(pattern), 0, row);
        }
        picked.add(row);
      }
      const action = await this.pickAction(picked.size);
      if (!action) return;
      if (action === 'back') continue;
      if (action === 'try') {
        await this.tryAll(rows, profile, config);
        picked = selectionAfterTrial(picked, preselected, (r) => r.trial?.status === 'refused');
        continue;
      }
      const arns = [...picked].map((r) => r.arn!);
      const mfaSerial = sourceMfaSerial(config, profile);
      if (
        action === 'config' ? await this.addToConfig(arns, profile, mfaSerial, config) : await this.addToSettings(arns, profile, mfaSerial)
      ) {
        return;
      }
    }
  }

  private async pickRows(rows: Row[], picked: Set<Row>, discovery: Discovery, profile: string): Promise<Row[] | undefined> {
    const items: RowItem[] = rows.map((row) => ({
      row,
      label: row.arn ?? (row.candidate.resource === '*' ? 'Any role' : row.candidate.resource),
      description: describe(row, discovery.accountNames),
      detail: `Allowed by the ${row.candidate.origins.map((o) => o.label).join(', the ')}${row.candidate.written ? ` as ${row.candidate.written}` : ''}${row.candidate.conditional ? ' (with conditions)' : ''}`,
      picked: picked.has(row),
    }));
    const denied = discovery.denied.length ? `; ${discovery.denied.length} more taken away by a Deny` : '';
    const chosen = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      matchOnDetail: true,
      title: `Roles ${discovery.user.name} (profile ${profile}) may assume by its own policies${denied}`,
      placeHolder: `Pick the roles to keep (a pattern asks for an account id), then press Enter. Not checked: ${NOT_READ} (Try tells)`,
      ignoreFocusOut: true,
    });
    return chosen?.map((item) => item.row);
  }

  private async pickAction(count: number): Promise<Action | undefined> {
    const roles = `${count} role${count === 1 ? '' : 's'}`;
    const items: (vscode.QuickPickItem & { action: Action })[] = [
      {
        action: 'try',
        label: '$(beaker) Try Every Role',
        detail: 'One short AssumeRole each (MFA asked at most once), to mark which work',
      },
      ...(count > 0
        ? [
            {
              action: 'config' as const,
              label: `$(file-code) Add ${roles} to ~/.aws/config`,
              detail: 'As profiles in a marked block (a diff is shown first); re-running updates only that block',
            },
            {
              action: 'settings' as const,
              label: `$(settings-gear) Add ${roles} to iamSwitchboard.accounts`,
              detail: 'In your user settings',
            },
          ]
        : []),
      { action: 'back', label: '$(arrow-left) Back to the List' },
    ];
    return (
      await vscode.window.showQuickPick(items, { title: 'Discover Roles', placeHolder: 'What to do with the roles', ignoreFocusOut: true })
    )?.action;
  }

  /**
   * A pattern's account id (known accounts and the organization's named ones offered) and, when the name is open,
   * the role name.
   */
  private async complete(candidate: RoleCandidate, names: Record<string, string>): Promise<string | undefined> {
    const { catalog } = await this.deps.catalog.get();
    const known = catalog.accounts.map((a) => ({ id: a.id, alias: a.alias }));
    const unknown = Object.keys(names).filter((id) => !known.some((a) => a.id === id));
    const account = await askAccount(candidate, [...known, ...unknown.map((id) => ({ id }))], names);
    if (!account) return undefined;
    const needsName = 'problem' in completePattern(candidate, account);
    const name = needsName
      ? await vscode.window.showInputBox({
          title: `Role name in account ${account}`,
          prompt: `${candidate.resource} leaves the role name open: the name of the role (with its path, if any)`,
          ignoreFocusOut: true,
          validateInput: (value) => problemOf(completePattern(candidate, account, value)),
        })
      : undefined;
    if (needsName && !name) return undefined;
    const result = completePattern(candidate, account, name);
    if ('problem' in result) {
      void vscode.window.showWarningMessage(result.problem);
      return undefined;
    }
    return result.arn;
  }

  private async tryAll(rows: Row[], profile: string, config: AwsConfig): Promise<void> {
    const arns = rows.filter((r) => r.arn).map((r) => r.arn!);
    const options = await this.deps.roles.assumeOptions();
    const results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Trying ${arns.length} roles…`, cancellable: true },
      (_progress, token) =>
        whileNotCancelled(token, (signal) =>
          // The session's cache: an MFA code entered here also serves the next switch, and is asked once.
          tryRoles(arns, { ...options, signal, sourceProfile: profile, mfaSerial: sourceMfaSerial(config, profile) }),
        ),
    );
    for (const result of results) {
      const row = rows.find((r) => r.arn === result.arn);
      if (row) row.trial = result;
    }
    const works = results.filter((r) => r.status === 'works');
    const withMfa = works.filter((r) => r.mfa).length;
    this.deps.log.info(
      `Tried ${results.length} roles from profile ${profile}: ${works.length} work${withMfa ? ` (${withMfa} with MFA)` : ''}.`,
    );
  }

  private async addToConfig(arns: string[], profile: string, mfaSerial: string | undefined, config: AwsConfig): Promise<boolean> {
    const file = config.files.configPath;
    const { catalog } = await this.deps.catalog.get();
    const accountAliases = new Map(catalog.accounts.filter((a) => a.alias).map((a) => [a.id, a.alias!]));
    const plan = planBlock(
      await readConfigText(file),
      arns.map((roleArn) => ({ roleArn, sourceProfile: profile, mfaSerial })),
      {
        existingProfiles: config.profiles.values(),
        reservedNames: config.profiles.keys(),
        accountAliases,
        label: '~/.aws/config',
      },
    );
    const skipped = plan.skipped.length
      ? ` ${plan.skipped.map((s) => s.profile).join(', ')} already ${plan.skipped.length === 1 ? 'has' : 'have'} ${plan.skipped.length === 1 ? 'its role' : 'theirs'}.`
      : '';
    if (!plan.changed) {
      void vscode.window.showInformationMessage(`~/.aws/config already has these roles.${skipped}`);
      return true;
    }
    await this.showDiff(plan);
    const names = plan.added.length ? plan.added.join(', ') : plan.profiles.map((p) => p.name).join(', ');
    // Not modal: a modal dialog would cover the diff it asks about.
    const answer = await vscode.window.showInformationMessage(
      `Write ${plan.added.length} new profile${plan.added.length === 1 ? '' : 's'} to ~/.aws/config: ${names}? Only names, role ARNs and source_profile go in, inside the marked block shown in the diff.${plan.removed.length ? ` Removed from the block: ${plan.removed.join(', ')}.` : ''}${skipped}`,
      'Write',
      'Cancel',
    );
    if (answer !== 'Write') return false;
    await writeConfigBlock(file, plan);
    this.deps.catalog.invalidate();
    vscode.window.setStatusBarMessage(`Wrote ${names} to ~/.aws/config`, 5000);
    return true;
  }

  private async showDiff(plan: BlockPlan): Promise<void> {
    const stamp = Date.now();
    const before = this.previews.set(`${stamp}/config (now)`, plan.before ?? '');
    const after = this.previews.set(`${stamp}/config (with the discovered roles)`, plan.after);
    await vscode.commands.executeCommand('vscode.diff', before, after, '~/.aws/config ↔ with the discovered roles', { preview: true });
  }

  private async addToSettings(arns: string[], profile: string, mfaSerial: string | undefined): Promise<boolean> {
    const accounts = userValue<AccountSetting[]>('accounts') ?? [];
    const next = addToAccountsSetting(accounts, arns, profile, mfaSerial);
    await writeUserSetting('accounts', next);
    vscode.window.setStatusBarMessage(`Added ${arns.length} role${arns.length === 1 ? '' : 's'} to iamSwitchboard.accounts`, 5000);
    return true;
  }
}

/** The account's name from the organization, when the ARN names one account and the user may list them. */
function accountName(resource: string, names: Record<string, string>): string | undefined {
  const id = /^arn:[^:]*:iam::(\d{12}):/.exec(resource)?.[1];
  return id ? names[id] : undefined;
}

function describe(row: Row, names: Record<string, string>): string {
  const account = accountName(row.arn ?? row.candidate.resource, names);
  if (!row.arn) {
    const except = row.candidate.excluded.length ? ` (except ${row.candidate.excluded.join(', ')})` : '';
    return `${account ? `${account} · ` : ''}$(edit) pattern${except}: pick it to name an account and role`;
  }
  const parts = [
    account,
    trialText(row.trial),
    row.existing ? `profile ${row.existing}` : undefined,
    row.candidate.denies.length ? 'partly denied' : undefined,
  ];
  return parts.filter(Boolean).join(' · ');
}

function trialText(trial: TrialResult | undefined): string | undefined {
  switch (trial?.status) {
    case 'works':
      return trial.mfa ? '$(pass) works with MFA' : '$(pass) works';
    case 'refused':
      return '$(error) refused: its trust policy, your own policies, a permission boundary or an SCP does not allow it';
    case 'other':
      return `$(warning) ${trial.code ?? 'failed'}`;
    default:
      return undefined;
  }
}

/** A profile that already assumes `arn`, from whatever source (prod-auditor by chaining, say). */
function existingProfile(config: AwsConfig, arn: string): string | undefined {
  return [...config.profiles.values()].find((p) => p.roleArn === arn)?.name;
}

const problemOf = (result: { arn: string } | { problem: string }): string | undefined => ('problem' in result ? result.problem : undefined);

async function askAccount(
  candidate: RoleCandidate,
  known: { id: string; alias?: string }[],
  names: Record<string, string>,
): Promise<string | undefined> {
  const fixed = /^arn:[^:]*:iam::(\d{12}):/.exec(candidate.resource)?.[1];
  if (fixed) return fixed;
  const other = { label: '$(edit) Another Account…', id: '' };
  const description = (a: { id: string; alias?: string }) =>
    [a.alias ? a.id : undefined, names[a.id]].filter(Boolean).join(' · ') || undefined;
  const items = [...known.map((a) => ({ label: a.alias ?? a.id, description: description(a), id: a.id })), other];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Account for ${candidate.resource}`,
    placeHolder: 'The account to assume the role in',
    ignoreFocusOut: true,
  });
  if (!picked || picked.id) return picked?.id;
  return vscode.window.showInputBox({
    title: `Account for ${candidate.resource}`,
    prompt: 'The 12-digit account id',
    ignoreFocusOut: true,
    validateInput: (value) =>
      /^\d{12}$/.test(value.trim()) ? undefined : `'${value.trim()}' is not a 12-digit AWS account id: enter the account's id.`,
  });
}
