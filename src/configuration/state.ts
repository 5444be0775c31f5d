// Typed access to what the extension keeps in VS Code's Memento storage: names and ids only, never a
// credential or token (those live in memory or SecretStorage). One place lists every key.
import type * as vscode from 'vscode';
import type { SavedLease } from '../core/vault/leases';

interface GlobalState {
  /** Role keys, most recent first, for the switcher's order. */
  'iamSwitchboard.recentRoles': string[];
  /**
   * What IAM Identity Center discovery found, per `<region>|<start URL>`: account and permission set names only
   * (identityCenter/directory.ts toCached), read back through parseDirectory.
   */
  'iamSwitchboard.identityCenter.directories': Record<string, unknown>;
  /**
   * Profiles whose access key the person moved into the keychain (names only: the keys are in SecretStorage) and
   * the folder of the windows' keychain sockets that their credential_process lines name.
   */
  'iamSwitchboard.keychain': { profiles: string[]; folder: string };
}

export interface WorkspaceState {
  /** Lease ids (never credentials) kept across reloads when leases are not revoked on exit. */
  'iamSwitchboard.vault.leases': SavedLease[];
  /** Process ids and labels (never keys) of terminals that got AWS keys, to find them after a reload. */
  'iamSwitchboard.terminalsWithKeys': Array<{ pid: number; label: string }>;
  /**
   * Terminals opened as a role in endpoint mode: process id and start time, role key and label (their tokens live in
   * SecretStorage), so the ones VS Code reconnects after a reload get their tokens back.
   */
  'iamSwitchboard.pinnedTerminals': Array<{ pid: number; started?: string; roleKey: string; label: string }>;
  /** Process ids and start times of transient pinned terminals, to end them if they outlive their window. */
  'iamSwitchboard.pinnedTerminalsToEnd': Array<{ pid: number; started: string }>;
  /**
   * Process ids and start times (nothing else) of terminals that got the endpoint's following token: one still
   * running after a restart means a reload, and only then is the token taken again (terminals/followingProcesses.ts).
   */
  'iamSwitchboard.followingTerminals': Array<{ pid: number; started?: string }>;
  /** The port of this window's credential endpoint, asked for again after a reload so terminals keep working. */
  'iamSwitchboard.endpointPort': number;
  /** The key (a name, never credentials) of the role that was active, assumed again after Reload Window. */
  'iamSwitchboard.activeRole': string;
  /** Process ids (nothing else) of terminals that do not follow the active role (terminals/notFollowing.ts). */
  'iamSwitchboard.terminalsNotFollowing': number[];
}

export class TypedState<Shape> {
  constructor(private readonly memento: vscode.Memento) {}

  get<K extends keyof Shape & string>(key: K): Shape[K] | undefined {
    return this.memento.get<Shape[K]>(key);
  }

  update<K extends keyof Shape & string>(key: K, value: Shape[K] | undefined): Thenable<void> {
    return this.memento.update(key, value);
  }
}

export function globalStateOf(context: vscode.ExtensionContext): TypedState<GlobalState> {
  return new TypedState<GlobalState>(context.globalState);
}

export function workspaceStateOf(context: vscode.ExtensionContext): TypedState<WorkspaceState> {
  return new TypedState<WorkspaceState>(context.workspaceState);
}
