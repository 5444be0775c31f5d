// "Open Terminal as Role": a terminal that is one identity whatever the window's session is. In endpoint mode
// it holds its own pinned token (revoked when it closes); in environment mode, its own keys.
import * as vscode from 'vscode';
import type { Settings } from '../configuration/settings';
import type { RoleEntry } from '../core/catalog/roleCatalog';
import type { Identity } from '../core/session';
import {
  environmentFor,
  isolatedEnvironment,
  MANAGED_VARIABLES,
  PROFILE_VARIABLES,
  pinnedTerminalEnvironment,
} from '../core/endpoint/terminalEnv';
import type { EndpointHost } from './endpointHost';
import { notYetAssumed, type PinnedTerminalMemory } from './pinnedTerminalMemory';

/** Where a pinned terminal carries its own values, under names the window-wide collection never sets. */
const PIN_PREFIX = 'IAM_SWITCHBOARD_PIN_';

/**
 * VS Code applies the window-wide environment collection on top of a terminal's own environment, even with
 * `strictEnv`: a pinned terminal opened while another role is active would get that role's keys. So the pinned
 * values travel under other names and a tiny POSIX shell step (variable names only, no values in its text)
 * puts them in place, drops the profile variables and execs the person's shell.
 */
const UNPIN_SCRIPT =
  `for name in ${MANAGED_VARIABLES.join(' ')}; do ` +
  `eval "value=\\\${${PIN_PREFIX}$name-}"; ` +
  'if [ -n "$value" ]; then export "$name=$value"; else unset "$name"; fi; ' +
  `unset "${PIN_PREFIX}$name"; done; unset value name ${PROFILE_VARIABLES.join(' ')}; exec "$0" "$@"`;

/** A production identity's tab gets a flame in the error colour, so it stands out among the terminals. */
function tabLook(production: boolean): Pick<vscode.TerminalOptions, 'iconPath' | 'color'> {
  return production
    ? { iconPath: new vscode.ThemeIcon('flame'), color: new vscode.ThemeColor('terminal.ansiRed') }
    : { iconPath: new vscode.ThemeIcon('key') };
}

function pinnedTerminalOptions(
  identity: Identity,
  base: NodeJS.ProcessEnv = process.env,
  shell = vscode.env.shell,
  production = false,
): vscode.TerminalOptions {
  const name = `AWS: ${identity.label}`;
  const look = tabLook(production);
  if (process.platform === 'win32' || !shell) {
    return { name, ...look, env: isolatedEnvironment(base, identity), strictEnv: true, isTransient: true };
  }
  // Environment mode keeps strictEnv (and so the extension host's PATH, not the person's): measured in code-server
  // 4.100, without it a pinned terminal opened before a switch answered as the new role (pinnedTerminals.test.ts).
  const env: Record<string, string> = isolatedEnvironment(base, identity);
  const values = environmentFor(identity);
  for (const variable of MANAGED_VARIABLES) {
    delete env[variable];
    env[PIN_PREFIX + variable] = values[variable] ?? '';
  }
  return { name, ...look, env, strictEnv: true, isTransient: true, shellPath: '/bin/sh', shellArgs: ['-c', UNPIN_SCRIPT, shell] };
}

/** How terminals opened as a role come back after Reload Window (pinnedTerminalMemory.ts). */
interface PinnedTerminalRestore {
  memory: PinnedTerminalMemory;
  /** The catalog's role of a key, to assume it again for a reconnected terminal. */
  findRole: (key: string) => Promise<RoleEntry | undefined>;
}

