// One helper for every wizard (Add Account, Add Vault Server, the Terraform scaffold): input boxes and quick
// picks with "(2/4)" step counts, a Back button and validation per step, after vscode-extension-samples'
// quickinput-sample/src/multiStepInput.ts. Escape cancels the whole wizard (undefined), Back re-runs the
// previous step with its earlier answer filled in.
import * as vscode from 'vscode';

interface InputStep<State> {
  kind: 'input';
  prompt: string;
  placeholder?: string;
  password?: boolean;
  /** The answer already given (after Back) or a default. */
  value?: (state: State) => string | undefined;
  /** An error message for the value (blocks), a warning (shown, does not block), or undefined when it is fine. */
  validate?: (value: string, state: State) => string | vscode.InputBoxValidationMessage | undefined;
  /** Stores the (trimmed) answer in the state. */
  apply: (value: string, state: State) => void;
  /** Skip this step for this state (it still counts in the total, so numbers stay stable). */
  skip?: (state: State) => boolean;
  /** A follow-up of the step before (say, the value after a "yes"): shown under that step's number. */
  continues?: boolean;
}

interface PickStep<State, Item extends vscode.QuickPickItem = vscode.QuickPickItem> {
  kind: 'pick';
  placeholder: string;
  items: (state: State) => Item[] | Promise<Item[]>;
  apply: (item: Item, state: State) => void;
  skip?: (state: State) => boolean;
  continues?: boolean;
}

/** A quick pick with check boxes; items with `picked` start checked. */
interface PickManyStep<State, Item extends vscode.QuickPickItem = vscode.QuickPickItem> {
  kind: 'pickMany';
  placeholder: string;
  items: (state: State) => Item[] | Promise<Item[]>;
  apply: (items: readonly Item[], state: State) => void;
  skip?: (state: State) => boolean;
  continues?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each step picks its own item type
export type WizardStep<State> = InputStep<State> | PickStep<State, any> | PickManyStep<State, any>;

interface WizardOptions {
  /** Steps the caller asks after the wizard (say, a folder dialog), counted in the "(n/total)". */
  extraSteps?: number;
}

const BACK = Symbol('back');
type StepResult = 'done' | typeof BACK | undefined;

/** Runs `steps` in order and returns the filled state, or undefined when the person cancels. */
export async function runWizard<State>(
  title: string,
  steps: WizardStep<State>[],
  state: State,
  options: WizardOptions = {},
): Promise<State | undefined> {
  const numbers = stepNumbers(steps);
  const total = numbers[numbers.length - 1] + (options.extraSteps ?? 0);
  let index = 0;
  while (index < steps.length) {
    const step = steps[index];
    if (step.skip?.(state)) {
      index++;
      continue;
    }
    const position = { number: numbers[index], total, canGoBack: index > 0 };
    const result = step.kind === 'input' ? await showInput(title, step, state, position) : await showPick(title, step, state, position);
    if (result === undefined) {
      return undefined;
    }
    index = result === BACK ? previous(steps, state, index) : index + 1;
  }
  return state;
}

/** The "(n/…)" of each step: a follow-up step shares the number of the step it continues. */
function stepNumbers<State>(steps: WizardStep<State>[]): number[] {
  let n = 0;
  return steps.map((step) => (step.continues ? Math.max(n, 1) : ++n));
}

interface Position {
  number: number;
  total: number;
  canGoBack: boolean;
}

/** The title a caller's own step after the wizard shows, e.g. "Add Account (4/4)". */
export function stepTitle(title: string, number: number, total: number): string {
  return `${title} (${number}/${total})`;
}

function previous<State>(steps: WizardStep<State>[], state: State, index: number): number {
  let i = index - 1;
  while (i > 0 && steps[i].skip?.(state)) {
    i--;
  }
  return Math.max(i, 0);
}

function blocks(problem: string | vscode.InputBoxValidationMessage | undefined): boolean {
  return typeof problem === 'string' || problem?.severity === vscode.InputBoxValidationSeverity.Error;
}

function showInput<State>(title: string, step: InputStep<State>, state: State, at: Position): Promise<StepResult> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = stepTitle(title, at.number, at.total);
    box.prompt = step.prompt;
    box.placeholder = step.placeholder;
    box.password = step.password ?? false;
    box.value = step.value?.(state) ?? '';
    box.ignoreFocusOut = true;
    box.buttons = at.canGoBack ? [vscode.QuickInputButtons.Back] : [];
    let settled = false;
    const finish = (result: StepResult) => {
      if (!settled) {
        settled = true;
        resolve(result);
        box.dispose();
      }
    };
    box.onDidTriggerButton(() => finish(BACK));
    box.onDidChangeValue((value) => (box.validationMessage = step.validate?.(value, state)));
    box.onDidAccept(() => {
      const value = box.value.trim();
      const problem = step.validate?.(value, state);
      if (blocks(problem)) {
        box.validationMessage = problem;
        return;
      }
      step.apply(value, state);
      finish('done');
    });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}

async function showPick<State, Item extends vscode.QuickPickItem>(
  title: string,
  step: PickStep<State, Item> | PickManyStep<State, Item>,
  state: State,
  at: Position,
): Promise<StepResult> {
  const items = await step.items(state);
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = stepTitle(title, at.number, at.total);
    pick.placeholder = step.placeholder;
    pick.items = items;
    pick.ignoreFocusOut = true;
    pick.canSelectMany = step.kind === 'pickMany';
    if (step.kind === 'pickMany') {
      pick.selectedItems = items.filter((item) => item.picked);
    }
    pick.buttons = at.canGoBack ? [vscode.QuickInputButtons.Back] : [];
    let settled = false;
    const finish = (result: StepResult) => {
      if (!settled) {
        settled = true;
        resolve(result);
        pick.dispose();
      }
    };
    pick.onDidTriggerButton(() => finish(BACK));
    pick.onDidAccept(() => {
      if (step.kind === 'pickMany') {
        step.apply(pick.selectedItems, state);
        finish('done');
        return;
      }
      const [item] = pick.selectedItems;
      if (item) {
        step.apply(item, state);
        finish('done');
      }
    });
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}
