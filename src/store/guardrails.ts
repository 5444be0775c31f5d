// The guardrails' state: which accounts are production (from the loaded catalog and the settings) and how the
// active identity stands against the folder's expected accounts. The status bar, the tree, terminals, tasks,
// debug launches and the role commands all ask here, so the verdict is computed in one place.
import * as vscode from 'vscode';
import { onDidChangeSettings, type Settings } from '../configuration/settings';
import { tryParseRoleArn } from '../core/aws/arn';
import {
  guardrailVerdict,
  launchQuestion,
  productionMark,
  productionQuestion,
  type GuardrailVerdict,
  type ProductionMark,
} from '../core/catalog/guardrails';
import type { AccountEntry, RoleEntry } from '../core/catalog/roleCatalog';
import type { Identity, Session } from '../core/session';
import { UserError } from '../core/userError';
import type { RoleCatalogStore } from './roleCatalogStore';

type RoleLike = Pick<RoleEntry, 'accountId' | 'label' | 'profile'>;

export class Guardrails implements vscode.Disposable {
  /** The catalog's accounts as last loaded: production flags live there (settings merged with ~/.aws/config). */
  private accounts: readonly AccountEntry[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the verdict may have changed: the session, the catalog or a setting changed. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[];
  private loadStarted = false;

  constructor(
    private readonly session: Session,
    private readonly catalog: RoleCatalogStore,
    private readonly settings: () => Settings,
  ) {
    this.disposables = [
      this.changed,
      session.onDidChange(() => this.changed.fire()),
      catalog.onDidChange(() => void this.reload()),
      onDidChangeSettings(() => this.changed.fire()),
    ];
  }

  /** Loads the catalog's accounts once a session exists (activation itself reads no file). */
  private async reload(): Promise<void> {
    try {
      this.accounts = (await this.catalog.get()).catalog.accounts;
    } catch {
      this.accounts = []; // the tree shows why the files could not be read
    }
    this.changed.fire();
  }

  productionOf(role: RoleLike, accounts: readonly AccountEntry[] = this.accounts): ProductionMark {
    return this.productionMarker(accounts)(role);
  }

  /** Marks many roles with one read of the settings (the tree marks hundreds at once; each read costs). */
  productionMarker(accounts: readonly AccountEntry[] = this.accounts): (role: RoleLike) => ProductionMark {
    const { productionPatterns, userProductionIds } = this.settings().guardrails;
    return (role) => productionMark(role, accounts, productionPatterns, userProductionIds);
  }

  /** The production mark of an identity (a role session or a Vault lease), by its account and label. */
  identityProduction(identity: Identity): ProductionMark {
    const accountId = identity.accountId ?? (identity.arn ? accountOf(identity.arn) : undefined);
    const profile = identity.origin.kind === 'sts' ? identity.origin.profile : undefined;
    return accountId ? this.productionOf({ accountId, label: identity.label, profile }) : { production: false };
  }

  verdict(): GuardrailVerdict {
    const identity = this.session.identity;
    if (identity && !this.loadStarted) {
      this.loadStarted = true;
      void this.reload();
    }
    return guardrailVerdict({
      identity: identity && {
        label: identity.label,
        accountId: identity.accountId ?? (identity.arn ? accountOf(identity.arn) : undefined),
      },
      expectedAccountIds: this.settings().guardrails.expectedAccountIds,
      production: identity ? this.identityProduction(identity) : undefined,
    });
  }

  /** Asks before a production role is assumed (unless iamSwitchboard.confirmProductionRoles is off). */
  async confirmProduction(role: RoleEntry): Promise<boolean> {
    if (!this.settings().guardrails.confirmProductionRoles) return true;
    const accounts = (await this.catalog.get()).catalog.accounts;
    const mark = this.productionOf(role, accounts);
    if (!mark.production) return true;
    const answer = await vscode.window.showWarningMessage(
      productionQuestion(role, mark),
      { modal: true, detail: 'Turn this question off with the iamSwitchboard.confirmProductionRoles setting.' },
      'Assume',
    );
    return answer === 'Assume';
  }

  /**
   * Whether a task or debug launch may start as the active identity (iamSwitchboard.wrongAccountLaunch): asks
   * (modal), refuses with a UserError, or allows.
   */
  async mayLaunch(kind: 'task' | 'debug', name: string): Promise<boolean> {
    const identity = this.session.identity;
    const verdict = this.verdict();
    const question = launchQuestion(
      verdict,
      identity && { label: identity.label, accountId: identity.accountId ?? (identity.arn ? accountOf(identity.arn) : undefined) },
      { kind, name },
    );
    const policy = this.settings().guardrails.wrongAccountLaunch;
    if (!question || policy === 'allow') return true;
    if (policy === 'refuse') {
      throw new UserError(
        `${verdict.message ?? question} It was stopped: switch to a role in the expected account, then start it again.`,
        'WrongAccount',
      );
    }
    const answer = await vscode.window.showWarningMessage(question, { modal: true, detail: verdict.message }, 'Start Anyway');
    return answer === 'Start Anyway';
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

function accountOf(arn: string): string | undefined {
  return tryParseRoleArn(arn)?.accountId ?? /^arn:[a-z-]+:(?:sts|iam)::(\d{12}):/.exec(arn)?.[1];
}
