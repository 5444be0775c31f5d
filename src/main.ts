// What VS Code loads (package.json "main", built to dist/extension.js): it require()s an extension, so this small
// CommonJS file imports the real one, built as ES modules in dist/extension/ so that the features it loads on
// first use share one copy of the code they have in common (esbuild.mjs). Nothing else belongs here.
import type * as vscode from 'vscode';

type Extension = typeof import('./extension');
let extension: Extension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ReturnType<Extension['activate']>> {
  extension = await import('./extension');
  return extension.activate(context);
}

export function deactivate(): Promise<void> {
  return extension?.deactivate() ?? Promise.resolve();
}
