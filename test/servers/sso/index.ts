// The local IAM Identity Center for tests and the demo, one URL for both of its APIs as the SDK's clients speak
// them (REST-JSON): SSO OIDC (POST /client/register, /device_authorization, /token) and the SSO portal
// (GET /assignment/accounts, /assignment/roles, /federation/credentials, POST /logout), plus the device
// verification page (GET/POST /device) and the start URL (/start). Unsigned test controls:
// POST /__test/clock {advanceMs}, POST /__test/throttle {every?, count?} ({} clears; portal requests answer 429),
// POST /__test/deny {userCode}, POST /__test/revoke (ends every sign-in), GET /__test/issued (every secret it
// issued: client secrets, device codes, access and refresh tokens), GET /__test/stats (request counters),
// POST /__test/fail {type, count?} (the next `count` requests to that error's route answer with it; {} clears),
// POST /__test/quota {perSecond, burst?, retryAfterSeconds?} (the portal's quota from now on; {} lifts it).
// Every answer of the service's APIs carries x-amzn-RequestId, as AWS's do; page sizes above 100 are refused.
// The authorization-code grant: GET/POST /authorize (authorizePage.ts). The portal's request quota (quota.ts) is
// enforced when the `quota` option or setQuota asks for it (off by default, so the big-world tests run at speed).
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Identities } from '../aws/identities';
import {
  FAILURES,
  type FailureType,
  SsoError,
  isFailureType,
  parseJsonObject,
  portal as portalErrors,
  readBody,
  sendError,
  sendHtml,
  sendJson,
} from './http';
import { Clock, OidcState, type OidcOptions } from './oidc';
import { authorizePage, submitAuthorization } from './authorizePage';
import { Portal } from './portal';
import { type PortalQuota, QuotaBucket } from './quota';
import { submitVerification, verificationPage } from './verifyPage';
import { DEMO_SSO_WORLD, type SsoWorld, generatedWorld } from './world';

export type { PortalQuota } from './quota';
export { s256 } from './authorize';
export { DEMO_SSO_WORLD, PERMISSION_SETS, generatedWorld, reservedRoleName, type SsoWorld } from './world';

export interface SsoServerOptions {
  /** The local STS server's identities, so role credentials work there (AwsServer.identities). */
  identities: Identities;
  port?: number;
  /** Default DEMO_SSO_WORLD; `generatedAccounts` builds a big one instead (alice, 3 permission sets each). */
  world?: SsoWorld;
  generatedAccounts?: number;
  /** The region the start URL's instance lives in; default us-east-1. */
  region?: string;
  oidc?: OidcOptions;
  /** The portal's request quota, enforced with 429s; default none. */
  quota?: PortalQuota;
}

export interface SsoServer {
  url: string;
  /** What a profile's sso_start_url (or the setting) names: `<url>/start`. */
  startUrl: string;
  region: string;
  verificationUri: string;
  world: SsoWorld;
  close(): Promise<void>;
  advanceClock(ms: number): void;
  /** Answer every n-th portal request (or the next `count`) with TooManyRequestsException; undefined clears. */
  setThrottle(throttle: Throttle | undefined): void;
  /** Answer the next `count` (default 1) requests to this error's route with it; undefined clears. */
  setFailure(type: FailureType | undefined, count?: number): void;
  stats(): SsoStats;
  /** Enforce this request quota on the portal from now on (a fresh bucket); undefined lifts it. */
  setQuota(quota: PortalQuota | undefined): void;
  /** When each portal request arrived (performance.now()) and whether it was answered 429, in order. */
  arrivals(): Array<{ atMs: number; throttled: boolean }>;
  /** The most portal requests the quota accepted within any one second (since setQuota). */
  maxAcceptedPerSecond(): number;
  issuedSecrets(): string[];
  /**
   * The next successful CreateToken is done (a redeemed refresh token is spent) but its answer waits until
   * `release()`: `held` resolves when it is held. A window whose answer is late, as across a slow network.
   */
  holdNextTokenAnswer(): { held: Promise<void>; release(): void };
}

export interface Throttle {
  every?: number;
  count?: number;
}
export interface SsoStats {
  portalRequests: number;
  throttled: number;
  /** Portal requests answered 429 by the quota (also counted in throttled). */
  overQuota: number;
  tokenRequests: number;
}

const OIDC_ROUTES = new Set(['/client/register', '/device_authorization', '/token']);

