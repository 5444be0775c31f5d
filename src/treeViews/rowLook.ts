// What a tree row shows, as text: two rows that give the same text look the same, so redrawing one for the other
// would change nothing on screen and only drop its inline buttons under a still mouse.
import * as vscode from 'vscode';

/** The row's id, label, description (or `description` given), menus, tooltip, icon and fold. */
export function rowLook(row: vscode.TreeItem, description = row.description): string {
  const label = typeof row.label === 'string' ? row.label : row.label?.label;
  const tooltip = row.tooltip instanceof vscode.MarkdownString ? row.tooltip.value : row.tooltip;
  const icon = row.iconPath instanceof vscode.ThemeIcon ? [row.iconPath.id, row.iconPath.color?.id] : undefined;
  return JSON.stringify([row.id, label, description, row.contextValue, tooltip, icon, row.collapsibleState]);
}
