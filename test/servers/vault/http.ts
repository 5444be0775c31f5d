// The HTTP face of the local Vault: routing on /v1/<path>, Vault's verbs (LIST, PUT = POST), the response
// envelope, `{"errors":[...]}` bodies, and the test-only failure switch and control endpoints.
import * as http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TokenEntry } from './auth';
import { startListVerbFront } from './listVerb';
import type { RequestLog } from '../requestLog';

export type Operation = 'read' | 'list' | 'create' | 'update' | 'delete';

export interface VaultRequest {
  op: Operation;
  /** Path after /v1/, without a leading slash; LIST paths end in "/" as Vault's ACL sees them. */
  path: string;
  /** Capture groups of the matched route pattern. */
  params: string[];
  /** JSON body, or the query parameters of a GET. */
  body: Record<string, unknown>;
  query: URLSearchParams;
  /** From X-Vault-Token or `Authorization: Bearer`. */
  tokenId?: string;
  /** The caller's token once the gate accepted it (unset on unauthenticated paths). */
  token?: TokenEntry;
}

export interface LeaseInfo {
  id: string;
  renewable: boolean;
  durationSeconds: number;
}

export type Reply =
  | { kind: 'none'; status?: 202 | 204 }
  | { kind: 'raw'; status?: number; body: unknown }
  | {
      kind: 'envelope';
      data?: unknown;
      auth?: unknown;
      lease?: LeaseInfo;
      warnings?: string[];
      /** Keys real Vault also copies to the top level (sys/mounts does this). */
      topLevel?: Record<string, unknown>;
      /** A wrapped response: only this, no data. */
      wrapInfo?: unknown;
    };

export type Handler = (req: VaultRequest) => Reply | Promise<Reply>;

export interface Route {
  pattern: RegExp;
  read?: Handler;
  list?: Handler;
  /** Serves both create and update (PUT and POST). */
  write?: Handler;
  delete?: Handler;
  /** Answered without a token (health, login, unseal). */
  unauthenticated?: boolean;
  /** Answered while sealed (health, seal-status, unseal). */
  whileSealed?: boolean;
  /** Answered before initialisation (health only). */
  whileUninitialized?: boolean;
  /** Needs the sudo capability, like sys/seal. */
  sudo?: boolean;
  /** Vault's existence check: a write to a missing item is `create`, otherwise `update`. */
  exists?: (req: VaultRequest) => boolean;
}

export class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors[0] ?? `Status ${status}`);
  }
}

/** A 400 with one message, what Vault's `logical.ErrorResponse` becomes. */
export function badRequest(message: string): VaultError {
  return new VaultError(400, [message]);
}

/** Vault 1.14 wraps ACL failures in a go-multierror string. */
export function permissionDenied(): VaultError {
  return new VaultError(403, ['1 error occurred:\n\t* permission denied\n\n']);
}

export const none = (status: 202 | 204 = 204): Reply => ({ kind: 'none', status });
export const ok = (data: unknown, extra: Omit<Extract<Reply, { kind: 'envelope' }>, 'kind' | 'data'> = {}): Reply => ({
  kind: 'envelope',
  data,
  ...extra,
});

// ---- failure switch ----

export type FailureMode =
  | { mode: 'slow'; delayMs: number }
  | { mode: 'reset' }
  | { mode: 'throttle' }
  | { mode: 'error'; status: number }
  /** A 200 whose JSON body is cut off, as a broken proxy sends it. */
  | { mode: 'malformed' };

/** Test-only: make the next `count` requests (or all, until cleared) slow, reset or fail. */
export class FailureSwitch {
  private failure: FailureMode | undefined;
  private remaining = Infinity;

  set(failure: FailureMode | undefined, count?: number): void {
    this.failure = failure;
    this.remaining = count ?? Infinity;
  }

  take(): FailureMode | undefined {
    if (!this.failure || this.remaining <= 0) return undefined;
    this.remaining -= 1;
    const failure = this.failure;
    if (this.remaining <= 0) this.failure = undefined;
    return failure;
  }

  static fromBody(body: Record<string, unknown>): FailureMode | undefined {
    switch (body.mode) {
      case 'slow':
        return { mode: 'slow', delayMs: Number(body.delayMs ?? 2000) };
      case 'reset':
        return { mode: 'reset' };
      case 'throttle':
        return { mode: 'throttle' };
      case 'error':
        return { mode: 'error', status: Number(body.status ?? 500) };
      case 'malformed':
        return { mode: 'malformed' };
      default:
        return undefined;
    }
  }
}

const FAILURE_MESSAGES: Record<number, string> = {
  429: 'rate limit quota exceeded',
  500: 'internal error',
  502: 'upstream error',
  503: 'service unavailable',
};

// ---- the server ----

export interface HttpOptions {
  port: number;
  routes: Route[];
  failures: FailureSwitch;
  /** Runs before the handler: sweeps expired leases, checks seal state, token and ACL; throws VaultError. */
  gate(req: VaultRequest, route: Route | undefined): void;
  /** Test control endpoints under /__test/<name>. */
  controls: Record<string, (body: Record<string, unknown>) => void>;
  /** Whether a path lies under a mounted engine (then an unknown path is "unsupported path"). */
  isMounted(path: string): boolean;
  /** Pages outside /v1/ (the OIDC provider's); true when one answered. */
  pages?(method: string, url: URL, rawBody: string, res: http.ServerResponse): boolean;
  /** Response wrapping: turns a reply into its wrap_info when X-Vault-Wrap-TTL (or a test switch) asks for it. */
  wrap?(reply: Reply, wrapTtlHeader: string | undefined, path: string): Reply;
  /** Counts requests, for tests that wait until one arrived (GET /__test/arrivals). */
  requests?: RequestLog;
}