class ThrottleSwitch {
  private throttle: Throttle | undefined;
  private seen = 0;

  set(throttle: Throttle | undefined): void {
    this.throttle = throttle && (throttle.every || throttle.count) ? { ...throttle } : undefined;
    this.seen = 0;
  }

  /** Counts a portal request; true when it must be throttled. */
  take(): boolean {
    const t = this.throttle;
    if (!t) return false;
    this.seen += 1;
    if (t.count !== undefined && t.count > 0) {
      t.count -= 1;
      if (t.count === 0 && !t.every) this.throttle = undefined;
      return true;
    }
    return t.every !== undefined && t.every > 0 && this.seen % t.every === 0;
  }
}

export async function startSsoServer(options: SsoServerOptions): Promise<SsoServer> {
  const world = options.world ?? (options.generatedAccounts ? generatedWorld(options.generatedAccounts) : DEMO_SSO_WORLD);
  const region = options.region ?? 'us-east-1';
  const clock = new Clock();
  const throttle = new ThrottleSwitch();
  const stats: SsoStats = { portalRequests: 0, throttled: 0, overQuota: 0, tokenRequests: 0 };
  let quota = options.quota ? new QuotaBucket(options.quota) : undefined;
  const arrivals: Array<{ atMs: number; throttled: boolean }> = [];
  /** The quota counts the calls it is about: the portal's account, role and credential calls. */
  const QUOTA_ROUTES = new Set(['/assignment/accounts', '/assignment/roles', '/federation/credentials']);
  let failure: { type: FailureType; left: number } | undefined;
  const setFailure = (type: FailureType | undefined, count = 1) => {
    failure = type === undefined ? undefined : { type, left: count };
  };
  /** Throws the switched-on failure when this request goes to its route. */
  const takeFailure = (path: string): void => {
    if (!failure || FAILURES[failure.type].route !== path) return;
    const error = FAILURES[failure.type].make();
    failure.left -= 1;
    if (failure.left <= 0) failure = undefined;
    throw error;
  };
  let state: OidcState;
  let portal: Portal;
  const tokenHolds: Array<{ arrive: () => void; released: Promise<void> }> = [];

  async function handleOidc(path: string, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const input = parseJsonObject(await readBody(req));
    if (path === '/client/register') return sendJson(res, 200, state.registerClient(input));
    // The page is named on the host the client reached, as a real instance names its own portal.
    const host = req.headers.host;
    if (path === '/device_authorization') {
      return sendJson(res, 200, state.startDeviceAuthorization(input, host ? `http://${host}/device` : undefined));
    }
    stats.tokenRequests += 1;
    const answer = state.createToken(input);
    const hold = tokenHolds.shift();
    if (hold) {
      hold.arrive();
      await hold.released;
    }
    sendJson(res, 200, answer, { 'x-amzn-RequestId': requestId });
  }

  async function handleControl(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const input = parseJsonObject(await readBody(req));
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'POST /__test/clock':
        clock.offsetMs += Number(input.advanceMs ?? 0);
        return sendJson(res, 200, { now: new Date(clock.now()).toISOString() });
      case 'POST /__test/throttle':
        throttle.set({ every: Number(input.every ?? 0) || undefined, count: Number(input.count ?? 0) || undefined });
        return sendJson(res, 200, { ok: true });
      case 'POST /__test/deny': {
        const device = state.pendingDevice(String(input.userCode ?? ''));
        if (device) state.deny(device);
        return sendJson(res, device ? 200 : 404, { ok: device !== undefined });
      }
      case 'POST /__test/revoke':
        state.endAllSessions();
        return sendJson(res, 200, { ok: true });
      case 'GET /__test/issued':
        return sendJson(res, 200, state.issuedSecrets());
      case 'GET /__test/stats':
        return sendJson(res, 200, stats);
      case 'POST /__test/quota': {
        const perSecond = Number(input.perSecond ?? 0);
        quota =
          perSecond > 0
            ? new QuotaBucket({ perSecond, burst: optionalNumber(input.burst), retryAfterSeconds: optionalNumber(input.retryAfterSeconds) })
            : undefined;
        return sendJson(res, 200, { ok: true });
      }
      case 'POST /__test/fail':
        if (input.type !== undefined && !isFailureType(input.type)) {
          return sendJson(res, 400, { error: `Unknown failure ${String(input.type)}` });
        }
        setFailure(input.type, Number(input.count ?? 1));
        return sendJson(res, 200, { ok: true });
      default:
        return sendJson(res, 404, { error: `No control endpoint ${route}` });
    }
  }

  async function handlePage(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const answer =
      req.method === 'POST'
        ? submitVerification(new URLSearchParams(await readBody(req)), state, world.users)
        : verificationPage(url.searchParams);
    sendHtml(res, answer.status, answer.html);
  }

  async function handleAuthorize(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const answer =
      req.method === 'POST'
        ? submitAuthorization(new URLSearchParams(await readBody(req)), state, world.users)
        : authorizePage(url.searchParams, state);
    if (answer.location) {
      res.writeHead(302, { Location: answer.location, 'Content-Length': 0 });
      return void res.end();
    }
    sendHtml(res, answer.status, answer.html);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = randomUUID();
    if (url.pathname.startsWith('/__test/')) return handleControl(req, url, res);
    if (url.pathname === '/device') return handlePage(req, url, res);
    if (url.pathname === '/authorize') return handleAuthorize(req, url, res);
    if (url.pathname === '/start' || url.pathname === '/start/') {
      return sendHtml(
        res,
        200,
        '<!doctype html><title>AWS access portal (local)</title><h1>AWS access portal (local)</h1><p>Sign in from your tools with this start URL.</p>',
      );
    }
    // Every answer of the APIs names its request, success or error, as AWS's do.
    res.setHeader('x-amzn-RequestId', requestId);
    try {
      takeFailure(url.pathname);
      if (req.method === 'POST' && OIDC_ROUTES.has(url.pathname)) return await handleOidc(url.pathname, req, res, requestId);
      stats.portalRequests += 1;
      const arrival = { atMs: performance.now(), throttled: false };
      arrivals.push(arrival);
      if (throttle.take()) {
        stats.throttled += 1;
        arrival.throttled = true;
        throw portalErrors.tooManyRequests();
      }
      if (quota && QUOTA_ROUTES.has(url.pathname) && !quota.take()) {
        stats.throttled += 1;
        arrival.throttled = true;
        stats.overQuota += 1;
        const after = quota.quota.retryAfterSeconds;
        if (after !== undefined) res.setHeader('Retry-After', String(after));
        throw portalErrors.tooManyRequests();
      }
      const bearer = req.headers['x-amz-sso_bearer_token'];
      const body = portal.handle({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        bearer: typeof bearer === 'string' ? bearer : undefined,
      });
      if (body === undefined) {
        return sendJson(
          res,
          404,
          { message: `No route ${req.method} ${url.pathname}` },
          { 'x-amzn-ErrorType': 'UnknownOperationException' },
        );
      }
      if (body === null) {
        res.writeHead(200, { 'Content-Length': 0, 'x-amzn-RequestId': requestId });
        return void res.end();
      }
      sendJson(res, 200, body, { 'x-amzn-RequestId': requestId });
    } catch (error) {
      if (!(error instanceof SsoError)) throw error;
      sendError(res, error, requestId);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return;
      const internal = new SsoError(500, 'InternalServerException', error instanceof Error ? error.message : String(error), 'server_error');
      sendError(res, internal, randomUUID());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const startUrl = `${url}/start`;
  const verificationUri = `${url}/device`;
  state = new OidcState(clock, startUrl, verificationUri, options.oidc);
  portal = new Portal(world, state, options.identities);

  return {
    url,
    startUrl,
    region,
    verificationUri,
    world,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
    advanceClock: (ms) => {
      clock.offsetMs += ms;
    },
    setThrottle: (t) => throttle.set(t),
    setFailure,
    stats: () => ({ ...stats }),
    setQuota: (q) => {
      quota = q ? new QuotaBucket(q) : undefined;
    },
    arrivals: () => arrivals.map((a) => ({ ...a })),
    maxAcceptedPerSecond: () => quota?.maxInWindow(1000) ?? 0,
    issuedSecrets: () => state.issuedSecrets(),
    holdNextTokenAnswer: () => {
      let arrive!: () => void;
      let release!: () => void;
      const held = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      tokenHolds.push({ arrive, released });
      return { held, release };
    },
  };
}

/** A control's optional number: undefined when not sent. */
function optionalNumber(value: unknown): number | undefined {
  return value === undefined ? undefined : Number(value);
}
