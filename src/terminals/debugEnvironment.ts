// Debug launches (F5) run as the active role, like terminals; the launch's own env entries win. In endpoint
// mode each launch gets a following token of its own, revoked when the debug session ends; in environment mode,
// the session's keys. A launch the guardrails stop (the wrong account for this folder) is cancelled by returning
// undefined, before anything runs.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { Settings } from '../configuration/settings';
import type { Session } from '../core/session';
import { environmentFor } from '../core/endpoint/terminalEnv';
import { showError } from '../errors';
import type { EndpointHost } from './endpointHost';

/** Resolves to false to cancel a launch; throws a UserError to refuse it with a reason. */
type LaunchGate = (kind: 'debug', name: string) => Promise<boolean>;

const TOKEN = 'AWS_CONTAINER_AUTHORIZATION_TOKEN';
/** Marks the launches this window's guard let through; its value is secret to the window, so launch.json cannot forge it. */
const LET_THROUGH = '__iamSwitchboardLetThrough';

export function registerDebugEnvironment(
  context: vscode.ExtensionContext,
  session: Session,
  settings: () => Settings,
  endpoint: EndpointHost,
  guard?: { gate: LaunchGate; log: vscode.LogOutputChannel },
): void {
  const issued = new Set<string>();
  const mark = randomUUID();
  /** Debug sessions the guard let through that still run: only while one does can a child session skip the guard. */
  const letThrough = new Set<string>();
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('*', {
      resolveDebugConfigurationWithSubstitutedVariables: async (_folder, config) => {
        // Child sessions (a node launch's workers) belong to a launch that was already let through. `__parentId` and
        // `__pendingTargetId` are only what the configuration says, and launch.json can say it: they count only
        // while a launch this guard let through runs.
        const child = (config.__pendingTargetId || config.__parentId) && letThrough.size > 0;
        if (guard && !child && !(await passes(guard, config.name ?? config.type))) {
          return undefined;
        }
        config[LET_THROUGH] = mark;
        const own = config.env as Record<string, string> | undefined;
        if (settings().terminalCredentials === 'environment') {
          const identity = session.identity;
          if (identity) {
            config.env = { ...environmentFor(identity), ...own };
          }
          return config;
        }
        const running = await endpoint.start();
        const token = await endpoint.issue();
        issued.add(token);
        // A debuggee is no terminal: the collection does not reach it, so the launch carries the variables itself.
        config.env = { ...running.collection.replace, [TOKEN]: token, ...own };
        return config;
      },
    }),
    vscode.debug.onDidStartDebugSession((debugSession) => {
      if (debugSession.configuration[LET_THROUGH] === mark) letThrough.add(debugSession.id);
    }),
    vscode.debug.onDidTerminateDebugSession((debugSession) => {
      letThrough.delete(debugSession.id);
      const token = (debugSession.configuration.env as Record<string, string> | undefined)?.[TOKEN];
      if (token && issued.delete(token)) {
        endpoint.revoke(token);
      }
    }),
  );
}

async function passes(guard: { gate: LaunchGate; log: vscode.LogOutputChannel }, name: string): Promise<boolean> {
  try {
    return await guard.gate('debug', name);
  } catch (error) {
    showError(guard.log, error, `Start ${name}`);
    return false;
  }
}
