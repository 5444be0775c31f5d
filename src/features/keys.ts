// Long-lived keys in the keychain (issue 23), wired in one place: the keys in SecretStorage, this window's keychain
// socket for the credential_process lines of the moved profiles, the role assumption reading them from the
// keychain, and the command that moves them (loaded on its first use). Nothing is read or started at activation: the socket starts right
// after it, and only once a key was moved (in this window or another).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { socketFolder, socketFolders } from '../core/endpoint/externalSockets';
import { KEYCHAIN_SOCKET_PREFIX, KeychainServer } from '../core/keys/keychainSocket';
import { errorText } from '../core/userError';
import { KeychainKeys } from '../store/keychainKeys';
import { lazyFeature } from './lazy';
import type { RoleSessionStore } from '../store/roleSession';

interface KeysDeps {
  roles: RoleSessionStore;
  log: vscode.LogOutputChannel;
  /** Whether iamSwitchboard.agents.access is sameAsMe: only then may an AI agent's command get a moved key. */
  agentsGetMyKeys: () => boolean;
}

export function activateKeys(context: vscode.ExtensionContext, deps: KeysDeps): { keys: KeychainKeys } {
  const keys = new KeychainKeys(context);
  const server = new KeychainServer((profile) => keys.read(profile), deps.agentsGetMyKeys);
  deps.roles.readKeychainWith((profile) => keys.read(profile));
  let serving: Promise<{ helperPath: string; folder: string }> | undefined;
  const serve = () => {
    serving ??= startServing(context, server, keys.moved?.folder).then(
      (place) => (deps.log.info(`This window serves moved access keys to other tools from ${place.folder}.`), place),
      (error: unknown) => {
        serving = undefined;
        throw error;
      },
    );
    return serving;
  };
  let closed = false;
  const serveInBackground = () =>
    closed || void serve().catch((error: unknown) => deps.log.error(`The keychain socket did not start: ${errorText(error)}`));
  context.subscriptions.push(
    keys,
    // A rotated, replaced or moved key: what was made from the old one (the source credentials, MFA sessions) is stale.
    keys.onDidChange((profile) => void deps.roles.forgetProfile(profile)),
    // A key moved in another window (SecretStorage tells every window): this one serves it too, so tools keep
    // working after that window closes.
    keys.onDidChange(
      (profile) =>
        void keys.read(profile).then(
          (key) => key && serveInBackground(),
          () => undefined,
        ),
    ),
    {
      // A socket still starting is stopped once it listens: a closed window leaves none behind.
      dispose: async () => {
        closed = true;
        await serving?.catch(() => undefined);
        await server.stop();
      },
    },
  );
  // Where serve() will put the helper and the socket, known without starting either (before the person agrees).
  const place = () => ({
    helperPath: helperPathOf(context),
    folder: keys.moved?.folder ?? socketFolder(socketFolders(context.globalStorageUri.fsPath), KEYCHAIN_SOCKET_PREFIX),
  });
  // The commands, with the file planning and the keychain's strength checks, load on first use.
  lazyFeature(
    context,
    deps.log,
    ['iamSwitchboard.moveKeysToKeychain', 'iamSwitchboard.moveKeysToFile'],
    () => import('../commands/moveKeys'),
    (move) => move.registerMoveKeys(context, { keys, log: deps.log, place, serve }),
  );
  if (keys.moved?.profiles.length) {
    setTimeout(serveInBackground, 0);
  }
  return { keys };
}

/**
 * A copy of the helper in the extension's storage, whose path outlives updates of the extension (whose folder
 * names its version), then this window's socket in the folder the moved profiles name.
 */
async function startServing(
  context: vscode.ExtensionContext,
  server: KeychainServer,
  folder: string | undefined,
): Promise<{ helperPath: string; folder: string }> {
  const storage = context.globalStorageUri.fsPath;
  const helperPath = helperPathOf(context);
  const shipped = await fs.readFile(context.asAbsolutePath('dist/credentialHelper.js'));
  const current = await fs.readFile(helperPath).catch(() => undefined);
  if (!current || digest(current) !== digest(shipped)) {
    await fs.mkdir(storage, { recursive: true, mode: 0o700 });
    const temporary = `${helperPath}.${process.pid}.tmp`;
    await fs.writeFile(temporary, shipped, { mode: 0o600 });
    await fs.rename(temporary, helperPath);
  }
  const socket = await server.start(folder ? [folder] : socketFolders(storage));
  return { helperPath, folder: path.dirname(socket) };
}

const helperPathOf = (context: vscode.ExtensionContext) => path.join(context.globalStorageUri.fsPath, 'keychainHelper.js');
const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');
