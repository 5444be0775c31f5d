// What lets a terminal opened as a role survive Reload Window. VS Code reconnects a non-transient terminal to the
// same process, whose environment still holds its pinned token; the new window's endpoint must take that token
// again, for the same role. So the window remembers, per terminal: its process id, role key and label in
// workspaceState, its token in SecretStorage (never a file or a setting). On activation, a remembered process
// that still runs gets its token back, pinned to the role, which is assumed again when the terminal first asks.
import type * as vscode from 'vscode';
import { workspaceStateOf } from '../configuration/state';
import type { RoleEntry } from '../core/catalog/roleCatalog';
import type { Identity } from '../core/session';

export interface RememberedPinned {
  pid: number;
  roleKey: string;
  label: string;
}

/** A terminal from the earlier window, its token taken again. */
export interface RestoredPinned extends RememberedPinned {
  token: string;
  role: RoleEntry;
}

/** More than a person keeps open; the oldest are forgotten first. */
const MAX_REMEMBERED = 50;

export class PinnedTerminalMemory {
  constructor(private readonly context: vscode.ExtensionContext) {}

  async remember(pid: number, token: string, role: RoleEntry, label: string): Promise<void> {
    const others = this.records().filter((r) => r.pid !== pid);
    await this.context.secrets.store(this.secretKey(pid), token);
    await this.save([...others, { pid, roleKey: role.key, label }].slice(-MAX_REMEMBERED));
  }

  async forget(pid: number): Promise<void> {
    await this.save(this.records().filter((r) => r.pid !== pid));
    await this.context.secrets.delete(this.secretKey(pid));
  }

  /**
   * The remembered terminals whose process still runs and whose role the catalog still has, with their tokens.
   * The others are forgotten: a process that ended, or a role no longer there, has nothing to come back to.
   */
  async restore(findRole: (key: string) => Promise<RoleEntry | undefined>): Promise<RestoredPinned[]> {
    const restored: RestoredPinned[] = [];
    for (const record of this.records()) {
      const token = isRunning(record.pid) ? await this.context.secrets.get(this.secretKey(record.pid)) : undefined;
      const role = token ? await findRole(record.roleKey) : undefined;
      if (token && role) {
        restored.push({ ...record, token, role });
      } else {
        await this.forget(record.pid);
      }
    }
    return restored;
  }

  private records(): RememberedPinned[] {
    return workspaceStateOf(this.context).get('iamSwitchboard.pinnedTerminals') ?? [];
  }

  private save(records: RememberedPinned[]): Thenable<void> {
    return workspaceStateOf(this.context).update('iamSwitchboard.pinnedTerminals', records);
  }

  // SecretStorage is shared by every window of the extension: the workspace's storage names this window's.
  private secretKey(pid: number): string {
    return `iamSwitchboard.pinnedTerminal.token:${this.context.storageUri?.toString() ?? 'no-workspace'}:${pid}`;
  }
}

/**
 * Who a restored terminal is until its role is assumed again: no keys, already expired, so the endpoint's first
 * request from it refreshes (assumes the role, asking for an MFA code only then, if it must).
 */
export function notYetAssumed(role: RoleEntry, label: string, region: string): Identity {
  return {
    label,
    arn: undefined,
    accountId: role.accountId,
    region,
    credentials: { accessKeyId: '', secretAccessKey: '', expiration: new Date(0) },
    origin: { kind: 'sts', roleArn: role.arn, profile: role.profile, needsMfa: role.needsMfa },
  };
}

/** Signal 0 only asks whether the process exists (the terminals' processes run on the extension host's machine). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
