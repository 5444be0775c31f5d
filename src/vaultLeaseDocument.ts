// Look Up Lease's answer as a read-only document a person can read whole (a toast truncates it): lease id,
// TTL, renewable, issue and expiry times. Built from Vault's lease metadata only, so it holds no credentials.
import * as vscode from 'vscode';
import { clockTime } from './core/time';
import { formatSeconds } from './core/duration';
import type { LeaseInfo } from './core/vault/client';
import type { Lease } from './core/vault/leases';

const SCHEME = 'iamswitchboard-vault-lease';

export class VaultLeaseDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? 'This lease was looked up in an earlier window; run Look Up Lease again.';
  }

  /** Shows (or updates) the document of one lease and returns its URI. */
  async show(lease: Lease, info: LeaseInfo, serverName: string): Promise<vscode.Uri> {
    // One document per lease: the query keeps ids apart, the path gives the tab a readable name.
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/Vault lease ${lease.role}.md`, query: lease.leaseId });
    this.contents.set(uri.toString(), leaseMarkdown(lease, info, serverName));
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.languages.setTextDocumentLanguage(document, 'markdown');
    await vscode.window.showTextDocument(document, { preview: true });
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

export function leaseMarkdown(lease: Lease, info: LeaseInfo, serverName: string, now = new Date()): string {
  const time = (date?: Date) => (date ? clockTime(date, now) : 'not given');
  return [
    `# Vault lease for ${lease.role}`,
    '',
    `Lease id: \`${info.id}\``,
    '',
    `- Server: ${serverName} (${lease.server})`,
    `- Role: ${lease.mount}/roles/${lease.role}`,
    `- Credential type: ${lease.credentialType}`,
    `- Time left: ${formatSeconds(info.ttl)}`,
    `- Renewable: ${info.renewable ? 'yes' : 'no'}`,
    `- Issued: ${time(info.issueTime)}`,
    `- Expires: ${time(info.expireTime)}`,
    `- Last renewed: ${info.lastRenewal ? clockTime(info.lastRenewal, now) : 'never'}`,
    '',
    `Looked up ${clockTime(now, now)}. Credentials are never shown here.`,
    '',
  ].join('\n');
}