export class PinnedTerminals implements vscode.Disposable {
  private readonly tokens = new Map<vscode.Terminal, string>();
  /** Process ids of the terminals remembered for a reload. */
  private readonly remembered = new Map<vscode.Terminal, number>();
  /**
   * Process ids of the transient ones (keys in their environment, or a Vault lease's token): VS Code drops their
   * tabs on a reload but leaves their processes running, unseen and refused (measured in code-server), and the
   * old window gets no say then; so the next window ends them.
   */
  private readonly endWithWindow = new Map<vscode.Terminal, number>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly endpoint: EndpointHost,
    private readonly settings: () => Settings,
    /** Told of terminals that hold keys (environment mode), to find them after a reload. */
    private readonly onKeysTerminal: (terminal: vscode.Terminal, label: string) => void,
    /** Whether an identity is production (store/guardrails.ts), for the tab's look. */
    private readonly isProduction: (identity: Identity) => boolean = () => false,
    private readonly restore?: PinnedTerminalRestore,
  ) {
    this.subscriptions.push(
      vscode.window.onDidCloseTerminal((terminal) => {
        const transient = this.endWithWindow.get(terminal);
        if (transient !== undefined && terminal.exitStatus?.reason !== vscode.TerminalExitReason.Shutdown) {
          this.endWithWindow.delete(terminal);
          void this.restore?.memory.ended(transient);
        }
        const token = this.tokens.get(terminal);
        if (token) {
          this.endpoint.revoke(token); // a closed terminal's token stops working
          this.tokens.delete(terminal);
        }
        const pid = this.remembered.get(terminal);
        // A window closing or reloading detaches its terminals: the reloaded window may reconnect them.
        if (pid !== undefined && terminal.exitStatus?.reason !== vscode.TerminalExitReason.Shutdown) {
          this.remembered.delete(terminal);
          void this.restore?.memory.forget(pid);
        }
      }),
    );
    if (restore) {
      void restore.memory.endLeftovers();
      void this.reattach(restore);
    }
  }

  /** Opens and shows a terminal that is `identity`; `role` lets the endpoint assume it again before it ends. */
  async open(identity: Identity, role?: RoleEntry): Promise<vscode.Terminal> {
    if (this.settings().terminalCredentials === 'environment') {
      const terminal = vscode.window.createTerminal(
        pinnedTerminalOptions(identity, process.env, vscode.env.shell, this.isProduction(identity)),
      );
      this.onKeysTerminal(terminal, identity.label);
      void this.endsWithWindow(terminal);
      terminal.show();
      return terminal;
    }
    const token = await this.endpoint.issue(identity, role);
    const running = await this.endpoint.start();
    // Not strictEnv, which drops the person's PATH and terminal.integrated.env.*: only the credentials differ.
    // The collection's "W," is prepended where VS Code applies it, and the endpoint takes the last token: P.
    // A role's terminal is kept over a reload (VS Code reconnects its process; see reattach); other identities
    // (a Vault lease) cannot be had again in a new window, so their terminals end with this one.
    const kept = role !== undefined && this.restore !== undefined;
    const terminal = vscode.window.createTerminal({
      name: `AWS: ${identity.label}`,
      ...tabLook(this.isProduction(identity)),
      env: pinnedTerminalEnvironment(running, token, identity),
      isTransient: !kept,
    });
    this.tokens.set(terminal, token);
    if (kept) void this.rememberForReload(terminal, token, role, identity.label);
    else void this.endsWithWindow(terminal);
    terminal.show();
    return terminal;
  }

  private async endsWithWindow(terminal: vscode.Terminal): Promise<void> {
    const pid = await terminal.processId;
    if (pid !== undefined && vscode.window.terminals.includes(terminal)) {
      this.endWithWindow.set(terminal, pid);
      await this.restore?.memory.endAfterReload(pid);
    }
  }

  private async rememberForReload(terminal: vscode.Terminal, token: string, role: RoleEntry, label: string): Promise<void> {
    const pid = await terminal.processId;
    if (pid === undefined || !this.tokens.has(terminal)) return;
    this.remembered.set(terminal, pid);
    await this.restore?.memory.remember(pid, token, role, label);
  }

  /**
   * After a reload: the tokens of remembered terminals whose processes still run are taken again, pinned to their
   * roles, and each terminal VS Code reconnects (the same process id) is adopted, so closing it ends its token.
   */
  private async reattach(restore: PinnedTerminalRestore): Promise<void> {
    const waiting = new Map<number, string>();
    const adopt = async (terminal: vscode.Terminal) => {
      const pid = await terminal.processId;
      const token = pid === undefined ? undefined : waiting.get(pid);
      if (pid === undefined || token === undefined) return;
      waiting.delete(pid);
      this.tokens.set(terminal, token);
      this.remembered.set(terminal, pid);
    };
    for (const terminal of await restore.memory.restore(restore.findRole)) {
      const region = terminal.role.region ?? this.settings().region;
      await this.endpoint.issue(notYetAssumed(terminal.role, terminal.label, region), terminal.role, terminal.token);
      waiting.set(terminal.pid, terminal.token);
    }
    if (waiting.size === 0) return;
    this.subscriptions.push(vscode.window.onDidOpenTerminal((terminal) => void adopt(terminal)));
    vscode.window.terminals.forEach((terminal) => void adopt(terminal));
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.tokens.forEach((token) => this.endpoint.revoke(token));
    this.tokens.clear();
  }
}
