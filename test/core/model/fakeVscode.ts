// The thinnest `vscode` the model-based test needs to run the edge's stores, endpoint host, pinned terminals and
// role commands in plain Node: progress runs its task, messages are recorded (to check them for secrets), a
// terminal is an object holding the environment it was created with, and commands live in a per-window table.
// Installed by importing this file before anything that imports 'vscode'.
import Module from 'node:module';

type Handler = (...args: unknown[]) => unknown;

export interface FakeTerminal {
  name: string;
  env: Record<string, string | undefined>;
}

class Emitter<T> {
  private listeners: Array<(value: T) => void> = [];
  event = (listener: (value: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    [...this.listeners].forEach((l) => l(value));
  }
  dispose(): void {
    this.listeners = [];
  }
}

/** What the test controls and reads. */
export const fake = {
  /** Every message shown to the person and every log line, to scan for secrets. */
  said: [] as string[],
  /** The MFA code the person types when asked (undefined: cancels). */
  mfaCode: (() => undefined) as (serial: string) => string | undefined,
  /** Commands of the window being registered, by id; swapped per window. */
  commands: new Map<string, Handler>(),
  terminals: [] as FakeTerminal[],
  closed: new Emitter<FakeTerminal>(),
  opened: new Emitter<FakeTerminal>(),
  closeTerminal(terminal: FakeTerminal): void {
    this.terminals = this.terminals.filter((t) => t !== terminal);
    this.closed.fire(terminal);
  },
};

const say = (text: unknown) => {
  fake.said.push(String(text));
};
const disposable = { dispose: () => undefined };
const neverCancelled = { isCancellationRequested: false, onCancellationRequested: () => disposable };

class ThemeIcon {
  constructor(readonly id: string) {}
}
class ThemeColor {
  constructor(readonly id: string) {}
}

/** Tree rows as plain objects, for the AWS Roles view's provider (keys/keyTooltip.test.ts). */
class TreeItem {
  id?: string;
  description?: string;
  tooltip?: unknown;
  iconPath?: unknown;
  contextValue?: string;
  command?: unknown;
  constructor(
    readonly label: string,
    readonly collapsibleState?: number,
  ) {}
}
class MarkdownString {
  supportThemeIcons = false;
  constructor(readonly value = '') {}
}

const vscode = {
  TreeItem,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  MarkdownString,
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  ThemeIcon,
  ThemeColor,
  QuickPickItemKind: { Separator: -1, Default: 0 },
  InputBoxValidationSeverity: { Info: 1, Warning: 2, Error: 3 },
  ExtensionMode: { Production: 1, Development: 2, Test: 3 },
  Disposable: class {
    constructor(private readonly run: () => void) {}
    dispose() {
      this.run();
    }
  },
  EventEmitter: Emitter,
  UIKind: { Desktop: 1, Web: 2 },
  env: { shell: '/bin/bash', remoteName: undefined, uiKind: 1, appRoot: '/nonexistent', clipboard: { writeText: async () => undefined } },
  workspace: {
    isTrusted: true,
    getConfiguration: () => ({ get: (_k: string, d?: unknown) => d, inspect: () => undefined }),
    onDidChangeConfiguration: () => disposable,
  },
  window: {
    withProgress: (_options: unknown, task: (progress: unknown, token: unknown) => unknown) =>
      Promise.resolve(task({ report: () => undefined }, neverCancelled)),
    setStatusBarMessage: (text: string) => {
      say(text);
      return disposable;
    },
    showInformationMessage: async (text: string) => void say(text),
    showErrorMessage: async (text: string) => void say(text),
    /** The person answers "Refresh" when asked to refresh (the timer's question), and nothing else. */
    showWarningMessage: async (text: string, ...items: unknown[]) => {
      say(text);
      return items.includes('Refresh') ? 'Refresh' : undefined;
    },
    showInputBox: async (options: { prompt?: string }) => {
      say(options.prompt);
      const serial = /MFA device (\S+)/.exec(options.prompt ?? '')?.[1] ?? '';
      return fake.mfaCode(serial);
    },
    /**
     * Asked which role (Open Terminal as Role from the palette), the person picks the active one: the row whose
     * description starts with "active". With none, they press Escape.
     */
    createQuickPick: () => {
      const accept = new Emitter<void>();
      const hide = new Emitter<void>();
      const pick = {
        items: [] as { description?: string }[],
        selectedItems: [] as { description?: string }[],
        onDidAccept: accept.event,
        onDidHide: hide.event,
        onDidChangeValue: () => disposable,
        show: () => {
          const active = pick.items.find((item) => item.description?.split(' · ')[0] === 'active');
          pick.selectedItems = active ? [active] : [];
          return active ? accept.fire() : hide.fire();
        },
        dispose: () => undefined,
      };
      return pick;
    },
    createTerminal: (options: { name: string; env?: Record<string, string | undefined> }) => {
      const terminal: FakeTerminal & { show(): void } = { name: options.name, env: options.env ?? {}, show: () => undefined };
      fake.terminals.push(terminal);
      return terminal;
    },
    onDidCloseTerminal: fake.closed.event,
    onDidOpenTerminal: fake.opened.event,
    get terminals() {
      return fake.terminals;
    },
  },
  commands: {
    registerCommand: (id: string, handler: Handler) => {
      fake.commands.set(id, handler);
      return disposable;
    },
    executeCommand: async (id: string, ...args: unknown[]) => fake.commands.get(id)?.(...args),
    getCommands: async () => [...fake.commands.keys()],
  },
};

const moduleWithLoad = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = moduleWithLoad._load;
moduleWithLoad._load = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};

/** A LogOutputChannel whose lines are recorded with the messages. */
export function fakeLog(prefix: string) {
  const line = (level: string) => (text: string) => void fake.said.push(`${prefix} ${level} ${text}`);
  return {
    name: 'IAM Switchboard',
    info: line('info'),
    warn: line('warn'),
    error: (text: unknown) => void fake.said.push(`${prefix} error ${String(text)}`),
    debug: line('debug'),
    trace: line('trace'),
    append: line('append'),
    appendLine: line('line'),
    show: () => undefined,
    dispose: () => undefined,
  };
}
