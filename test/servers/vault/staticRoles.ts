// Static roles of the AWS secrets engine (path_static_roles.go, path_static_creds.go, rotation.go): Vault
// adopts an existing IAM user, holds one key pair for it and replaces it every rotation_period on the
// server's clock, deleting the old key at IAM. The keys are never a lease.
import { type Clock, formatTime, parseDurationSeconds } from './clock';
import { type Reply, type Route, VaultError, badRequest, none, ok } from './http';
import { type AwsClients, type IssuedKeys, requireIamUser, rotateAccessKey } from './awsCalls';

export interface StaticRoleInput {
  username: string;
  /** Seconds or a duration string. */
  rotation_period: number | string;
}

interface StaticRole {
  name: string;
  username: string;
  rotationSeconds: number;
  keys?: IssuedKeys;
  /** When the current keys were made, on the Vault clock. */
  rotatedMs?: number;
  rotating?: Promise<void>;
}

export class StaticRoles {
  private readonly roles = new Map<string, StaticRole>();

  constructor(
    private readonly mount: string,
    private readonly clock: Clock,
    private readonly clients: () => AwsClients,
    /** Told after a rotation so the expiry timer re-arms for the next one. */
    private readonly changed: () => void,
  ) {}

  routes(): Route[] {
    const m = this.mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return [
      { pattern: new RegExp(`^${m}/static-roles/?$`), list: () => this.list() },
      {
        pattern: new RegExp(`^${m}/static-roles/([\\w@.-]+)$`),
        exists: (req) => this.roles.has(req.params[0]),
        read: (req) => this.read(req.params[0]),
        write: (req) => this.write(req.params[0], req.body as unknown as StaticRoleInput),
        delete: (req) => {
          this.roles.delete(req.params[0]);
          return none();
        },
      },
      { pattern: new RegExp(`^${m}/static-creds/([\\w@.-]+)$`), read: (req) => this.creds(req.params[0]) },
    ];
  }

  /** Creates or updates a role; a new role gets its first key pair at once (AWS shows a secret only on creation). */
  async write(name: string, body: StaticRoleInput): Promise<Reply> {
    const username = typeof body.username === 'string' ? body.username : '';
    if (!username) throw new VaultError(500, [`1 error occurred:\n\t* missing 'username' parameter\n\n`]);
    let period: number | undefined;
    try {
      period = parseDurationSeconds(body.rotation_period);
    } catch {
      throw badRequest(`error converting input ${String(body.rotation_period)} for field "rotation_period"`);
    }
    if (period === undefined) throw new VaultError(500, [`1 error occurred:\n\t* missing 'rotation_period' parameter\n\n`]);
    if (period < 1) {
      throw new VaultError(500, ['1 error occurred:\n\t* role rotation period out of range: must be less than -1 seconds\n\n']);
    }
    await requireIamUser(this.clients(), username);
    const existing = this.roles.get(name);
    const role: StaticRole = existing
      ? Object.assign(existing, { username, rotationSeconds: period })
      : { name, username, rotationSeconds: period };
    this.roles.set(name, role);
    if (!role.keys) await this.rotate(role);
    return ok(describe(role));
  }

  /** Rotates every role whose period has run out on the Vault clock. */
  async rotateDue(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.roles.values()].filter((r) => r.rotatedMs !== undefined && r.rotatedMs + r.rotationSeconds * 1000 <= now);
    await Promise.all(due.map((role) => this.rotate(role).catch(() => undefined)));
  }

  nextDeadline(): number | undefined {
    const deadlines = [...this.roles.values()].flatMap((r) => (r.rotatedMs === undefined ? [] : [r.rotatedMs + r.rotationSeconds * 1000]));
    return deadlines.length ? Math.min(...deadlines) : undefined;
  }

  private list(): Reply {
    const keys = [...this.roles.keys()].sort();
    if (keys.length === 0) throw new VaultError(404, []);
    return ok({ keys });
  }

  private read(name: string): Reply {
    const role = this.roles.get(name);
    if (!role) throw new VaultError(404, []);
    return ok(describe(role));
  }

  private async creds(name: string): Promise<Reply> {
    const role = this.roles.get(name);
    if (!role) throw new VaultError(404, []);
    if (!role.keys) await this.rotate(role); // A role whose first key pair failed at startup tries again.
    const keys = role.keys!;
    const expiration = formatTime((role.rotatedMs ?? this.clock.now()) + role.rotationSeconds * 1000);
    return ok({ access_key: keys.accessKeyId, expiration, secret_key: keys.secretAccessKey });
  }

  private rotate(role: StaticRole): Promise<void> {
    role.rotating ??= rotateAccessKey(this.clients(), role.username, role.keys?.accessKeyId)
      .then((keys) => {
        role.keys = keys;
        role.rotatedMs = this.clock.now();
      })
      .finally(() => {
        role.rotating = undefined;
        this.changed();
      });
    return role.rotating;
  }
}

function describe(role: StaticRole): Record<string, unknown> {
  return { name: role.name, username: role.username, rotation_period: role.rotationSeconds };
}