export interface RunningHttp {
  url: string;
  close(): Promise<void>;
}

export async function listen(options: HttpOptions): Promise<RunningHttp> {
  const server = http.createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      console.error('local vault: unexpected error', err);
      if (!res.headersSent) send(res, 500, { errors: ['internal error'] });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const front = await startListVerbFront((server.address() as AddressInfo).port, options.port).catch(async (err: unknown) => {
    server.close();
    throw err;
  });
  return {
    url: `http://127.0.0.1:${front.port}`,
    close: async () => {
      await front.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(options: HttpOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const rawBody = await readBody(req);

  if (url.pathname === '/__test/arrivals' && options.requests) return options.requests.serve(url, res);
  if (url.pathname.startsWith('/__test/')) {
    const control = options.controls[url.pathname.slice('/__test/'.length)];
    if (!control) return send(res, 404, { errors: [] });
    control(parseJsonObject(rawBody) ?? {});
    return send(res, 204);
  }

  options.requests?.record(req, res);
  const failure = options.failures.take();
  if (failure?.mode === 'reset') {
    req.socket.destroy();
    return;
  }
  if (failure?.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
  if (failure?.mode === 'throttle') {
    return send(res, 429, { errors: [`request path "${url.pathname.replace(/^\/v1\//, '')}": rate limit quota exceeded`] });
  }
  if (failure?.mode === 'error') {
    return send(res, failure.status, { errors: [FAILURE_MESSAGES[failure.status] ?? `status ${failure.status}`] });
  }
  if (failure?.mode === 'malformed') {
    const text = '{"request_id":"cut-off","lease_id":"","data":{"keys":["s3-';
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
    return;
  }

  if (!url.pathname.startsWith('/v1/') && options.pages?.(req.method ?? 'GET', url, rawBody, res)) return;
  try {
    const wrapTtl = req.headers['x-vault-wrap-ttl'];
    const reply = await dispatch(
      options,
      req.method ?? 'GET',
      url,
      rawBody,
      tokenFrom(req),
      typeof wrapTtl === 'string' ? wrapTtl : undefined,
    );
    writeReply(res, reply, req.method === 'HEAD');
  } catch (err) {
    if (err instanceof VaultError) return send(res, err.status, { errors: err.errors });
    throw err;
  }
}

function tokenFrom(req: http.IncomingMessage): string | undefined {
  const header = req.headers['x-vault-token'];
  if (typeof header === 'string' && header) return header;
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return bearer?.[1];
}

async function dispatch(
  options: HttpOptions,
  method: string,
  url: URL,
  rawBody: string,
  tokenId: string | undefined,
  wrapTtl: string | undefined,
): Promise<Reply> {
  if (!url.pathname.startsWith('/v1/')) throw new VaultError(404, []);
  const listFlag = url.searchParams.get('list');
  const op = operationFor(method, listFlag === 'true' || listFlag === '1');
  let path = decodeURIComponent(url.pathname.slice('/v1/'.length));
  // Vault's ACL and routers see list paths with a trailing slash.
  if (op === 'list' && !path.endsWith('/')) path += '/';

  const body = rawBody.trim() === '' ? {} : parseJsonObject(rawBody);
  if (body === undefined) throw badRequest('failed to parse JSON input: invalid character in request body');
  const query = url.searchParams;
  const params = op === 'read' || op === 'list' ? Object.fromEntries(query) : body;
  const request: VaultRequest = { op, path, params: [], body: params, query, tokenId };

  const route = options.routes.find((r) => r.pattern.test(path));
  if (route) {
    request.params = route.pattern.exec(path)!.slice(1);
    if (op === 'update' && route.exists && !route.exists(request)) request.op = 'create';
  }
  options.gate(request, route);
  if (!route) {
    if (options.isMounted(path)) throw new VaultError(404, ['1 error occurred:\n\t* unsupported path\n\n']);
    throw new VaultError(404, [`no handler for route "${path}". route entry not found.`]);
  }
  const handler = handlerFor(route, op);
  if (!handler) throw new VaultError(405, ['1 error occurred:\n\t* unsupported operation\n\n']);
  const reply = await handler(request);
  return options.wrap ? options.wrap(reply, wrapTtl, path) : reply;
}

function operationFor(method: string, listFlag: boolean): Operation {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return listFlag ? 'list' : 'read';
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'DELETE':
      return 'delete';
    default:
      throw new VaultError(405, ['1 error occurred:\n\t* unsupported operation\n\n']);
  }
}

function handlerFor(route: Route, op: Operation): Handler | undefined {
  if (op === 'create' || op === 'update') return route.write;
  return route[op];
}

function writeReply(res: http.ServerResponse, reply: Reply, headOnly: boolean): void {
  if (reply.kind === 'none') return send(res, reply.status ?? 204);
  if (reply.kind === 'raw') return send(res, reply.status ?? 200, headOnly ? undefined : reply.body);
  send(res, 200, {
    ...reply.topLevel,
    request_id: randomUUID(),
    lease_id: reply.lease?.id ?? '',
    renewable: reply.lease?.renewable ?? false,
    lease_duration: reply.lease?.durationSeconds ?? 0,
    data: reply.data ?? null,
    wrap_info: reply.wrapInfo ?? null,
    warnings: reply.warnings && reply.warnings.length > 0 ? reply.warnings : null,
    auth: reply.auth ?? null,
  });
}

function send(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { 'Cache-Control': 'no-store' }).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(text),
    })
    .end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
