// "Open Terminal as Role": a terminal that is one identity whatever the window's session is.
import * as vscode from 'vscode';
import type { Identity } from '../core/session';
import { environmentFor, isolatedEnvironment, MANAGED_VARIABLES, PROFILE_VARIABLES } from '../core/terminalEnv';

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
export function pinnedTerminalOptions(identity: Identity, base: NodeJS.ProcessEnv = process.env, shell = vscode.env.shell, production = false): vscode.TerminalOptions {
  const name = `AWS: ${identity.label}`;
  const iconPath = new vscode.ThemeIcon(production ? 'flame' : 'key');
  const color = production ? new vscode.ThemeColor('terminal.ansiRed') : undefined;
  if (process.platform === 'win32' || !shell) {
    return { name, iconPath, color, env: isolatedEnvironment(base, identity), strictEnv: true, isTransient: true };
  }
  const env: Record<string, string> = isolatedEnvironment(base, identity);
  const values = environmentFor(identity);
  for (const variable of MANAGED_VARIABLES) {
    delete env[variable];
    env[PIN_PREFIX + variable] = values[variable] ?? '';
  }
  return { name, iconPath, color, env, strictEnv: true, isTransient: true, shellPath: '/bin/sh', shellArgs: ['-c', UNPIN_SCRIPT, shell] };
}

export function openPinnedTerminal(identity: Identity, production = false): vscode.Terminal {
  const terminal = vscode.window.createTerminal(pinnedTerminalOptions(identity, process.env, vscode.env.shell, production));
  terminal.show();
  return terminal;
}
