// IAM Identity Center commands: Sign in (in the browser on this machine with the authorization code and PKCE, or
// the device code in a modal with "Copy and Open" when the browser is elsewhere or the person asks; then discovery
// with progress), Refresh (discovery again) and Sign out. The store keeps the state; these only ask the person and
// show progress.
import * as vscode from 'vscode';
import { whileNotCancelled } from '../cancellation';
import { writeUserSetting } from '../configuration/writes';
import { type Settings, readSettings } from '../configuration/settings';
import type { DeviceCode } from '../core/identityCenter';
import { type SignInFlow, chooseSignInFlow } from '../core/identityCenter/signInFlow';
import type { Session } from '../core/session';
import { cancelled, UserError } from '../core/userError';
import { registerCommand } from '../errors';
import { runWizard } from '../prompts/multiStepInput';
import type { IdentityCenterEntry, IdentityCenterStore } from '../store/identityCenterStore';
import type { RoleCatalogStore } from '../store/roleCatalogStore';
import type { IdentityCenterNode } from '../treeViews/roleTree';

/** From the section row (or its Sign in row); none from the palette or a "Sign in" button. */
type IdentityCenterArgs = Pick<IdentityCenterNode, 'entryKey'>;

interface IdentityCenterCommandDeps {
  store: IdentityCenterStore;
  catalog: RoleCatalogStore;
  session: Session;
  log: vscode.LogOutputChannel;
}

/** The sign-in for this window: the browser when it runs on this machine, else the device code (signInFlow.ts). */
export function signInFlowOfThisWindow(settings: Pick<Settings, 'identityCenterSignIn'>): SignInFlow {
  return chooseSignInFlow(settings.identityCenterSignIn, {
    remoteName: vscode.env.remoteName,
    webUi: vscode.env.uiKind === vscode.UIKind.Web,
  });
}

export function registerIdentityCenterCommands(context: vscode.ExtensionContext, deps: IdentityCenterCommandDeps): void {
  const commands = new IdentityCenterCommands(deps);
  const register = (id: string, action: string, run: (arg?: IdentityCenterArgs) => Promise<unknown>) =>
    registerCommand<IdentityCenterArgs>(deps.log, id, action, run);
  context.subscriptions.push(
    register('iamSwitchboard.signInToIdentityCenter', 'Sign in to IAM Identity Center', (arg) => commands.signIn(arg)),
    register('iamSwitchboard.refreshIdentityCenter', 'Refresh IAM Identity Center accounts', (arg) => commands.refresh(arg)),
    register('iamSwitchboard.signOutOfIdentityCenter', 'Sign out of IAM Identity Center', (arg) => commands.signOut(arg)),
  );
}

class IdentityCenterCommands {
  constructor(private readonly deps: IdentityCenterCommandDeps) {}

  async signIn(arg?: IdentityCenterArgs): Promise<void> {
    const entry = (await this.pick(arg, 'Sign in to which IAM Identity Center?')) ?? (await this.addInstance());
    if (!entry) {
      return;
    }
    const flow = signInFlowOfThisWindow(readSettings());
    if (flow === 'browser') {
      const signedIn = await this.signInWithBrowser(entry);
      if (!signedIn) {
        await this.signInWithCode(entry);
      }
    } else {
      await this.signInWithCode(entry);
    }
    await this.discover(entry);
  }

