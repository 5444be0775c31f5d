// F1 › Open Terminal as Role with no argument: it asks which role with Switch Role's list (titled for the
// terminal, without "Clear credentials"), then opens a terminal pinned to the picked role; Escape opens nothing.
// The person's answer is given by replacing the quick pick for the test: picking a label, or hiding (Escape).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const DEV_READONLY = 'arn:aws:iam::222222222222:role/ReadOnly';

/** Replaces createQuickPick with one that picks the item labelled `answer` when shown (undefined: Escape). */
function answeringPick(answer: string | undefined) {
  const window = vscode.window as { createQuickPick: unknown };
  const original = window.createQuickPick;
  const seen = { title: undefined as string | undefined, labels: [] as string[] };
  window.createQuickPick = () => {
    const accept = new vscode.EventEmitter<void>();
    const hide = new vscode.EventEmitter<void>();
    const pick = {
      title: undefined as string | undefined,
      items: [] as readonly vscode.QuickPickItem[],
      selectedItems: [] as readonly vscode.QuickPickItem[],
      onDidAccept: accept.event,
      onDidHide: hide.event,
      onDidChangeValue: new vscode.EventEmitter<string>().event,
      show() {
        seen.title = pick.title;
        seen.labels = pick.items.map((item) => item.label);
        const item = pick.items.find((i) => i.label === answer);
        if (item) {
          pick.selectedItems = [item];
          accept.fire();
        } else {
          hide.fire();
        }
      },
      dispose() {
        accept.dispose();
        hide.dispose();
      },
    };
    return pick;
  };
  return { seen, restore: () => (window.createQuickPick = original) };
}

suite('Open Terminal as Role from the palette', () => {
  suiteTeardown(() => vscode.commands.executeCommand('iamSwitchboard.clearCredentials'));

  test('asks which role, then opens a terminal pinned to the picked one', async () => {
    const asked = answeringPick('dev-readonly');
    const opened = new Promise<vscode.Terminal>((resolve) => {
      const listener = vscode.window.onDidOpenTerminal((terminal) => {
        listener.dispose();
        resolve(terminal);
      });
    });
    try {
      const arn = await vscode.commands.executeCommand<string | undefined>('iamSwitchboard.openTerminalAsRole');
      assert.equal(asked.seen.title, 'Open Terminal as Role');
      assert.ok(asked.seen.labels.includes('dev-readonly'), asked.seen.labels.join(', '));
      assert.ok(!asked.seen.labels.includes('Clear credentials'), 'a terminal pick offers no Clear credentials');
      assert.equal(arn, DEV_READONLY);
    } finally {
      asked.restore();
    }
    const terminal = await opened;
    assert.match(terminal.name, /dev-readonly/);
    terminal.dispose();
  });

  test('Escape opens no terminal and says nothing', async () => {
    const asked = answeringPick(undefined);
    const before = vscode.window.terminals.length;
    try {
      const arn = await vscode.commands.executeCommand<string | undefined>('iamSwitchboard.openTerminalAsRole');
      assert.equal(asked.seen.title, 'Open Terminal as Role', 'the pick was shown');
      assert.equal(arn, undefined);
    } finally {
      asked.restore();
    }
    assert.equal(vscode.window.terminals.length, before);
  });
});
