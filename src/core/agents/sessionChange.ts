// What a change of the window's session means for agents: a refresh of the same role keeps their sessions and
// grants; Clear or another role ends them. The session fires the same event for all three.
import type { Identity } from '../session';

export type SessionChange = 'started' | 'refreshed' | 'switched' | 'cleared';

/** Same role: the same label (the catalog's, unique per role) in the same account, from the same kind of source. */
const sameRole = (a: Identity, b: Identity): boolean =>
  a.label === b.label && a.accountId === b.accountId && a.origin.kind === b.origin.kind;

export function sessionChange(previous: Identity | undefined, next: Identity | undefined): SessionChange {
  if (!next) return 'cleared';
  if (!previous) return 'started';
  return sameRole(previous, next) ? 'refreshed' : 'switched';
}

/** Follows a session's changes and tells `ended` when agents must lose what they hold: Clear or a switch. */
export function onRoleLeft(
  session: { identity: Identity | undefined; onDidChange(listener: (identity: Identity | undefined) => void): { dispose(): void } },
  ended: (change: 'cleared' | 'switched') => void,
): { dispose(): void } {
  let previous = session.identity;
  return session.onDidChange((next) => {
    const change = sessionChange(previous, next);
    previous = next;
    if (change === 'cleared' || change === 'switched') ended(change);
  });
}
