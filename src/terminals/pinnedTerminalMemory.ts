// What lets a terminal opened as a role survive Reload Window. VS Code reconnects a non-transient terminal to the
// same process, whose environment still holds its pinned token; the new window's endpoint must take that token
// again, for the same role. So the window remembers, per terminal: its process id, role key and label in
// workspaceState, its token in SecretStorage (never a file or a setting). On activation, a remembered process
// that still runs gets its token back, pinned to the role, which is assumed again when the terminal first asks.
// Terminals that cannot come back (keys in their environment, a Vault lease) stay transient: VS Code drops their
// tabs but leaves their processes running, so their pids (with start times) are remembered to end them then.
import { execFile } from 'node:child_process';
import type * as vscode from 'vscode';
import { workspaceStateOf } from '../configuration/state';
import type { RoleEntry } from '../core/catalog/roleCatalog';
import type { Identity } from '../core/session';

interface RememberedPinned extends RunningProcess {
  roleKey: string;
  label: string;
}

/** A terminal from the earlier window, its token taken again. */
interface RestoredPinned extends RememberedPinned {
  token: string;
  role: RoleEntry;
}

/** More than a person keeps open; the oldest are forgotten first. */
const MAX_REMEMBERED = 50;

export class PinnedTerminalMemory {
  constructor(private readonly context: vscode.ExtensionContext) {}

  async remember(pid: number, token: string, role: RoleEntry, label: string): Promise<void> {
    const started = await processStart(pid);
    const others = this.records().filter((r) => r.pid !== pid);
    await this.context.secrets.store(this.secretKey(pid), token);
    await this.save([...others, { pid, started, roleKey: role.key, label }].slice(-MAX_REMEMBERED));
  }

  async forget(pid: number): Promise<void> {
    await this.save(this.records().filter((r) => r.pid !== pid));
    await this.context.secrets.delete(this.secretKey(pid));
  }

  /**
   * The remembered terminals whose process still runs and whose role the catalog still has, with their tokens.
   * The others are forgotten: a process that ended, or a role no longer there, has nothing to come back to.
   * The same process, not just the same pid: after a Quit, VS Code has written these tokens to disk with the
   * terminals' environments, and a reused pid must not make one valid again.
   */
  async restore(findRole: (key: string) => Promise<RoleEntry | undefined>): Promise<RestoredPinned[]> {
    const restored: RestoredPinned[] = [];
    for (const record of this.records()) {
      const token = (await stillRuns(record)) ? await this.context.secrets.get(this.secretKey(record.pid)) : undefined;
      const role = token ? await findRole(record.roleKey) : undefined;
      if (token && role) {
        restored.push({ ...record, token, role });
      } else {
        await this.forget(record.pid);
      }
    }
    return restored;
  }

  /** A transient terminal's process, to end if it outlives this window (with its start time, against pid reuse). */
  async endAfterReload(pid: number): Promise<void> {
    const started = await processStart(pid);
    if (started === undefined) return;
    const others = this.toEnd().filter((p) => p.pid !== pid);
    await workspaceStateOf(this.context).update(
      'iamSwitchboard.pinnedTerminalsToEnd',
      [...others, { pid, started }].slice(-MAX_REMEMBERED),
    );
  }

  /** The transient terminal closed the ordinary way. */
  async ended(pid: number): Promise<void> {
    await workspaceStateOf(this.context).update(
      'iamSwitchboard.pinnedTerminalsToEnd',
      this.toEnd().filter((p) => p.pid !== pid),
    );
  }

  /**
   * Ends the transient terminals an earlier window left running: SIGHUP, what closing their tab does (the shell
   * passes it on to its jobs). Only the same process: its start time must be the one remembered.
   */
  async endLeftovers(): Promise<number[]> {
    const leftovers = this.toEnd();
    if (leftovers.length === 0) return [];
    await workspaceStateOf(this.context).update('iamSwitchboard.pinnedTerminalsToEnd', []);
    const ended: number[] = [];
    for (const { pid, started } of leftovers) {
      if ((await processStart(pid)) !== started) continue;
      try {
        process.kill(pid, 'SIGHUP');
        ended.push(pid);
      } catch {
        // it ended meanwhile
      }
    }
    return ended;
  }

  private toEnd(): Array<{ pid: number; started: string }> {
    return workspaceStateOf(this.context).get('iamSwitchboard.pinnedTerminalsToEnd') ?? [];
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

/** When the process started, as `ps` says it (POSIX `lstart`); undefined when it does not run or on Windows. */
export function processStart(pid: number): Promise<string | undefined> {
  if (process.platform === 'win32') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'lstart=', '-p', String(pid)], { timeout: 5000 }, (error, stdout) =>
      resolve(error ? undefined : stdout.trim() || undefined),
    );
  });
}

/** A process remembered by its pid and, where `ps` can read it, its start time (absent: Windows). */
export interface RunningProcess {
  pid: number;
  started?: string;
}

/** Whether that same process still runs: same pid and same start time (a reused pid is another process). */
export async function stillRuns({ pid, started }: RunningProcess): Promise<boolean> {
  return started === undefined ? isRunning(pid) : (await processStart(pid)) === started;
}

/** Signal 0 only asks whether the process exists (the terminals' processes run on the extension host's machine). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
