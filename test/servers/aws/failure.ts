// The test-only failure switch: makes the next N requests (or all, until cleared) slow, reset, throttled, 5xx, or
// answered with an oversized (but well-formed) AssumeRole response, as a hostile or broken endpoint might send, or
// answered with one of the service errors real AWS sends (RegionDisabledException, …).
import { type ServiceErrorCode, isServiceErrorCode } from './errors';

export type FailureMode =
  | { mode: 'slow'; delayMs: number }
  | { mode: 'reset' }
  | { mode: 'throttle' }
  | { mode: 'error'; status: number }
  /** A 200 whose XML body is cut off, as a broken proxy sends it. */
  | { mode: 'malformed' }
  /**
   * The server's clock is `skewMs` ahead of the client's, for signature checks only: AWS refuses a signature more
   * than 15 minutes off with SignatureDoesNotMatch "Signature expired" and its own time in the Date header (which the
   * SDK uses to correct itself). `stripDate` drops that header, as some proxies do.
   */
  | { mode: 'skew'; skewMs: number; stripDate?: boolean }
  /** A valid AssumeRole answer whose SessionToken is `bytes` long; chunked unless `declareLength`. */
  | { mode: 'oversize'; bytes: number; declareLength: boolean }
  /** An error AWS sends that the world cannot otherwise produce (see SERVICE_ERRORS in errors.ts), with its status and shape. */
  | { mode: 'awsError'; code: ServiceErrorCode };

export class FailureSwitch {
  private mode: FailureMode | undefined;
  private remaining = Infinity;

  set(mode: FailureMode | undefined, count?: number): void {
    this.mode = mode;
    this.remaining = count ?? Infinity;
  }

  /** The failure to apply to the request now arriving, counting it against the budget. */
  take(): FailureMode | undefined {
    if (!this.mode || this.remaining <= 0) return undefined;
    this.remaining -= 1;
    const mode = this.mode;
    if (this.remaining <= 0) this.mode = undefined;
    return mode;
  }
}

/** Validates a failure mode that arrived as JSON over the control endpoint; {} clears. */
export function parseFailureMode(input: unknown): { mode: FailureMode | undefined; count?: number } {
  const body = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const count = typeof body.count === 'number' ? body.count : undefined;
  switch (body.mode) {
    case undefined:
      return { mode: undefined };
    case 'slow':
      return { mode: { mode: 'slow', delayMs: Number(body.delayMs ?? 1000) }, count };
    case 'reset':
    case 'throttle':
      return { mode: { mode: body.mode }, count };
    case 'error':
      return { mode: { mode: 'error', status: Number(body.status ?? 500) }, count };
    case 'malformed':
      return { mode: { mode: 'malformed' }, count };
    case 'skew':
      return { mode: { mode: 'skew', skewMs: Number(body.skewMs ?? 3_600_000), stripDate: body.stripDate === true }, count };
    case 'oversize':
      return {
        mode: { mode: 'oversize', bytes: Number(body.bytes ?? 5 * 1024 * 1024), declareLength: body.declareLength === true },
        count,
      };
    case 'awsError':
      if (!isServiceErrorCode(body.code)) throw new Error(`Unknown AWS error code for the failure switch: ${String(body.code)}`);
      return { mode: { mode: 'awsError', code: body.code }, count };
    default:
      throw new Error(`Unknown failure mode: ${String(body.mode)}`);
  }
}
