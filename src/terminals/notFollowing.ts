// Terminals that do not follow the active role. The credential endpoint reaches a terminal through the window's
// environment collection, which VS Code applies only to terminals started after it is set (firstUse.ts sets it
// when the window starts using IAM Switchboard): a terminal opened before holds no token and stays whoever its
// shell was, the person's IAM user, while the status bar shows a role. VS Code offers no way to change a running
// terminal's environment, nor to read it (creationOptions.env holds only what an extension passed; shell
// integration reports no environment in 1.100). So the terminals open at that moment are the ones not following,
// and their process ids (ids only) are kept in workspace state: after Reload Window, VS Code reconnects the same
// processes, and they are known again. Told once with an offer to relaunch them; said until they are relaunched or
// closed, in the status bar and the AWS Roles view.
import * as vscode from 'vscode';
import { workspaceStateOf } from '../configuration/state';

const MAX_REMEMBERED = 50;

export class NotFollowingTerminals implements vscode.Disposable {
  private readonly terminals = new Set<vscode.Terminal>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[] = [this.emitter];
  private readonly state;
  /** Process ids of terminals known not to follow, kept for the next window (Reload Window reconnects them). */
  private readonly notFollowingPids: Set<number>;
  private takenOver = false;

  constructor(context: vscode.ExtensionContext) {
    this.state = workspaceStateOf(context);
    this.notFollowingPids = new Set(this.state.get('iamSwitchboard.terminalsNotFollowing') ?? []);
    this.subscriptions.push(
      vscode.window.onDidCloseTerminal((terminal) => {
        if (this.terminals.delete(terminal)) {
          this.emitter.fire();
        }
      }),
      vscode.window.onDidOpenTerminal((terminal) => this.takenOver && void this.opened(terminal)),
    );
  }

  /** The names of the terminals that do not follow the active role, in tab order. */
  names(): string[] {
    return vscode.window.terminals.filter((t) => this.terminals.has(t)).map((t) => t.name);
  }

  /**
   * The endpoint now reaches every new terminal: the ones open already are found, said, and offered a relaunch.
   * `resumed`: the endpoint took its token from before a reload back, so the terminals VS Code reconnected follow.
   */
  async takeOver(resumed: boolean): Promise<void> {
    if (this.takenOver) {
      return;
    }
    this.takenOver = true;
    for (const terminal of [...vscode.window.terminals]) {
      const pid = await terminal.processId;
      if (terminal.exitStatus || carriesToken(terminal) || pid === undefined) {
        continue;
      }
      // In a reloaded window, the terminals VS Code reconnected got the token before the reload, but for the ones
      // known not to. After a Quit the token is new, and the terminals VS Code revived hold the dead one. (A terminal
      // VS Code starts anew when a window reopens gets no collection either, and is not known here: VS Code tells no
      // extension which environment a terminal has.)
      if (resumed && !this.notFollowingPids.has(pid)) {
        continue;
      }
      this.terminals.add(terminal);
      this.notFollowingPids.add(pid);
    }
    await this.save();
    if (this.terminals.size > 0) {
      this.emitter.fire();
      void this.offerRelaunch();
    }
  }

  /**
   * Relaunches every terminal that does not follow: a new one with its name and folder, started with the window's
   * environment, and the old one closed. (VS Code's own relaunch command acts on the active terminal and, measured
   * in code-server 4.100, left no terminal behind for one reconnected after a reload.)
   */
  async relaunch(): Promise<void> {
    for (const terminal of vscode.window.terminals.filter((t) => this.terminals.has(t))) {
      const pid = await terminal.processId;
      const fresh = vscode.window.createTerminal({ name: terminal.name, cwd: folderOf(terminal) });
      this.terminals.delete(terminal);
      if (pid !== undefined) {
        this.notFollowingPids.delete(pid);
      }
      terminal.dispose();
      fresh.show();
    }
    await this.save();
    this.emitter.fire();
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }

  private async offerRelaunch(): Promise<void> {
    const names = this.names();
    const one = names.length === 1;
    const choice = await vscode.window.showWarningMessage(
      `${one ? 'Terminal' : 'Terminals'} ${names.map((n) => `'${n}'`).join(', ')} ${one ? 'was' : 'were'} opened before IAM Switchboard took ` +
        `over terminals and ${one ? 'keeps' : 'keep'} the identity ${one ? 'it' : 'they'} started with, not the role in the status bar. ` +
        `Relaunch ${one ? 'it' : 'them'} to follow the active role.`,
      'Relaunch',
    );
    if (choice === 'Relaunch') {
      await this.relaunch();
    }
  }

  /** A terminal that opens after the take-over follows, unless it is one known not to, reconnected late after a reload. */
  private async opened(terminal: vscode.Terminal): Promise<void> {
    const pid = await terminal.processId;
    if (pid !== undefined && this.notFollowingPids.has(pid)) {
      this.terminals.add(terminal);
      this.emitter.fire();
    }
  }

  private save(): Thenable<void> {
    return this.state.update('iamSwitchboard.terminalsNotFollowing', [...this.notFollowingPids].slice(-MAX_REMEMBERED));
  }
}

/** Terminals this extension opened (pinned, leases) carry their own token or pinned values from the start. */
function carriesToken(terminal: vscode.Terminal): boolean {
  const env = (terminal.creationOptions as vscode.TerminalOptions).env ?? {};
  return 'AWS_CONTAINER_AUTHORIZATION_TOKEN' in env || Object.keys(env).some((name) => name.startsWith('IAM_SWITCHBOARD_PIN_'));
}

/**
 * The terminal's folder as a path: a file: Uri as cwd would start a terminal on the local machine in a remote
 * window (code-server), a path starts it where the window's terminals run.
 */
function folderOf(terminal: vscode.Terminal): string | undefined {
  const cwd = terminal.shellIntegration?.cwd ?? (terminal.creationOptions as vscode.TerminalOptions).cwd;
  return typeof cwd === 'string' ? cwd : cwd?.path;
}
