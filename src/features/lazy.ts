// Features loaded on first use. Activation registers a feature's commands with stand-ins; the first call of any of
// them imports the feature's code, lets it register its real commands, and passes the call on. The import is a
// chunk of its own in dist/extension/ (esbuild.mjs), sharing with activation every module both use, so one
// UserError and one Session exist and errors keep their class across features.
import * as vscode from 'vscode';
import { errorText, UserError } from '../core/userError';
import { showError } from '../errors';

/**
 * Registers `commands` with stand-ins. The first call imports the feature (`load`, an `import()` of its module),
 * then, in one step so that no call finds a command missing, drops the stand-ins and lets `activate` register the
 * real commands (and whatever else the feature needs: providers, listeners), and runs the call with its
 * arguments. Returns a function that loads the feature without a command, for other triggers.
 * If `activate` throws, the stand-ins come back (for the commands it did not register) and say, in one sentence,
 * to reload the window: not tried again, as a half-done activation may have registered part of the feature.
 */
export function lazyFeature<M>(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  commands: readonly string[],
  load: () => Promise<M>,
  activate: (feature: M) => void,
): () => Promise<void> {
  let loading: Promise<void> | undefined;
  const ensure = () =>
    (loading ??= load().then(
      (feature) => {
        standIns.forEach((standIn) => standIn.dispose());
        try {
          activate(feature);
        } catch (error) {
          standIns = commands.flatMap((id) => registerFree(id, standIn(id)));
          context.subscriptions.push(...standIns);
          throw new UserError(
            'This IAM Switchboard feature failed to start, so its commands cannot run: reload the window (details are in the log).',
            'FeatureFailed',
            errorText(error),
          );
        }
      },
      (error: unknown) => {
        loading = undefined; // the next call tries again
        throw error;
      },
    ));
  const standIn =
    (id: string) =>
    async (...args: unknown[]): Promise<unknown> => {
      try {
        await ensure();
      } catch (error) {
        showError(log, error, `Loading ${id}`);
        return undefined;
      }
      return vscode.commands.executeCommand(id, ...args);
    };
  let standIns = commands.map((id) => vscode.commands.registerCommand(id, standIn(id)));
  context.subscriptions.push(...standIns);
  return ensure;
}

/** Registers `id` unless it is registered already (VS Code throws then): none or one disposable. */
function registerFree(id: string, handler: (...args: unknown[]) => unknown): vscode.Disposable[] {
  try {
    return [vscode.commands.registerCommand(id, handler)];
  } catch {
    return [];
  }
}

/**
 * The rows of a view whose feature loads on first use: the view is made at activation with this as its data, and
 * the first time VS Code asks for its rows (the view is shown) the feature loads and hands over its own provider.
 */
export class LazyTreeData<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private provider?: vscode.TreeDataProvider<T>;
  private readonly changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  readonly onDidChangeTreeData = this.changed.event;
  private forwarding?: vscode.Disposable;

  constructor(private readonly load: () => Promise<void>) {}

  /** Called by the feature once loaded: its rows from now on, and its redraws. */
  provide(provider: vscode.TreeDataProvider<T>): void {
    this.provider = provider;
    this.forwarding = provider.onDidChangeTreeData?.((change) => this.changed.fire(change));
  }

  async getChildren(element?: T): Promise<T[] | null | undefined> {
    if (!this.provider) await this.load();
    return this.provider?.getChildren(element);
  }

  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    // Only ever given rows from getChildren, which come from the provider.
    return this.provider!.getTreeItem(element);
  }

  resolveTreeItem(item: vscode.TreeItem, element: T, token: vscode.CancellationToken): vscode.ProviderResult<vscode.TreeItem> {
    return this.provider?.resolveTreeItem ? this.provider.resolveTreeItem(item, element, token) : item;
  }

  getParent(element: T): vscode.ProviderResult<T> {
    return this.provider?.getParent?.(element);
  }

  dispose(): void {
    this.forwarding?.dispose();
    this.changed.dispose();
  }
}
