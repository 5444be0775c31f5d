// Write access for an agent, as a small state machine: an agent asks (pending), a person allows (approved, until
// expiresAt) or denies; an approved grant ends at its expiry, when the person ends it, or when the window's role is
// cleared or switched. Time comes from an injected clock so tests move it instead of waiting. Holds no secret.
import { Emitter } from '../emitter';
import { UserError } from '../userError';

export const DEFAULT_GRANT_MINUTES = 15;
export const MAX_GRANT_MINUTES = 60;

export type GrantState = 'pending' | 'approved' | 'denied' | 'ended';
/** Why an approved grant ended. */
export type EndReason = 'expired' | 'revoked' | 'cleared' | 'switched';

export interface Grant {
  readonly id: number;
  readonly agent: string;
  readonly reason: string;
  readonly account: { id: string; name: string; production: boolean };
  readonly role: string;
  readonly minutes: number;
  readonly requestedAt: number;
  state: GrantState;
  /** When an approved grant ends (ms since the epoch). */
  expiresAt?: number;
  endReason?: EndReason;
}

export interface Clock {
  now(): number;
  /** Calls `fire` after `ms`; the returned function cancels it. */
  setTimer(fire: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fire, ms) {
    const timer = setTimeout(fire, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface GrantRequest {
  agent: string;
  reason: string;
  account: Grant['account'];
  role: string;
  minutes?: number;
}

export class WriteGrants {
  private readonly grants = new Map<number, Grant>();
  private readonly timers = new Map<number, () => void>();
  private nextId = 1;
  private readonly changed = new Emitter<Grant>();
  /** Fires with a grant whenever its state changes (requested, approved, denied, ended). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly clock: Clock = systemClock) {}

  /** A new pending request. Refused while the agent already has one pending, or with a bad duration or no reason. */
  request(request: GrantRequest): Grant {
    const minutes = request.minutes ?? DEFAULT_GRANT_MINUTES;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_GRANT_MINUTES) {
      throw new UserError(`Ask for write access for 1 to ${MAX_GRANT_MINUTES} whole minutes.`, 'BadDuration');
    }
    const reason = request.reason.trim();
    if (!reason) {
      throw new UserError('Say why write access is needed: the person reads the reason before deciding.', 'NoReason');
    }
    if (this.live().some((g) => g.agent === request.agent && g.state === 'pending')) {
      throw new UserError('A write request of this agent is already waiting for the person: wait for its answer.', 'RequestPending');
    }
    const grant: Grant = {
      id: this.nextId++,
      agent: request.agent,
      reason: reason.slice(0, 500),
      account: { ...request.account },
      role: request.role,
      minutes,
      requestedAt: this.clock.now(),
      state: 'pending',
    };
    this.grants.set(grant.id, grant);
    this.changed.fire(grant);
    return grant;
  }

  /**
   * The person allows a pending request. For a production account `typed` must be the account's name (as the
   * person typed it): a mismatch is refused and the request stays pending. An agent's earlier grant ends.
   */
  approve(id: number, typed?: string): Grant {
    const grant = this.pending(id);
    if (grant.account.production && typed?.trim() !== grant.account.name) {
      throw new UserError(`Type the account's name, ${grant.account.name}, to allow writes in a production account.`, 'NameMismatch');
    }
    const earlier = this.active(grant.agent);
    if (earlier) this.finish(earlier, 'revoked');
    grant.state = 'approved';
    grant.expiresAt = this.clock.now() + grant.minutes * 60_000;
    this.timers.set(
      id,
      this.clock.setTimer(() => this.finish(grant, 'expired'), grant.minutes * 60_000),
    );
    this.changed.fire(grant);
    return grant;
  }

  deny(id: number): Grant {
    const grant = this.pending(id);
    grant.state = 'denied';
    this.grants.delete(id);
    this.changed.fire(grant);
    return grant;
  }

  /** Ends the agent's approved grant (and a pending request); true when there was one. */
  end(agent: string): boolean {
    const own = this.live().filter((g) => g.agent === agent);
    own.forEach((g) => this.finish(g, 'revoked'));
    return own.length > 0;
  }

  /** Every grant and request ends: the window's role was cleared or another one chosen. */
  endAll(reason: 'cleared' | 'switched'): void {
    this.live().forEach((g) => this.finish(g, reason));
  }

  /** The agent's approved grant, while it lasts. */
  active(agent: string): Grant | undefined {
    const now = this.clock.now();
    return this.live().find((g) => g.agent === agent && g.state === 'approved' && g.expiresAt! > now);
  }

  get(id: number): Grant | undefined {
    return this.grants.get(id);
  }

  /** Pending and approved grants, oldest first. */
  live(): Grant[] {
    return [...this.grants.values()];
  }

  dispose(): void {
    this.timers.forEach((cancel) => cancel());
    this.timers.clear();
    this.changed.dispose();
  }

  private pending(id: number): Grant {
    const grant = this.grants.get(id);
    if (grant?.state !== 'pending') {
      throw new UserError('That write request is no longer waiting: the agent must ask again.', 'NotPending');
    }
    return grant;
  }

  private finish(grant: Grant, reason: EndReason): void {
    this.timers.get(grant.id)?.();
    this.timers.delete(grant.id);
    this.grants.delete(grant.id);
    grant.state = grant.state === 'pending' ? 'denied' : 'ended';
    grant.endReason = reason;
    this.changed.fire(grant);
  }
}