  /** True when signed in; false when no loopback listener could be opened (the device code then takes over). */
  private async signInWithBrowser(entry: IdentityCenterEntry): Promise<boolean> {
    try {
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: 'Signing in to IAM Identity Center in your browser…',
          cancellable: true,
        },
        (progress, token) =>
          whileNotCancelled(token, (signal) =>
            this.deps.store.signInWithBrowser(
              entry,
              async (url) => {
                // As a string, so the query reaches the browser byte for byte (see openConsole in roles.ts).
                if (!(await vscode.env.openExternal(url as unknown as vscode.Uri))) {
                  throw cancelled();
                }
                progress.report({ message: 'finish the sign-in in the browser, then come back here' });
              },
              signal,
            ),
          ),
      );
      return true;
    } catch (error) {
      if (error instanceof UserError && error.code === 'SsoLoopbackUnavailable') {
        this.deps.log.warn(`${error.message} Using the device code.`);
        return false;
      }
      throw error;
    }
  }

  private async signInWithCode(entry: IdentityCenterEntry): Promise<void> {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Signing in to IAM Identity Center…', cancellable: true },
      (progress, token) =>
        whileNotCancelled(token, (signal) =>
          this.deps.store.signIn(
            entry,
            async (device) => {
              progress.report({ message: `code ${device.userCode}` });
              await offerCode(device);
              progress.report({ message: `waiting for you to approve code ${device.userCode} in the browser` });
            },
            signal,
          ),
        ),
    );
  }

  async refresh(arg?: IdentityCenterArgs): Promise<void> {
    const entry = await this.pick(arg, 'Refresh which IAM Identity Center?');
    if (entry) {
      await this.discover(entry);
    }
  }

  async signOut(arg?: IdentityCenterArgs): Promise<void> {
    const entry = await this.pick(arg, 'Sign out of which IAM Identity Center?');
    if (!entry) {
      return;
    }
    // Its role sessions end too: signing out means no more access from this window.
    const origin = this.deps.session.identity?.origin;
    if (origin?.kind === 'sso' && origin.startUrl === entry.instance.startUrl) {
      this.deps.session.clear();
    }
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Signing out of IAM Identity Center…' }, () =>
      this.deps.store.signOut(entry),
    );
    vscode.window.setStatusBarMessage(`Signed out of IAM Identity Center at ${entry.instance.startUrl}`, 5000);
  }

  private async discover(entry: IdentityCenterEntry): Promise<void> {
    const directory = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Finding your AWS accounts and roles', cancellable: true },
      (progress, token) =>
        whileNotCancelled(token, (signal) => {
          let last = 0;
          return this.deps.store.discover(entry, {
            signal,
            onProgress: (done, total) => {
              progress.report({ message: `${done} of ${total} accounts`, increment: ((done - last) / total) * 100 });
              last = done;
            },
          });
        }),
    );
    const roles = directory.accounts.reduce((n, a) => n + a.roles.length, 0);
    vscode.window.setStatusBarMessage(`IAM Identity Center: ${directory.accounts.length} accounts, ${roles} roles`, 5000);
  }

  /** The instance the row names, the only one there is, or the person's pick; undefined when there is none. */
  private async pick(arg: IdentityCenterArgs | undefined, placeHolder: string): Promise<IdentityCenterEntry | undefined> {
    const { config } = await this.deps.catalog.get();
    const entries = this.deps.store.entries(config);
    if (arg) {
      const entry = entries.find((e) => e.key === arg.entryKey);
      if (!entry) {
        throw new UserError(
          'That IAM Identity Center is no longer configured: check the iamSwitchboard.identityCenter setting and ~/.aws/config.',
          'UnknownIdentityCenter',
        );
      }
      return entry;
    }
    if (entries.length <= 1) {
      return entries[0];
    }
    const picked = await vscode.window.showQuickPick(
      entries.map((entry) => ({
        label: entry.instance.startUrl,
        description: entry.instance.region,
        detail: entry.from === 'setting' ? 'iamSwitchboard.identityCenter' : `[sso-session ${entry.instance.sessionName}]`,
        entry,
      })),
      { placeHolder },
    );
    return picked?.entry;
  }

  /** No instance yet: ask for the start URL and region and keep them in the user's (machine-scoped) setting. */
  private async addInstance(): Promise<IdentityCenterEntry | undefined> {
    const answer = await runWizard<{ startUrl: string; region: string }>(
      'Sign in to IAM Identity Center',
      [
        {
          kind: 'input',
          prompt: 'Your AWS access portal URL (the start URL), e.g. https://d-1234567890.awsapps.com/start',
          value: (s) => s.startUrl,
          validate: (v) => (/^https?:\/\/\S+$/.test(v.trim()) ? undefined : 'Enter the full URL, starting with https://'),
          apply: (v, s) => (s.startUrl = v),
        },
        {
          kind: 'input',
          prompt: 'The region your IAM Identity Center lives in, e.g. us-east-1',
          value: (s) => s.region,
          validate: (v) => (/^[a-z]{2}(-[a-z]+)+-\d$/.test(v.trim()) ? undefined : 'Enter a region such as us-east-1 or eu-west-1'),
          apply: (v, s) => (s.region = v),
        },
      ],
      { startUrl: '', region: '' },
    );
    if (!answer) {
      return undefined;
    }
    await writeUserSetting('identityCenter', { startUrl: answer.startUrl, region: answer.region });
    return this.deps.store.entry(`${answer.region}|${answer.startUrl}`);
  }
}

/**
 * The code in a modal with "Copy and Open", which copies it and opens the verification page (code filled in).
 * Polling starts once it is clicked; dismissing it cancels the sign-in. A modal, not a toast: a toast can be
 * crowded out or fade while the person looks for it, and without the code there is no sign-in.
 */
async function offerCode(device: DeviceCode): Promise<void> {
  const choice = await vscode.window.showInformationMessage(
    `Sign in to IAM Identity Center with the code ${device.userCode}`,
    {
      modal: true,
      detail:
        'Copy and Open copies the code and opens the sign-in page in your browser. Check that the page shows the same code, then allow access.',
    },
    'Copy and Open',
  );
  if (choice !== 'Copy and Open') {
    throw cancelled();
  }
  await vscode.env.clipboard.writeText(device.userCode);
  // As a string, so the query reaches the browser byte for byte (see openConsole in roles.ts).
  await vscode.env.openExternal(device.verificationUriComplete as unknown as vscode.Uri);
}
