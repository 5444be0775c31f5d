// Says in the output channel which iamSwitchboard.* settings a change touched, so a person reading the log can
// tell from when a new value applied in this window. Names only: values are the person's, and the log needs none.
import * as vscode from 'vscode';

interface ConfigurationContribution {
  properties?: Record<string, unknown>;
}

export function logSettingChanges(log: vscode.LogOutputChannel, packageJSON: unknown): vscode.Disposable {
  const ids = settingIds(packageJSON);
  return vscode.workspace.onDidChangeConfiguration((event) => {
    const changed = ids.filter((id) => event.affectsConfiguration(id));
    if (changed.length > 0) log.info(`Settings changed: ${changed.join(', ')}.`);
  });
}

/** The setting ids package.json contributes (its configuration is one object or a list of them). */
function settingIds(packageJSON: unknown): string[] {
  const configuration = (packageJSON as { contributes?: { configuration?: ConfigurationContribution | ConfigurationContribution[] } })
    .contributes?.configuration;
  const sections = Array.isArray(configuration) ? configuration : configuration ? [configuration] : [];
  return sections.flatMap((section) => Object.keys(section.properties ?? {}));
}
