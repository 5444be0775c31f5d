// The roles this person switched to, most recent first: keys only (never credentials), shared by windows.
import type * as vscode from 'vscode';
import { globalStateOf, type TypedState } from '../configuration/state';

const RECENT_MAX = 10;

export class RecentRoles {
  private readonly state: TypedState<{ 'iamSwitchboard.recentRoles': string[] }>;

  constructor(context: vscode.ExtensionContext) {
    this.state = globalStateOf(context);
  }

  list(): string[] {
    return this.state.get('iamSwitchboard.recentRoles') ?? [];
  }

  async add(key: string): Promise<void> {
    const keys = [key, ...this.list().filter((k) => k !== key)].slice(0, RECENT_MAX);
    await this.state.update('iamSwitchboard.recentRoles', keys);
  }
}
