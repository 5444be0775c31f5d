// Debug launches (F5) run as the active role, like terminals; the launch's own env entries win.
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import { environmentFor } from '../core/terminalEnv';

export function registerDebugEnvironment(context: vscode.ExtensionContext, session: Session): void {
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('*', {
      resolveDebugConfigurationWithSubstitutedVariables: (_folder, config) => {
        const identity = session.identity;
        if (identity) {
          config.env = { ...environmentFor(identity), ...(config.env as Record<string, string> | undefined) };
        }
        return config;
      },
    }),
  );
}
