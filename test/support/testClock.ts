// The write grants' clock (src/core/agents/grants.ts), moved by the test: a grant expires when the test says, not
// after 15 real minutes.
import type { Clock } from '../../src/core/agents/grants';

/** A clock the test moves: timers fire when it passes their time, in order. */
export class TestClock implements Clock {
  private timers: { at: number; fire: () => void }[] = [];

  constructor(private time = Date.now()) {}

  now(): number {
    return this.time;
  }

  setTimer(fire: () => void, ms: number): () => void {
    const timer = { at: this.time + ms, fire };
    this.timers.push(timer);
    return () => (this.timers = this.timers.filter((t) => t !== timer));
  }

  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.time);
    due.forEach((t) => t.fire());
  }

  /** Timers not fired nor cancelled. */
  get pending(): number {
    return this.timers.length;
  }
}
