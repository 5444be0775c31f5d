// Static roles of the AWS secrets engine as Vault's source has them (builtin/logical/aws: path_static_roles.go,
// path_static_creds.go, rotation.go): Vault adopts an existing IAM user and holds one key pair for it. Rotation is
// not on time: the backend's periodic function pops due roles from its queue, and Vault runs periodic functions on
// a one-minute tick (sdk/framework/backend.go PeriodicFunc, vault/core.go's rollback manager), so a role rotates at
// the first tick after its `expiration`, up to ~60 s later. Here the ticks fall every minute of the Vault clock
// from the server's start, so a test moves time across one to make a rotation happen. A rotation deletes only the
// oldest key, and only when the user already has two, so the key served until then keeps working until the next
// rotation. The keys are never a lease.
import { type Clock, formatTime, parseDurationSeconds } from './clock';
import { type Reply, type Route, VaultError, badRequest, none, ok } from './http';
import { type AwsClients, type IssuedKeys, requireIamUser, rotateAccessKey } from './awsCalls';

export interface StaticRoleInput {
  username?: string;
  /** Seconds or a duration string. */
  rotation_period?: number | string;
}

/** Vault's periodic functions run once a minute. */
export const ROTATION_TICK_MS = 60_000;
/** path_static_roles.go minAllowableRotationPeriod. */
const MIN_ROTATION_SECONDS = 60;

interface StaticRole {
  name: string;
  username: string;
  rotationSeconds: number;
  keys?: IssuedKeys;
  /** The stored credentials' `expiration` (what static-creds shows): set when keys are made, never after. */
  expirationMs?: number;
  /** The rotation queue's priority: when the role is due. A period change moves it; it does not touch the above. */
  dueMs?: number;
  rotating?: Promise<void>;
}

/** Vault's logical.ErrorResponse: HTTP 400 with the message as is. */
const errorResponse = (message: string) => new VaultError(400, [message]);
/** A Go error returned by a path callback: HTTP 500, wrapped as a one-error multierror. */
const internalError = (message: string) => new VaultError(500, [`1 error occurred:\n\t* ${message}\n\n`]);

export class StaticRoles {
  private readonly roles = new Map<string, StaticRole>();
  /** The Vault clock at the first tick; ticks follow every minute. */
  private readonly tickOriginMs: number;

  constructor(
    private readonly mount: string,
    private readonly clock: Clock,
    private readonly clients: () => AwsClients,
    /** Told after a rotation so the expiry timer re-arms for the next one. */
    private readonly changed: () => void,
  ) {
    this.tickOriginMs = clock.now();
  }

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

  /**
   * pathStaticRolesWrite: on create, username and rotation_period are required and the first key pair is made at
   * once (AWS shows a secret only on creation); on update either may be left out, and a new period schedules the
   * next rotation at now + period while the stored `expiration` stays what it was (the updated entry is built but
   * never written back).
   */
  async write(name: string, body: StaticRoleInput): Promise<Reply> {
    const existing = this.roles.get(name);
    const username = typeof body.username === 'string' && body.username ? body.username : undefined;
    if (!username && !existing) throw errorResponse('missing "username" parameter');
    let period: number | undefined;
    try {
      period = parseDurationSeconds(body.rotation_period);
    } catch {
      throw badRequest(`error converting input ${String(body.rotation_period)} for field "rotation_period"`);
    }
    if (period !== undefined && period < MIN_ROTATION_SECONDS) {
      throw internalError(`role rotation period out of range: must be greater than ${MIN_ROTATION_SECONDS.toFixed(2)} seconds`);
    }
    if (period === undefined && !existing) throw errorResponse('missing "rotation_period" parameter');
    if (username) await requireIamUser(this.clients(), username);
    const role: StaticRole = existing ?? { name, username: username!, rotationSeconds: period! };
    if (username) role.username = username;
    if (period !== undefined) role.rotationSeconds = period;
    this.roles.set(name, role);
    if (!role.keys) await this.rotate(role);
    else role.dueMs = this.clock.now() + role.rotationSeconds * 1000;
    this.changed();
    return ok(describe(role));
  }

  /**
   * The periodic function at every tick that has passed: a role rotates at the first tick at or after it is due,
   * and again at each later tick it falls due (a clock moved far ahead), as the real queue would have.
   */
  async rotateDue(): Promise<void> {
    const last = this.lastTick();
    const catchUp = async (role: StaticRole): Promise<void> => {
      while (role.dueMs !== undefined && this.tickAtOrAfter(role.dueMs) <= last) {
        await this.rotate(role, this.tickAtOrAfter(role.dueMs));
      }
    };
    await Promise.all([...this.roles.values()].map((role) => catchUp(role).catch(() => undefined)));
  }

  /** When the next rotation happens: the first tick at or after the earliest due role. */
  nextDeadline(): number | undefined {
    const due = [...this.roles.values()].flatMap((r) => (r.dueMs === undefined ? [] : [r.dueMs]));
    return due.length ? this.tickAtOrAfter(Math.min(...due)) : undefined;
  }

  private lastTick(): number {
    return this.tickOriginMs + Math.floor((this.clock.now() - this.tickOriginMs) / ROTATION_TICK_MS) * ROTATION_TICK_MS;
  }

  private tickAtOrAfter(ms: number): number {
    return this.tickOriginMs + Math.ceil((ms - this.tickOriginMs) / ROTATION_TICK_MS) * ROTATION_TICK_MS;
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
    return ok({ access_key: keys.accessKeyId, expiration: formatTime(role.expirationMs!), secret_key: keys.secretAccessKey });
  }

  /** createCredential at `atMs` (a tick, or now on create): the new keys expire, and are due, one period later. */
  private rotate(role: StaticRole, atMs = this.clock.now()): Promise<void> {
    role.rotating ??= rotateAccessKey(this.clients(), role.username)
      .then((keys) => {
        role.keys = keys;
        role.expirationMs = atMs + role.rotationSeconds * 1000;
        role.dueMs = role.expirationMs;
      })
      .catch((error: unknown) => {
        // rotation.go: a failed rotation is queued again ten seconds later.
        if (role.keys) role.dueMs = atMs + 10_000;
        throw error;
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
