// Tasks started while the active role is in an account the folder does not expect. VS Code has no hook that
// runs before a task starts (no provider sees tasks from tasks.json before they run, and onDidStartTask fires
// once the process is starting), so the guard terminates the task at once, asks, and runs it again if the
// person confirms. The process may have run for a moment: a task whose first instant matters should be a
// debug launch, which is stopped before it starts.
import * as vscode from 'vscode';
import { showError } from '../errors';

type TaskGate = (kind: 'task', name: string) => Promise<boolean>;

export function registerTaskGuard(
  context: vscode.ExtensionContext,
  gate: TaskGate,
  needsAsking: () => boolean,
  log: vscode.LogOutputChannel,
): void {
  // Tasks the person confirmed, run again by us: let their next start through once.
  const confirmed = new Set<string>();
  context.subscriptions.push(
    vscode.tasks.onDidStartTask(async ({ execution }) => {
      const key = taskKey(execution.task);
      if (confirmed.delete(key) || !needsAsking()) return;
      execution.terminate();
      let allowed = false;
      try {
        allowed = await gate('task', execution.task.name);
      } catch (error) {
        showError(log, error, `Run task ${execution.task.name}`);
      }
      if (!allowed) {
        log.info(`Stopped the task '${execution.task.name}': the active role is not in an account this folder expects.`);
        return;
      }
      confirmed.add(key);
      await vscode.tasks.executeTask(execution.task);
    }),
  );
}

function taskKey(task: vscode.Task): string {
  const scope = typeof task.scope === 'object' ? task.scope.uri.toString() : String(task.scope);
  return `${task.source}\n${task.name}\n${scope}`;
}
