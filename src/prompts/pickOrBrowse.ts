// One prompt for "one of these, or browse": the likely places (folders with .tf files, state files, a module
// folder) as a quick pick with a last "Choose…" entry that opens the system dialog; the dialog alone when there
// is nothing to offer.
import * as vscode from 'vscode';

interface PickOrBrowseOptions {
  title: string;
  placeHolder: string;
  /** The candidates, each with its own label (and codicon). */
  items: Array<vscode.QuickPickItem & { uri: vscode.Uri }>;
  /** What to browse for. */
  browse: { label: string; folders: boolean; openLabel: string; filters?: Record<string, string[]> };
}

export async function pickOrBrowse(options: PickOrBrowseOptions): Promise<vscode.Uri | undefined> {
  type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
  const browse: Item = { label: `$(folder-opened) ${options.browse.label}` };
  const picked = options.items.length
    ? await vscode.window.showQuickPick<Item>([...options.items, browse], {
        title: options.title,
        placeHolder: options.placeHolder,
        ignoreFocusOut: true,
      })
    : browse;
  if (!picked || picked.uri) {
    return picked?.uri;
  }
  const chosen = await vscode.window.showOpenDialog({
    title: options.title,
    canSelectFiles: !options.browse.folders,
    canSelectFolders: options.browse.folders,
    canSelectMany: false,
    filters: options.browse.filters,
    openLabel: options.browse.openLabel,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return chosen?.[0];
}
