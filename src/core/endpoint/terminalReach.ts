// Which terminals the active identity reaches, as notices say it. With the endpoint (the default) every terminal
// that follows the window asks for its credentials on each call, so the ones already open change too; in
// environment mode the keys sit in the environment of terminals opened from now on only. Terminals opened as a
// role keep their own identity in both modes (their names say which).

/** "open and new terminals" or "new terminals", for "ready in …", "removed from …", "… no longer get them". */
export function terminalsReached(mode: 'endpoint' | 'environment'): string {
  return mode === 'environment' ? 'new terminals' : 'open and new terminals';
}
