// Debug launches (F5) run as the active role, like terminals; the launch's own env entries win. A launch the
// guardrails stop (the wrong account for this folder) is cancelled by returning undefined.
import * as vscode from 'vscode';
import type { Session } from '../core/session';
import { environmentFor } from '../core/terminalEnv';
import { showError } from '../errors';

/** Resolves to false to cancel a launch; throws a UserError to refuse it with a reason. */
export type LaunchGate = (kind: 'debug', name: string) => Promise<boolean>;

export function registerDebugEnvironment(context: vscode.ExtensionContext, session: Session, gate?: LaunchGate, log?: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('*', {
      resolveDebugConfigurationWithSubstitutedVariables: async (_folder, config) => {
        // Child sessions (a node launch's worker) belong to a launch that was already let through.
        if (gate && !config.__pendingTargetId && !config.__parentId && !(await passes(gate, config.name ?? config.type, log))) {
          return undefined;
        }
        const identity = session.identity;
        if (identity) {
          config.env = { ...environmentFor(identity), ...(config.env as Record<string, string> | undefined) };
        }
        return config;
      },
    }),
  );
}

async function passes(gate: LaunchGate, name: string, log: vscode.LogOutputChannel | undefined): Promise<boolean> {
  try {
    return await gate('debug', name);
  } catch (error) {
    if (log) showError(log, error, `Start ${name}`);
    return false;
  }
}
