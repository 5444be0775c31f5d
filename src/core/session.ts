// The one source of truth for "who am I right now": the tree, the status bar and the terminal environment
// all listen to `onDidChange` instead of keeping copies. Holds credentials in memory only.

import { Emitter } from './emitter';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Where an identity came from: an STS AssumeRole, a Vault lease, or an IAM Identity Center permission set. */
export type IdentityOrigin =
  // A Vault static role: keys Vault rotates at `rotatesAt` (deleting the old ones), not a lease.
  | { kind: 'vaultStatic'; server: string; mount: string; role: string; rotatesAt?: Date }
  | { kind: 'sts'; roleArn: string; profile?: string; needsMfa: boolean }
  | { kind: 'sso'; startUrl: string; accountId: string; roleName: string }
  | { kind: 'vault'; server: string; mount: string; role: string; leaseId: string; renewable: boolean; credentialType: string };

export interface Identity {
  /** Short name for the status bar and terminal titles, e.g. `dev/ReadOnly`. */
  label: string;
  /** The ARN STS reports for these credentials, when known. */
  arn?: string;
  accountId?: string;
  region: string;
  credentials: AwsCredentials;
  origin: IdentityOrigin;
}

export class Session {
  private current: Identity | undefined;
  private readonly changed = new Emitter<Identity | undefined>();
  private readonly ended = new Emitter<Identity>();
  /** Fires with the new identity (undefined after Clear). */
  readonly onDidChange = this.changed.event;
  /** Fires with an identity whose credentials ended for good (a revoked or expired Vault lease), active or not. */
  readonly onDidEnd = this.ended.event;

  get identity(): Identity | undefined {
    return this.current;
  }

  /** Milliseconds until the credentials expire, or undefined when they don't. */
  timeLeft(now = Date.now()): number | undefined {
    const expiration = this.current?.credentials.expiration;
    return expiration ? expiration.getTime() - now : undefined;
  }

  set(identity: Identity): void {
    this.current = identity;
    this.fire();
  }

  clear(): void {
    if (!this.current) {
      return;
    }
    this.current = undefined;
    this.fire();
  }

  /**
   * `identity` ended for good: it leaves the session if it is there, and whoever holds it (a pinned terminal's
   * token) is told, so its keys are never served again.
   */
  end(identity: Identity): void {
    if (this.current === identity) {
      this.clear();
    }
    this.ended.fire(identity);
  }

  private fire(): void {
    this.changed.fire(this.current);
  }
}
