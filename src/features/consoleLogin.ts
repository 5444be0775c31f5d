// "Sign in with Console Credentials": the AWS CLI's own `aws login` (2.32+), run for the person in a terminal so
// they see its prompts and browser link; this extension only picks the profile and checks the CLI is new enough.
// Roles whose source_profile is that profile then assume through the SDK's login provider (core/sts/assumeRole.ts),
// which reads the new sign-in at the next switch: nothing to reload.
import * as vscode from 'vscode';
import { awsConfigFiles } from '../core/aws/config';
import { awsCliVersion, consoleLoginCommand, loginCliProblem } from '../core/aws/loginSession';
import { UserError } from '../core/userError';
import { registerCommand } from '../errors';
import type { RoleCatalogStore } from '../store/roleCatalogStore';

export interface ConsoleLoginDeps {
  catalog: RoleCatalogStore;
  log: vscode.LogOutputChannel;
}

export function activateConsoleLogin(context: vscode.ExtensionContext, deps: ConsoleLoginDeps): void {
  context.subscriptions.push(
    registerCommand(deps.log, 'iamSwitchboard.signInWithConsoleCredentials', 'Sign in with Console Credentials', (profile?: string) =>
      signIn(deps, typeof profile === 'string' ? profile : undefined),
    ),
  );
}

async function signIn(deps: ConsoleLoginDeps, given?: string): Promise<void> {
  const problem = loginCliProblem(await awsCliVersion());
  if (problem) {
    throw new UserError(problem, 'CliTooOld');
  }
  const profile = given ?? (await pickProfile(deps));
  if (!profile) {
    return;
  }
  const files = awsConfigFiles();
  const terminal = vscode.window.createTerminal({
    name: `AWS sign-in: ${profile}`,
    ...consoleLoginCommand(profile, files.configPath),
    isTransient: true,
  });
  terminal.show();
  deps.log.info(`Running aws login --profile ${profile} in a terminal.`);
  const closed = vscode.window.onDidCloseTerminal((t) => {
    if (t !== terminal) return;
    closed.dispose();
    if (t.exitStatus?.code === 0) {
      void vscode.window.showInformationMessage(
        `Signed in with console credentials as profile '${profile}': roles from it can be assumed now.`,
      );
    }
  });
}

/** The login_session profiles there are, or a new name (the CLI asks for the region itself). */
async function pickProfile(deps: ConsoleLoginDeps): Promise<string | undefined> {
  const { config } = await deps.catalog.get();
  const existing = [...config.profiles.values()].filter((p) => p.loginSession !== undefined);
  const NEW = 'New profile…';
  if (existing.length > 0) {
    const picked = await vscode.window.showQuickPick(
      [...existing.map((p) => ({ label: p.name, description: p.loginSession })), { label: NEW, description: 'aws login --profile <name>' }],
      { title: 'Sign in with Console Credentials', placeHolder: 'The profile aws login signs in' },
    );
    if (!picked || picked.label !== NEW) {
      return picked?.label;
    }
  }
  return vscode.window.showInputBox({
    title: 'Sign in with Console Credentials',
    prompt: 'Profile name for aws login (roles use it as source_profile)',
    value: config.profiles.has('default') ? '' : 'default',
    validateInput: (value) => (/^[A-Za-z0-9_.@+-]{1,64}$/.test(value) ? undefined : 'Letters, digits and - _ . @ + only.'),
  });
}
