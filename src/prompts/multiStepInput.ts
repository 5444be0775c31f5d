// One helper for every wizard (Add Account, Add Vault Server, the Terraform scaffold): input boxes and quick
// picks with "(2/4)" step counts, a Back button and validation per step, after vscode-extension-samples'
// quickinput-sample/src/multiStepInput.ts. Escape cancels the whole wizard (undefined), Back re-runs the
// previous step with its earlier answer filled in.
import * as vscode from 'vscode';

export interface InputStep<State> {
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
}

export interface PickStep<State, Item extends vscode.QuickPickItem = vscode.QuickPickItem> {
  kind: 'pick';
  placeholder: string;
  items: (state: State) => Item[] | Promise<Item[]>;
  apply: (item: Item, state: State) => void;
  skip?: (state: State) => boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each step picks its own item type
export type WizardStep<State> = InputStep<State> | PickStep<State, any>;

const BACK = Symbol('back');
type StepResult = 'done' | typeof BACK | undefined;

/** Runs `steps` in order and returns the filled state, or undefined when the person cancels. */
export async function runWizard<State>(title: string, steps: WizardStep<State>[], state: State): Promise<State | undefined> {
  let index = 0;
  while (index < steps.length) {
    const step = steps[index];
    if (step.skip?.(state)) {
      index++;
      continue;
    }
    const result = step.kind === 'input' ? await showInput(title, step, state, index, steps.length) : await showPick(title, step, state, index, steps.length);
    if (result === undefined) {
      return undefined;
    }
    index = result === BACK ? previous(steps, state, index) : index + 1;
  }
  return state;
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

function showInput<State>(title: string, step: InputStep<State>, state: State, index: number, total: number): Promise<StepResult> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = `${title} (${index + 1}/${total})`;
    box.prompt = step.prompt;
    box.placeholder = step.placeholder;
    box.password = step.password ?? false;
    box.value = step.value?.(state) ?? '';
    box.ignoreFocusOut = true;
    box.buttons = index > 0 ? [vscode.QuickInputButtons.Back] : [];
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

async function showPick<State, Item extends vscode.QuickPickItem>(title: string, step: PickStep<State, Item>, state: State, index: number, total: number): Promise<StepResult> {
  const items = await step.items(state);
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = `${title} (${index + 1}/${total})`;
    pick.placeholder = step.placeholder;
    pick.items = items;
    pick.ignoreFocusOut = true;
    pick.buttons = index > 0 ? [vscode.QuickInputButtons.Back] : [];
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
