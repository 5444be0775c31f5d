// Which terminal processes got the window's following token, so the next window can tell a Reload Window from a
// Quit. A reload keeps the terminals' processes (VS Code reconnects them), and the token is taken again. A Quit ends
// them, and desktop VS Code has then written every used terminal's environment, this token in it, into the
// workspace's state on disk (terminal.integrated.enablePersistentSessions); the terminals it revives are new
// processes. Kept in workspace state: process ids and start times (against pid reuse), nothing secret.
import type * as vscode from 'vscode';
import { workspaceStateOf } from '../configuration/state';
import { processStart, type RunningProcess, stillRuns } from './pinnedTerminalMemory';

/** More than a person keeps open; the oldest are forgotten first. */
const MAX_REMEMBERED = 50;

export class FollowingProcesses {
  constructor(private readonly context: vscode.ExtensionContext) {}

  async add(pid: number): Promise<void> {
    const started = await processStart(pid);
    const others = this.records().filter((p) => p.pid !== pid);
    await this.save([...others, { pid, started }].slice(-MAX_REMEMBERED));
  }

  /** Whether one of them still runs (the window was reloaded); the ones that ended are forgotten. */
  async anyRunning(): Promise<boolean> {
    const records = this.records();
    const running = await Promise.all(records.map(stillRuns));
    const left = records.filter((_, i) => running[i]);
    await this.save(left);
    return left.length > 0;
  }

  private records(): RunningProcess[] {
    return workspaceStateOf(this.context).get('iamSwitchboard.followingTerminals') ?? [];
  }

  private save(records: RunningProcess[]): Thenable<void> {
    return workspaceStateOf(this.context).update('iamSwitchboard.followingTerminals', records);
  }
}
