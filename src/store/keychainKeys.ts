// The keys people moved out of ~/.aws/credentials, kept in VS Code's SecretStorage (the OS keychain where VS Code
// has one), one secret per profile. Shared by every window of this VS Code: each reads SecretStorage itself.
import * as vscode from 'vscode';
import { globalStateOf } from '../configuration/state';
import type { AccessKey, KeyHolder } from '../core/keys/accessKey';
import { UserError } from '../core/userError';

const SECRET_PREFIX = 'iamSwitchboard.accessKey:';
const secretName = (profile: string) => `${SECRET_PREFIX}${profile}`;

export class KeychainKeys implements KeyHolder, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string>();
  /** A profile's key was stored or removed: whatever was resolved from the old one is stale. */
  readonly onDidChange = this.changed.event;
  private readonly state;
  private readonly watching: vscode.Disposable;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.state = globalStateOf(context);
    // SecretStorage tells every window of this VS Code: a key rotated, moved or moved back in another window makes
    // this window's source credentials from the old key stale too.
    this.watching = context.secrets.onDidChange(({ key }) => {
      if (key.startsWith(SECRET_PREFIX)) this.changed.fire(key.slice(SECRET_PREFIX.length));
    });
  }

  async read(profile: string): Promise<AccessKey | undefined> {
    const text = await this.context.secrets.get(secretName(profile));
    if (text === undefined) return undefined;
    try {
      const { accessKeyId, secretAccessKey } = JSON.parse(text) as Partial<AccessKey>;
      return typeof accessKeyId === 'string' && typeof secretAccessKey === 'string' ? { accessKeyId, secretAccessKey } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores the key and reads it back: a keychain that keeps nothing (one in memory only) must not pass. */
  async replace(profile: string, key: AccessKey): Promise<void> {
    await this.context.secrets.store(
      secretName(profile),
      JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }),
    );
    const back = await this.read(profile);
    if (back?.accessKeyId !== key.accessKeyId || back.secretAccessKey !== key.secretAccessKey) {
      throw new UserError(
        `VS Code's keychain did not keep the key of profile '${profile}': nothing in ~/.aws/credentials was changed.`,
        'KeychainFailed',
      );
    }
    this.changed.fire(profile);
  }

  /** Whether the person moved this profile's key into the keychain (from this VS Code). */
  holds(profile: string): boolean {
    return this.state.get('iamSwitchboard.keychain')?.profiles.includes(profile) ?? false;
  }

  /** The moved profiles and their sockets' folder, once any key was moved. */
  get moved(): { profiles: string[]; folder: string } | undefined {
    return this.state.get('iamSwitchboard.keychain');
  }

  async remember(profiles: string[], folder: string): Promise<void> {
    const known = this.moved?.profiles ?? [];
    await this.state.update('iamSwitchboard.keychain', { profiles: [...new Set([...known, ...profiles])], folder });
  }

  /** The key leaves the keychain (after the person moved it back to the file). */
  async remove(profile: string): Promise<void> {
    await this.context.secrets.delete(secretName(profile));
    const moved = this.moved;
    if (moved) await this.state.update('iamSwitchboard.keychain', { ...moved, profiles: moved.profiles.filter((p) => p !== profile) });
    this.changed.fire(profile);
  }

  dispose(): void {
    this.watching.dispose();
    this.changed.dispose();
  }
}
