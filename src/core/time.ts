/** "42m", "3h 5m" (the style formatSeconds uses everywhere else), or "4:59" in the last five minutes. */
export function formatTimeLeft(ms: number): string {
  if (ms <= 0) {
    return 'expired';
  }
  const seconds = Math.floor(ms / 1000);
  if (seconds < 300) {
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m`;
  }
  return minutes % 60 ? `${Math.floor(minutes / 60)}h ${minutes % 60}m` : `${minutes / 60}h`;
}

export const WARNING_WINDOW_MS = 5 * 60 * 1000;
