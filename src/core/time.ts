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

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The one clock format of every message, tooltip and document: 24-hour local time, "14:05", with the date in front
 * when it is not today ("2026-12-08 09:30"). One function so no two texts disagree on 12 or 24 hours, and no
 * "until 2:05 PM" in one place and "14:05" in the next.
 */
export function clockTime(date: Date, now = new Date()): string {
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
  return sameDay ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}
