// Which sign-in fits where VS Code runs. The authorization code with PKCE needs the browser to reach this
// extension's loopback listener, so the browser must be on the machine the extension runs on: a desktop window
// with a local workspace. In a remote window (SSH, WSL, a container, Codespaces: vscode.env.remoteName) the
// extension runs elsewhere, and in a browser-only VS Code (code-server, vscode.dev: UIKind.Web) the browser is
// the person's, not the server's: there the device code works and the redirect would not. As the AWS CLI's
// `--use-device-code`, the person can also ask for the device code (or for the browser) in a setting.

export type SignInSetting = 'auto' | 'browser' | 'deviceCode';
export type SignInFlow = 'browser' | 'deviceCode';

export interface WindowKind {
  /** vscode.env.remoteName: undefined in a local window. */
  remoteName: string | undefined;
  /** vscode.env.uiKind === UIKind.Web. */
  webUi: boolean;
}

export function chooseSignInFlow(setting: SignInSetting, window: WindowKind): SignInFlow {
  if (setting !== 'auto') return setting;
  return window.remoteName || window.webUi ? 'deviceCode' : 'browser';
}

export function parseSignInSetting(value: unknown): SignInSetting {
  return value === 'browser' || value === 'deviceCode' ? value : 'auto';
}
