// Who exists and which keys they hold: IAM users (from the world plus those created at runtime), their access
// keys, and the temporary sessions STS issued. Runtime changes live in memory only.
import { randomBytes } from 'node:crypto';
import { expiredToken, invalidClientTokenId } from './errors';
import { type PolicyDocument, type World, type WorldMfaDevice, type WorldRole, WORLD_CREATE_DATE, uniqueId, userArn } from './world';

export interface Clock {
  now(): number;
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface UserRecord {
  account: string;
  name: string;
  path: string;
  arn: string;
  userId: string;
  createDate: number;
  iamAdmin: boolean;
  mfaDevices: WorldMfaDevice[];
  tags: Tag[];
  permissionsBoundary?: string;
  attachedPolicies: Set<string>;
  inlinePolicies: Map<string, string>;
  groups: Set<string>;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  user: UserRecord;
  createDate: number;
  /** Eventual consistency: a new key only works once IAM has propagated it. */
  usableAtMs: number;
  /** UpdateAccessKey: an Inactive key is refused like an unknown one until it is made Active again. */
  status: 'Active' | 'Inactive';
  /** What GetAccessKeyLastUsed answers: the last request the key signed (AWS records service and region). */
  lastUsed?: { atMs: number; service: string; region: string };
}

export interface SessionRecord {
  kind: 'assumed-role' | 'session-token' | 'federated-user';
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAtMs: number;
  account: string;
  arn: string;
  userId: string;
  /** The IAM user at the start of the chain (absent only if that user was never an IAM user). */
  user?: UserRecord;
  role?: { arn: string; role: WorldRole };
  sessionName?: string;
  mfa: boolean;
  /** Issued by AssumeRole to a caller that was itself an assumed role. */
  chained: boolean;
  /**
   * AssumeRole's session policies (Policy and PolicyArns), when it was given any: the session may do only what
   * both the role's policies and these allow.
   */
  sessionPolicies?: PolicyDocument[];
  /** Set once by AssumeRole and kept by every session chained from it (CloudTrail records it on each call). */
  sourceIdentity?: string;
  tags?: Tag[];
}

export type Caller = { kind: 'user'; user: UserRecord; accessKeyId: string } | { kind: 'session'; session: SessionRecord };

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export function callerArn(caller: Caller): string {
  return caller.kind === 'user' ? caller.user.arn : caller.session.arn;
}

export function callerAccount(caller: Caller): string {
  return caller.kind === 'user' ? caller.user.account : caller.session.account;
}

/** The IAM user behind a caller: the key's owner, or the user who started the session chain. */
export function callerUser(caller: Caller): UserRecord | undefined {
  return caller.kind === 'user' ? caller.user : caller.session.user;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKeyId(prefix: 'AKIA' | 'ASIA'): string {
  return prefix + Array.from(randomBytes(16), (b) => KEY_ALPHABET[b % 32]).join('');
}

const randomSecret = (): string => randomBytes(30).toString('base64');
const randomSessionToken = (): string => 'IQoJb3JpZ2luX2VjEL' + randomBytes(180).toString('base64');

export class Identities {
  private readonly users = new Map<string, UserRecord>();
  private readonly keys = new Map<string, AccessKeyRecord>();
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly issued: string[] = [];

  constructor(
    world: World,
    readonly clock: Clock,
    private readonly keyPropagationMs: number,
  ) {
    for (const account of world.accounts) {
      for (const user of account.users) {
        const record = this.addUser(account.id, user.name, user.path ?? '/', WORLD_CREATE_DATE.getTime());
        record.iamAdmin = user.iamAdmin === true;
        record.mfaDevices = user.mfaDevices ?? [];
        record.groups = new Set(user.groups ?? []);
        record.attachedPolicies = new Set(user.managedPolicyArns ?? []);
        // Stored as text, the way PutUserPolicy receives it; indented, as documents written by people are.
        for (const [name, document] of Object.entries(user.inlinePolicies ?? {})) {
          record.inlinePolicies.set(name, JSON.stringify(document, null, 2));
        }
        for (const key of user.accessKeys ?? []) {
          this.keys.set(key.accessKeyId, { ...key, user: record, createDate: record.createDate, usableAtMs: 0, status: 'Active' });
        }
      }
    }
  }

  now(): number {
    return this.clock.now();
  }

  issuedSecrets(): string[] {
    return [...this.issued];
  }

  getUser(account: string, name: string): UserRecord | undefined {
    return this.users.get(`${account}:${name}`);
  }

  addUser(account: string, name: string, path: string, createDate = this.now()): UserRecord {
    const arn = userArn(account, name, path);
    const record: UserRecord = {
      account,
      name,
      path,
      arn,
      userId: uniqueId('AIDA', arn),
      createDate,
      iamAdmin: false,
      mfaDevices: [],
      tags: [],
      attachedPolicies: new Set(),
      inlinePolicies: new Map(),
      groups: new Set(),
    };
    this.users.set(`${account}:${name}`, record);
    return record;
  }

  /** The user's keys stop working at once: resolve() checks that the key's owner still exists. */
  deleteUser(user: UserRecord): void {
    this.users.delete(`${user.account}:${user.name}`);
  }

  accessKeysOf(user: UserRecord): AccessKeyRecord[] {
    return [...this.keys.values()].filter((k) => k.user === user);
  }

  createAccessKey(user: UserRecord): AccessKeyRecord {
    const now = this.now();
    const key: AccessKeyRecord = {
      accessKeyId: randomKeyId('AKIA'),
      secretAccessKey: randomSecret(),
      user,
      createDate: now,
      usableAtMs: now + this.keyPropagationMs,
      status: 'Active',
    };
    this.keys.set(key.accessKeyId, key);
    this.issued.push(key.accessKeyId, key.secretAccessKey);
    return key;
  }

  keyUsableAt(accessKeyId: string): number | undefined {
    return this.keys.get(accessKeyId)?.usableAtMs;
  }

  deleteAccessKey(accessKeyId: string): void {
    this.keys.delete(accessKeyId);
  }

  /** A long-term key by id (sessions are not keys IAM manages). */
  accessKey(accessKeyId: string): AccessKeyRecord | undefined {
    return this.keys.get(accessKeyId);
  }

  /** Called once a long-term key's signature checked out: what GetAccessKeyLastUsed reports afterwards. */
  recordUse(accessKeyId: string, service: string, region: string): void {
    const key = this.keys.get(accessKeyId);
    if (key) key.lastUsed = { atMs: this.now(), service, region };
  }

  issueSession(fields: Omit<SessionRecord, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>): SessionRecord {
    const session: SessionRecord = {
      ...fields,
      accessKeyId: randomKeyId('ASIA'),
      secretAccessKey: randomSecret(),
      sessionToken: randomSessionToken(),
    };
    this.sessions.set(session.accessKeyId, session);
    this.issued.push(session.accessKeyId, session.secretAccessKey, session.sessionToken);
    return session;
  }

  /**
   * Resolves an access key to its secret and caller, with AWS's errors for keys that do not (yet, or any longer)
   * work. The signature itself is checked by the caller of this method.
   */
  resolve(accessKeyId: string, sessionToken: string | undefined): { caller: Caller; secretAccessKey: string } {
    const key = this.keys.get(accessKeyId);
    if (key) {
      const userAlive = this.users.get(`${key.user.account}:${key.user.name}`) === key.user;
      const refused = !userAlive || key.status !== 'Active' || this.now() < key.usableAtMs || sessionToken !== undefined;
      if (refused) throw invalidClientTokenId();
      return { caller: { kind: 'user', user: key.user, accessKeyId }, secretAccessKey: key.secretAccessKey };
    }
    const session = this.sessions.get(accessKeyId);
    if (!session || sessionToken !== session.sessionToken) throw invalidClientTokenId();
    if (this.now() >= session.expiresAtMs) throw expiredToken();
    return { caller: { kind: 'session', session }, secretAccessKey: session.secretAccessKey };
  }

  /** For console federation: the session behind a set of temporary credentials, if they are exactly right. */
  findSession(credentials: Credentials): SessionRecord | undefined {
    const session = this.sessions.get(credentials.accessKeyId);
    if (!session || session.secretAccessKey !== credentials.secretAccessKey) return undefined;
    return session.sessionToken === credentials.sessionToken ? session : undefined;
  }

  isLongTermKey(accessKeyId: string): boolean {
    return this.keys.has(accessKeyId);
  }
}
