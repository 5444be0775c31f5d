// Whether VS Code's SecretStorage is the OS keychain, from what an extension can observe: no API says which
// backend Electron's safeStorage picked (safeStorage.getSelectedStorageBackend() lives in VS Code's main process),
// so this reads what decides it. On Linux, VS Code takes `password-store` from argv.json (or --password-store);
// `basic` is Chromium's hard-coded key, readable by anything that can read VS Code's storage (microsoft/vscode#213903).
// Without it Chromium picks a keyring by the desktop (XDG_CURRENT_DESKTOP), which needs a D-Bus session, and falls
// back to `basic_text` when it knows no keyring. In a browser (code-server, VS Code for the Web) VS Code keeps
// secrets in the browser: its local storage under a key half-held by the server, or in memory only.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export interface KeychainFacts {
  platform: NodeJS.Platform;
  /** vscode.env.uiKind is Web: the workbench runs in a browser (code-server, VS Code for the Web). */
  web: boolean;
  /**
   * vscode.env.remoteName is set in a desktop window (Remote-SSH, WSL, a container): SecretStorage is then the
   * local desktop's, whose settings and environment this extension host (on the remote machine) cannot see.
   */
  remote?: boolean;
  env: NodeJS.ProcessEnv;
  /** argv.json's `password-store`, when it sets one. */
  passwordStore?: string;
}

/** What to tell the person before a key goes into SecretStorage; undefined when it is the OS keychain. */
export interface KeychainWarning {
  /** `weak`: known not to be the OS keychain; `unsure`: VS Code may have fallen back to a weak key. */
  level: 'weak' | 'unsure';
  message: string;
}

/** Desktops for which Chromium picks a keyring itself (os_crypt's SelectBackend): GNOME's or KDE's. */
const KEYRING_DESKTOPS = /gnome|kde|plasma|unity|xfce|pantheon|cinnamon|deepin|ukui|lxqt|budgie|mate/i;

export function keychainWarning(facts: KeychainFacts): KeychainWarning | undefined {
  if (facts.web) {
    return {
      level: 'weak',
      message:
        "This VS Code runs in a browser (code-server or VS Code for the Web): its secrets are kept by the browser (in its local storage, or only in memory), not in this machine's OS keychain, so a key moved there can be lost with the browser's data or a reload, and another browser does not have it.",
    };
  }
  if (facts.platform !== 'linux' || facts.remote) return undefined;
  const store = facts.passwordStore?.trim().toLowerCase();
  if (store === 'basic') {
    return {
      level: 'weak',
      message:
        'VS Code is set to keep secrets with a weak, built-in key ("password-store": "basic" in argv.json): anyone who can read its storage can read the key. Set up a keyring (GNOME Keyring or KWallet) and remove that line first.',
    };
  }
  if (store === 'gnome-libsecret' || store === 'gnome' || store?.startsWith('kwallet')) {
    return facts.env.DBUS_SESSION_BUS_ADDRESS ? undefined : noSessionBus();
  }
  if (!facts.env.DBUS_SESSION_BUS_ADDRESS) return noSessionBus();
  if (!KEYRING_DESKTOPS.test(`${facts.env.XDG_CURRENT_DESKTOP ?? ''}:${facts.env.DESKTOP_SESSION ?? ''}`)) {
    return {
      level: 'unsure',
      message:
        'VS Code may keep secrets with a weak key here: this desktop is not one for which it finds a keyring by itself. Set "password-store": "gnome-libsecret" (or "kwallet5") in argv.json (Preferences: Configure Runtime Arguments) if a keyring runs, then move the keys.',
    };
  }
  return undefined;
}

function noSessionBus(): KeychainWarning {
  return {
    level: 'weak',
    message:
      'VS Code finds no keyring here (no D-Bus session, so no GNOME Keyring or KWallet): it keeps secrets with a weak key or only in memory. Start a keyring in your session first.',
  };
}

/**
 * argv.json's `password-store`: in $VSCODE_PORTABLE, else in ~/<dataFolderName> (product.json: `.vscode`,
 * `.vscode-oss`, `.vscode-insiders`). argv.json is JSON with comments; a missing or unreadable file sets nothing.
 */
export async function readPasswordStore(
  appRoot: string,
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): Promise<string | undefined> {
  let folder = env.VSCODE_PORTABLE;
  if (!folder) {
    const product = await fs.readFile(path.join(appRoot, 'product.json'), 'utf8').catch(() => '{}');
    let dataFolderName: unknown;
    try {
      dataFolderName = (JSON.parse(product) as { dataFolderName?: unknown }).dataFolderName;
    } catch {
      dataFolderName = undefined;
    }
    folder = path.join(home, typeof dataFolderName === 'string' ? dataFolderName : '.vscode');
  }
  const text = await fs.readFile(path.join(folder, 'argv.json'), 'utf8').catch(() => '');
  // The value only, so trailing commas elsewhere do not matter; a commented-out line sets nothing.
  const live = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return /"password-store"\s*:\s*"([^"]*)"/.exec(live)?.[1];
}
