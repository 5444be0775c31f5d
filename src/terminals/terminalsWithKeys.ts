// Terminals that hold AWS keys in their environment outlive a window reload (VS Code reconnects to them), but
// the window's session does not: they would run as a role the status bar no longer shows. So the window
// remembers which terminals got keys (process ids and labels only, never keys) and, when such a terminal is
// reconnected after a reload, says so and offers to close it.
import * as vscode from 'vscode';
import type { Settings } from '../configuration/settings';
import type { Session } from '../core/session';
import { workspaceStateOf } from '../configuration/state';

const MAX_REMEMBERED = 50;
/** Reconnected terminals arrive one by one after activation: one warning for all that arrive this close together. */
const GATHER_MS = 1500;

interface TerminalsWithKeys {
  /** A terminal opened as `label` with its own keys. */
  pinned(terminal: vscode.Terminal, label: string): void;
}

export function registerTerminalsWithKeys(
  context: vscode.ExtensionContext,
  session: Session,
  log: vscode.LogOutputChannel,
  settings: () => Settings,
): TerminalsWithKeys {
  const state = workspaceStateOf(context);
  const remembered = new Map((state.get('iamSwitchboard.terminalsWithKeys') ?? []).map((t) => [t.pid, t.label]));
  const fromEarlierWindow = new Set(remembered.keys());
  const save = () =>
    state.update(
      'iamSwitchboard.terminalsWithKeys',
      [...remembered].slice(-MAX_REMEMBERED).map(([pid, label]) => ({ pid, label })),
    );
  const pinnedTerminals = new WeakSet<vscode.Terminal>();
  const restored: Array<{ terminal: vscode.Terminal; label: string }> = [];
  let gather: NodeJS.Timeout | undefined;

  const remember = async (terminal: vscode.Terminal, label: string) => {
    const pid = await terminal.processId;
    if (pid !== undefined) {
      remembered.set(pid, label);
      fromEarlierWindow.delete(pid);
      await save();
    }
  };
  const inspect = async (terminal: vscode.Terminal) => {
    const pid = await terminal.processId;
    if (pid === undefined || !fromEarlierWindow.has(pid)) {
      return;
    }
    fromEarlierWindow.delete(pid);
    restored.push({ terminal, label: remembered.get(pid)! });
    clearTimeout(gather);
    gather = setTimeout(() => void warn(restored.splice(0), log), GATHER_MS);
  };

  vscode.window.terminals.forEach((terminal) => void inspect(terminal));
  context.subscriptions.push(
    vscode.window.onDidOpenTerminal((terminal) => {
      void inspect(terminal);
      // In environment mode, an ordinary terminal opened while a session is active got its keys from the collection.
      const identity = session.identity;
      if (identity && settings().terminalCredentials === 'environment' && !pinnedTerminals.has(terminal)) {
        void remember(terminal, identity.label);
      }
    }),
    vscode.window.onDidCloseTerminal(async (terminal) => {
      const pid = await terminal.processId;
      if (pid !== undefined && remembered.delete(pid)) {
        await save();
      }
    }),
    { dispose: () => clearTimeout(gather) },
  );
  return {
    pinned: (terminal, label) => {
      pinnedTerminals.add(terminal);
      void remember(terminal, label);
    },
  };
}

async function warn(restored: Array<{ terminal: vscode.Terminal; label: string }>, log: vscode.LogOutputChannel): Promise<void> {
  if (!restored.length) {
    return;
  }
  const one = restored.length === 1;
  const labels = [...new Set(restored.map((r) => r.label))].join(', ');
  const closeLabel = one ? 'Close Terminal' : 'Close Terminals';
  log.warn(`${restored.length} terminal(s) from before the reload still hold AWS keys of ${labels}.`);
  const choice = await vscode.window.showWarningMessage(
    `${one ? 'A terminal' : `${restored.length} terminals`} from before the reload still ${one ? 'holds' : 'hold'} the AWS keys of ${labels}, ` +
      `which this window no longer shows: close ${one ? 'it' : 'them'} and open new ones.`,
    closeLabel,
    'Keep',
  );
  if (choice === closeLabel) {
    restored.forEach(({ terminal }) => terminal.dispose());
  }
}
