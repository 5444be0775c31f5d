// A timer that runs only while it has something to show: while a view is on screen, or while a countdown is in the
// status bar. A hidden view draws nothing, so redrawing it would only cost. The intervals are handed in so the
// extension-host tests can count and fire them instead of waiting for the clock.
import type * as vscode from 'vscode';

export interface Intervals {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realIntervals: Intervals = {
  set: (callback, ms) => setInterval(callback, ms),
  clear: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** What a ticker reads of a tree view (a `vscode.TreeView` has both). */
export interface Visibility {
  readonly visible: boolean;
  readonly onDidChangeVisibility: vscode.Event<vscode.TreeViewVisibilityChangeEvent>;
}

export class Ticker implements vscode.Disposable {
  private handle: unknown;
  private following: vscode.Disposable | undefined;

  constructor(
    private readonly tick: () => void,
    private readonly ms: number,
    private readonly intervals: Intervals = realIntervals,
  ) {}

  get running(): boolean {
    return this.handle !== undefined;
  }

  /** Starts or stops the interval; starting twice keeps one. */
  run(on: boolean): void {
    if (on && this.handle === undefined) {
      this.handle = this.intervals.set(() => this.tick(), this.ms);
    } else if (!on && this.handle !== undefined) {
      this.intervals.clear(this.handle);
      this.handle = undefined;
    }
  }

  /** Ticks only while `view` is visible, and once when it shows again so its rows catch up. */
  follow(view: Visibility): void {
    this.following?.dispose();
    this.following = view.onDidChangeVisibility(({ visible }) => {
      if (visible) this.tick();
      this.run(visible);
    });
    this.run(view.visible);
  }

  dispose(): void {
    this.run(false);
    this.following?.dispose();
  }
}
