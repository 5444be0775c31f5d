// The "Agent access" view: the live write grants with their countdown (an End button on each), and which agents got
// AWS credentials, when, as which identity (the ARN, never a key). Its countdown ticks only while the view is on
// screen and a grant lives, and redraws only when a grant's text changed (once a minute until its last five): a redraw
// under the mouse takes the row's End button away from a person about to click it.
import * as vscode from 'vscode';
import type { AgentIssue } from '../core/agents/agentIdentities';
import type { Grant, WriteGrants } from '../core/agents/grants';
import { clockTime, formatTimeLeft } from '../core/time';
import { type Intervals, Ticker, type Visibility } from '../ticker';

/** Issues kept for the view: the newest. */
const KEPT_ISSUES = 50;

export type AgentTreeNode =
  | { kind: 'section'; section: 'grants' | 'issues' }
  | { kind: 'grant'; grant: Grant }
  | { kind: 'issue'; issue: AgentIssue }
  | { kind: 'empty'; text: string };

export class AgentTreeProvider implements vscode.TreeDataProvider<AgentTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<AgentTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly issues: AgentIssue[] = [];
  private readonly grantsSection: AgentTreeNode = { kind: 'section', section: 'grants' };
  private readonly issuesSection: AgentTreeNode = { kind: 'section', section: 'issues' };
  private readonly ticker: Ticker;
  private readonly subscription: { dispose(): void };
  /** The grant rows' texts as last drawn by a tick. */
  private drawn = '';

  constructor(
    private readonly grants: WriteGrants,
    intervals?: Intervals,
    private readonly now: () => number = Date.now,
  ) {
    this.ticker = new Ticker(() => this.tick(), 1000, intervals);
    this.subscription = grants.onDidChange(() => this.changed.fire(this.grantsSection));
  }

  follow(view: Visibility): void {
    this.ticker.follow(view);
  }

  /** An agent got credentials (EndpointHost.onDidIssueAgent). */
  issued(issue: AgentIssue): void {
    this.issues.unshift(issue);
    this.issues.length = Math.min(this.issues.length, KEPT_ISSUES);
    this.changed.fire(this.issuesSection);
  }

  getChildren(node?: AgentTreeNode): AgentTreeNode[] {
    if (!node) return [this.grantsSection, this.issuesSection];
    if (node.kind !== 'section') return [];
    if (node.section === 'grants') {
      const live = this.grants.live();
      return live.length ? live.map((grant) => ({ kind: 'grant', grant })) : [{ kind: 'empty', text: 'No agent may write' }];
    }
    return this.issues.length
      ? this.issues.map((issue) => ({ kind: 'issue', issue }))
      : [{ kind: 'empty', text: 'No agent has asked for AWS credentials' }];
  }

  getTreeItem(node: AgentTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'section': {
        const grants = node.section === 'grants';
        const item = new vscode.TreeItem(grants ? 'Write access' : 'Credentials issued', vscode.TreeItemCollapsibleState.Expanded);
        item.id = `section:${node.section}`;
        item.iconPath = new vscode.ThemeIcon(grants ? 'unlock' : 'history');
        return item;
      }
      case 'grant':
        return grantItem(node.grant, this.now());
      case 'issue':
        return issueItem(node.issue);
      case 'empty':
        return new vscode.TreeItem(node.text);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.ticker.dispose();
    this.changed.dispose();
  }

  private tick(): void {
    const texts = this.grants
      .live()
      .map((grant) => grantItem(grant, this.now()).description)
      .join('\n');
    if (texts === this.drawn) return;
    this.drawn = texts;
    this.changed.fire(this.grantsSection);
  }
}

function grantItem(grant: Grant, now: number): vscode.TreeItem {
  const item = new vscode.TreeItem(grant.agent);
  const where = `${grant.account.name}/${grant.role}`;
  item.id = `grant:${grant.id}`;
  if (grant.state === 'approved') {
    item.description = `writes in ${where} · ${formatTimeLeft(grant.expiresAt! - now)} left`;
    item.contextValue = 'agentGrant';
    // The warning colour meant for lists: the status bar's warning foreground is for its own dark-yellow background
    // and is white in the light themes, which left the row with no visible icon.
    item.iconPath = new vscode.ThemeIcon('unlock', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  } else {
    item.description = `asks to write in ${where}`;
    item.iconPath = new vscode.ThemeIcon('question');
  }
  item.tooltip = [`${grant.agent}: ${where} (account ${grant.account.id})`, `Reason: ${grant.reason}`].join('\n');
  return item;
}

function issueItem(issue: AgentIssue): vscode.TreeItem {
  const item = new vscode.TreeItem(issue.agent);
  item.description = `${clockTime(new Date(issue.at))} · ${issue.write ? 'write' : 'read-only'}`;
  item.tooltip = [
    issue.arn ?? 'an agent session',
    issue.roleArn ? `of ${issue.roleArn}` : '',
    issue.expiresAt ? `until ${clockTime(new Date(issue.expiresAt))}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  item.iconPath = new vscode.ThemeIcon(issue.write ? 'unlock' : 'eye');
  return item;
}
