// A status bar item while an AI agent holds AWS write access: which agent, and the time left; a click ends it.
import * as vscode from 'vscode';
import type { WriteGrants } from './core/agents/grants';
import { formatTimeLeft } from './core/time';
import { type Intervals, Ticker } from './ticker';

export function registerAgentStatusBar(
  context: Pick<vscode.ExtensionContext, 'subscriptions'>,
  grants: WriteGrants,
  intervals?: Intervals,
): void {
  const item = vscode.window.createStatusBarItem('iamSwitchboard.agentWrites', vscode.StatusBarAlignment.Left, 49);
  item.name = 'IAM Switchboard: agent write access';
  item.command = 'iamSwitchboard.endAgentWriteAccess';
  item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  let shown = false;
  const draw = () => {
    const live = grants.live().filter((g) => g.state === 'approved');
    ticker.run(live.length > 0);
    // The context key (End Agent Write Access in the palette) changes only when a first grant starts or the last ends.
    const writing = live.length > 0;
    if (shown !== writing) {
      shown = writing;
      void vscode.commands.executeCommand('setContext', 'iamSwitchboard.agentWrites', writing);
    }
    if (!live.length) {
      item.hide();
      return;
    }
    const soonest = Math.min(...live.map((g) => g.expiresAt!));
    const agents = [...new Set(live.map((g) => g.agent))].join(', ');
    item.text = `$(unlock) ${agents} may write ${formatTimeLeft(soonest - Date.now())}`;
    item.tooltip = [...live.map((g) => `${g.agent} may write in ${g.account.name}/${g.role}`), 'Click to end write access now'].join('\n');
    item.show();
  };
  const ticker = new Ticker(draw, 1000, intervals);
  context.subscriptions.push(item, ticker, grants.onDidChange(draw));
}
