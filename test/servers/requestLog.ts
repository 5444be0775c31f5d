// "Request N has arrived" and "request N was answered", told by a local server, so a test waits for the event
// instead of sleeping. In process: `arrived(n)` and `answered(n)`. From another process (the extension host):
// GET /__test/arrivals gives the count so far, and GET /__test/arrivals?seq=N&state=arrived|answered answers once
// request N got there (a long poll). Test controls are not counted.
import type { IncomingMessage, ServerResponse } from 'node:http';

const WAIT_LIMIT_MS = 60_000;

export class RequestLog {
  private arrivedCount = 0;
  private readonly answeredSeqs = new Set<number>();
  private readonly listeners = new Set<() => void>();

  /** Requests so far: the next one is `count + 1`. */
  get count(): number {
    return this.arrivedCount;
  }

  /** Counts a request as it arrives, and as answered once its response ends or its connection closes. */
  record(_req: IncomingMessage, res: ServerResponse): void {
    const seq = ++this.arrivedCount;
    res.once('close', () => {
      this.answeredSeqs.add(seq);
      this.notify();
    });
    this.notify();
  }

  arrived(seq: number, timeoutMs = WAIT_LIMIT_MS): Promise<void> {
    return this.until(() => this.arrivedCount >= seq, `request ${seq} did not arrive`, timeoutMs);
  }

  answered(seq: number, timeoutMs = WAIT_LIMIT_MS): Promise<void> {
    return this.until(() => this.answeredSeqs.has(seq), `request ${seq} was not answered`, timeoutMs);
  }

  /** Answers GET /__test/arrivals[?seq=N&state=arrived|answered]. */
  async serve(url: URL, res: ServerResponse): Promise<void> {
    const seq = Number(url.searchParams.get('seq'));
    try {
      if (seq > 0) await (url.searchParams.get('state') === 'answered' ? this.answered(seq) : this.arrived(seq));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ count: this.count }));
    } catch (error) {
      res.writeHead(408, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: (error as Error).message }));
    }
  }

  private until(done: () => boolean, failure: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${failure} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
