// The HTTP side: one endpoint that serves STS and IAM (service taken from the SigV4 scope), the console
// federation endpoint at /federation, and the unsigned /__test control endpoints.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ActionHandler } from './actions';
import { AwsError, serverError, serviceError, signatureSkewed, throttling } from './errors';
import { Federation } from './federation';
import { EksError, eksRequest } from './eks';
import { FailureSwitch, type FailureMode, parseFailureMode } from './failure';
import { RequestLog } from '../requestLog';
import { iamActions } from './iam';
import { JsonError, ORGANIZATIONS_TARGET_PREFIX, organizationsActions } from './organizations';
import { type Clock, Identities } from './identities';
import { type ReceivedRequest, parseAuthorization, verifySignature } from './sigv4';
import { ConsoleSignIn, type LoginCacheFile, SigninError } from './signin';
import { stsActions } from './sts';
import { stsUnsignedActions } from './webIdentity';
import { type World, findUser, loadWorld } from './world';
import { IAM_NAMESPACE, STS_NAMESPACE, el, errorResponse, isoSeconds, leaf, queryResponse } from './xml';

export interface AwsServer {
  url: string;
  close(): Promise<void>;
  setFailure(mode: FailureMode | undefined, count?: number): void;
  advanceClock(ms: number): void;
  /**
   * Holds the next request (any path but the test controls) until `release()`: `arrived` resolves when it is in,
   * so a test acts while a call is in flight, at a moment it knows, instead of sleeping for one.
   */
  holdNext(): { arrived: Promise<void>; release(): void };
  issuedSecrets(): string[];
  /** What arrived so far: signed STS/IAM calls (by action) and TCP connections, to count round trips. */
  stats(): ServerStats;
  /** Tells when request N arrived or was answered, so tests wait for that instead of a guessed time. */
  requests: RequestLog;
  /** When IAM starts accepting a key it created (ms since the epoch); undefined for unknown keys. */
  keyUsableAt(accessKeyId: string): number | undefined;
  world: World;
  /** For the local Identity Center, whose role credentials are sessions of this server. */
  identities: Identities;
  /** What CloudTrail would record of each signed STS/IAM call: who called, and the session's source identity. */
  trail(): TrailEvent[];
  /**
   * `aws login` as `user` of `account` in the browser: the cache file the CLI would write. Its refresh token works
   * at POST /v1/token (the AWS Sign-In token endpoint) with DPoP proofs of its key.
   */
  consoleLogin(account: string, user: string, signInRegion?: string): LoginCacheFile;
  /** Console sign-ins refreshed at /v1/token so far. */
  loginRefreshes(): number;
}

export interface TrailEvent {
  action: string;
  arn: string;
  sourceIdentity?: string;
}

export interface ServerStats {
  requests: number;
  actions: Record<string, number>;
  connections: number;
}

export interface AwsServerOptions {
  worldPath: string;
  port?: number;
  keyPropagationMs?: number;
  /** Serve https:// with this key and certificate (PEM), so clients pay TLS handshakes as they would at AWS. */
  tls?: { key: string; cert: string };
}

class OffsetClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

const SERVICES: Record<string, { namespace: string; actions: Record<string, ActionHandler> }> = {
  sts: { namespace: STS_NAMESPACE, actions: stsActions },
  iam: { namespace: IAM_NAMESPACE, actions: iamActions },
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function toReceived(req: IncomingMessage, url: URL, body: string): ReceivedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return { method: req.method ?? 'GET', path: url.pathname, query, headers, body };
}

function parseAmzDateHeader(value: string | string[] | undefined): number | undefined {
  const match = typeof value === 'string' ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  return match ? Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6]) : undefined;
}

function namespaceFor(req: IncomingMessage): string {
  return SERVICES[parseAuthorization(req.headers.authorization)?.service ?? '']?.namespace ?? STS_NAMESPACE;
}

function sendXml(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** An AssumeRole answer, well-formed, whose session token alone is `bytes` long: written in 64 KB chunks. */
function sendOversize(res: ServerResponse, failure: { bytes: number; declareLength: boolean }, requestId: string): void {
  const credentials = [leaf('AccessKeyId', 'ASIAOVERSIZETEST0001'), leaf('SecretAccessKey', 'oversizeTestSecret'), '<SessionToken>'].join(
    '',
  );
  const head = `<AssumeRoleResponse xmlns="${STS_NAMESPACE}"><AssumeRoleResult><AssumedRoleUser>${leaf('Arn', 'arn:aws:sts::222222222222:assumed-role/ReadOnly/oversize')}${leaf('AssumedRoleId', 'AROAOVERSIZE:oversize')}</AssumedRoleUser><Credentials>${credentials}`;
  const tail = `</SessionToken>${leaf('Expiration', isoSeconds(Date.now() + 3600_000))}</Credentials></AssumeRoleResult>${el('ResponseMetadata', leaf('RequestId', requestId))}</AssumeRoleResponse>\n`;
  const headers: Record<string, string | number> = { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId };
  if (failure.declareLength) headers['Content-Length'] = Buffer.byteLength(head) + failure.bytes + Buffer.byteLength(tail);
  res.writeHead(200, headers);
  res.write(head);
  const chunk = 'A'.repeat(64 * 1024);
  let left = failure.bytes;
  let closed = false;
  const writeMore = (): void => {
    while (left > 0 && !closed) {
      const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
      left -= piece.length;
      if (!res.write(piece)) {
        res.once('drain', writeMore);
        return;
      }
    }
    if (!closed) res.end(tail);
  };
  res.on('close', () => {
    closed = true; // the client hung up: stop producing
  });
  writeMore();
}

export async function createAwsServer(options: AwsServerOptions): Promise<AwsServer> {
  const world = loadWorld(options.worldPath);
  const clock = new OffsetClock();
  const identities = new Identities(world, clock, options.keyPropagationMs ?? 0);
  const federation = new Federation(identities);
  const failures = new FailureSwitch();
  const stats: ServerStats = { requests: 0, actions: {}, connections: 0 };
  const holds: Array<{ arrive: () => void; released: Promise<void> }> = [];
  const trail: TrailEvent[] = [];
  const signIn = new ConsoleSignIn(identities);

  async function handleQueryApi(req: IncomingMessage, url: URL, res: ServerResponse, requestId: string): Promise<void> {
    const body = await readBody(req);
    const params = new URLSearchParams(body);
    for (const [key, value] of url.searchParams) if (!params.has(key)) params.set(key, value);
    const action = params.get('Action') ?? '';
    stats.actions[action] = (stats.actions[action] ?? 0) + 1;
    const unsigned = stsUnsignedActions[action];
    if (unsigned && req.headers.authorization === undefined) {
      // STS takes these without a signature: the web identity token is what proves the caller.
      const result = unsigned({ params, identities, world });
      return sendXml(res, 200, queryResponse(action, STS_NAMESPACE, result, requestId), requestId);
    }
    const { caller, service } = await verifySignature(toReceived(req, url, body), identities);
    const session = caller.kind === 'session' ? caller.session : undefined;
    trail.push({ action, arn: session?.arn ?? (caller.kind === 'user' ? caller.user.arn : ''), sourceIdentity: session?.sourceIdentity });
    const api = SERVICES[service];
    const handler = api?.actions[action];
    if (!api || !handler) {
      throw new AwsError(
        400,
        'InvalidAction',
        `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
      );
    }
    const result = handler({ caller, params, identities, world });
    sendXml(res, 200, queryResponse(action, api.namespace, result, requestId), requestId);
  }

  /** JSON 1.1 (Organizations): the action is named by X-Amz-Target, the input is the JSON body. */
  async function handleJsonApi(req: IncomingMessage, url: URL, res: ServerResponse, requestId: string): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith(ORGANIZATIONS_TARGET_PREFIX) ? target.slice(ORGANIZATIONS_TARGET_PREFIX.length) : '';
    stats.actions[action || target] = (stats.actions[action || target] ?? 0) + 1;
    const body = await readBody(req);
    const send = (status: number, value: unknown) => {
      const text = JSON.stringify(value);
      res.writeHead(status, {
        'Content-Type': 'application/x-amz-json-1.1',
        'x-amzn-RequestId': requestId,
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    try {
      const { caller, service } = await verifySignature(toReceived(req, url, body), identities);
      const handler = service === 'organizations' ? organizationsActions[action] : undefined;
      if (!handler) throw new JsonError(400, 'UnknownOperationException', `Unknown operation ${target}`);
      let input: Record<string, unknown>;
      try {
        input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        throw new JsonError(400, 'SerializationException', 'Start of structure or map found where not expected.');
      }
      send(200, handler({ caller, identities, world }, input));
    } catch (error) {
      if (error instanceof JsonError) return send(error.status, { __type: error.type, Message: error.message });
      if (error instanceof AwsError) return send(error.status, { __type: error.code, Message: error.message });
      throw error;
    }
  }

  /** REST-JSON (EKS, the Sign-In token endpoint): errors in x-amzn-ErrorType and the body. */
  function sendRestJson(res: ServerResponse, status: number, value: unknown, requestId: string, errorType?: string): void {
    const text = JSON.stringify(value);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'x-amzn-RequestId': requestId,
      'Content-Length': Buffer.byteLength(text),
    };
    if (errorType) headers['x-amzn-ErrorType'] = errorType;
    res.writeHead(status, headers);
    res.end(text);
  }

  /** EKS: signed with SigV4 for service `eks`, in the region of the signature's scope. */
  async function handleEks(req: IncomingMessage, url: URL, res: ServerResponse, requestId: string): Promise<void> {
    const body = await readBody(req);
    const action = url.pathname === '/clusters' ? 'ListClusters' : 'DescribeCluster';
    stats.actions[action] = (stats.actions[action] ?? 0) + 1;
    try {
      const { caller, service } = await verifySignature(toReceived(req, url, body), identities);
      if (service !== 'eks') throw new EksError(404, 'UnknownOperationException', 'Unknown operation');
      const region = parseAuthorization(req.headers.authorization)!.region;
      const answer = eksRequest({ caller, identities, world }, region, req.method ?? 'GET', url);
      sendRestJson(res, answer.status, answer.body, requestId);
    } catch (error) {
      if (error instanceof EksError) {
        return sendRestJson(res, error.status, { ...error.fields, message: error.message }, requestId, error.type);
      }
      if (error instanceof AwsError) return sendRestJson(res, error.status, { message: error.message }, requestId, error.code);
      throw error;
    }
  }

  /** The Sign-In token endpoint: unsigned (the refresh token and its DPoP proof are the proof). */
  async function handleSignin(req: IncomingMessage, url: URL, res: ServerResponse, requestId: string): Promise<void> {
    const body = await readBody(req);
    stats.actions.CreateOAuth2Token = (stats.actions.CreateOAuth2Token ?? 0) + 1;
    try {
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        throw new SigninError(400, 'ValidationException', 'INVALID_REQUEST', 'The request body is not JSON.');
      }
      const dpop = typeof req.headers.dpop === 'string' ? req.headers.dpop : undefined;
      const answer = signIn.createOAuth2Token(input, dpop, `http://${req.headers.host ?? ''}${url.pathname}`);
      sendRestJson(res, 200, answer, requestId);
    } catch (error) {
      if (!(error instanceof SigninError)) throw error;
      sendRestJson(res, error.status, { error: error.error, message: error.message }, requestId, error.type);
    }
  }

  async function handleControl(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const input: unknown = text ? JSON.parse(text) : {};
    if (req.method === 'POST' && url.pathname === '/__test/failure') {
      const { mode, count } = parseFailureMode(input);
      failures.set(mode, count);
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' && url.pathname === '/__test/clock') {
      clock.offsetMs += Number((input as { advanceMs?: unknown }).advanceMs ?? 0);
      return sendJson(res, 200, { now: new Date(clock.now()).toISOString() });
    }
    if (req.method === 'GET' && url.pathname === '/__test/issued') return sendJson(res, 200, identities.issuedSecrets());
    if (req.method === 'GET' && url.pathname === '/__test/requests') return sendJson(res, 200, stats);
    if (req.method === 'GET' && url.pathname === '/__test/trail') return sendJson(res, 200, trail);
    if (req.method === 'GET' && url.pathname === '/__test/arrivals') return requests.serve(url, res);
    // For UI scenarios, which hold only the URL: `aws login`'s cache file for a user (as consoleLogin below), and
    // who a key and session token are (what a stand-in EKS API server asks, as the core tests ask `identities`).
    if (req.method === 'POST' && url.pathname === '/__test/console-login') {
      const { account, user, region } = input as { account: string; user: string; region?: string };
      const found = findUser(world, account, user) && identities.getUser(account, user);
      if (!found) return sendJson(res, 404, { error: `no IAM user ${user} in ${account}` });
      return sendJson(res, 200, signIn.login(found, region));
    }
    if (req.method === 'POST' && url.pathname === '/__test/caller') {
      const { accessKeyId, sessionToken } = input as { accessKeyId: string; sessionToken?: string };
      try {
        const { caller } = identities.resolve(accessKeyId, sessionToken);
        return sendJson(res, 200, { arn: caller.kind === 'session' ? caller.session.arn : caller.user.arn });
      } catch (error) {
        return sendJson(res, 403, { error: error instanceof AwsError ? error.code : 'unknown' });
      }
    }
    sendJson(res, 404, { error: `No control endpoint ${req.method} ${url.pathname}` });
  }

  /** Returns true when the failure already answered (or dropped) the request. */
  async function applyFailure(failure: FailureMode, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<boolean> {
    if (failure.mode === 'slow') {
      await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
      return false;
    }
    if (failure.mode === 'reset') {
      req.socket.destroy();
      return true;
    }
    if (failure.mode === 'malformed') {
      const body = `<AssumeRoleResponse xmlns="${namespaceFor(req).replace(/"/g, '')}"><AssumeRoleResult><Credentials><AccessKeyId>AKIALOCAL`;
      res.writeHead(200, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId, 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return true;
    }
    if (failure.mode === 'skew') {
      const serverMs = Date.now() + failure.skewMs;
      const signedMs = parseAmzDateHeader(req.headers['x-amz-date']);
      if (signedMs === undefined || Math.abs(signedMs - serverMs) <= 15 * 60_000) return false;
      if (failure.stripDate) res.sendDate = false;
      else res.setHeader('Date', new Date(serverMs).toUTCString());
      const error = signatureSkewed(signedMs, serverMs);
      sendXml(res, error.status, errorResponse(namespaceFor(req), error, requestId), requestId);
      return true;
    }
    if (failure.mode === 'oversize') {
      sendOversize(res, failure, requestId);
      return true;
    }
    if (failure.mode === 'awsError') {
      const error = serviceError(failure.code);
      if (req.headers['x-amz-target']) {
        // JSON 1.1 (Organizations): the code in __type, the text in Message.
        const text = JSON.stringify({ __type: error.code, Message: error.message });
        res.writeHead(error.status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId });
        res.end(text);
      } else {
        sendXml(res, error.status, errorResponse(namespaceFor(req), error, requestId), requestId);
      }
      return true;
    }
    const error = failure.mode === 'throttle' ? throttling() : serverError(failure.status);
    sendXml(res, error.status, errorResponse(namespaceFor(req), error, requestId), requestId);
    return true;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/__test/')) return handleControl(req, url, res);
    const requestId = randomUUID();
    stats.requests += 1; // every round trip, failed or not
    requests.record(req, res);
    const hold = holds.shift();
    if (hold) {
      hold.arrive();
      await hold.released;
    }
    const failure = failures.take();
    if (failure && (await applyFailure(failure, req, res, requestId))) return;
    if (url.pathname === '/federation') {
      const answer = federation.handle(url.searchParams);
      res.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Content-Length': Buffer.byteLength(answer.body) });
      res.end(answer.body);
      return;
    }
    if (req.headers['x-amz-target']) return handleJsonApi(req, url, res, requestId);
    if (req.method === 'POST' && url.pathname === '/v1/token') return handleSignin(req, url, res, requestId);
    if (url.pathname === '/clusters' || url.pathname.startsWith('/clusters/')) return handleEks(req, url, res, requestId);
    try {
      await handleQueryApi(req, url, res, requestId);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      sendXml(res, error.status, errorResponse(namespaceFor(req), error, requestId), requestId);
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) {
        sendXml(res, 500, errorResponse(STS_NAMESPACE, new AwsError(500, 'InternalFailure', message, 'Receiver'), randomUUID()), '');
      }
    });
  };
  const requests = new RequestLog();
  const server = options.tls ? createTlsServer(options.tls, listener) : createServer(listener);
  // Counted once the client's TLS handshake (if any) is done: a reused keep-alive connection adds nothing.
  server.on(options.tls ? 'secureConnection' : 'connection', () => {
    stats.connections += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    world,
    identities,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
    setFailure: (mode, count) => failures.set(mode, count),
    advanceClock: (ms) => {
      clock.offsetMs += ms;
    },
    holdNext: () => {
      let arrive = () => undefined as void;
      let release = () => undefined as void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ arrive, released });
      return { arrived, release };
    },
    issuedSecrets: () => identities.issuedSecrets(),
    trail: () => trail.map((event) => ({ ...event })),
    consoleLogin: (account, name, signInRegion) => {
      const user = findUser(world, account, name) && identities.getUser(account, name);
      if (!user) throw new Error(`no IAM user ${name} in ${account}`);
      return signIn.login(user, signInRegion);
    },
    loginRefreshes: () => signIn.refreshes,
    stats: () => ({ ...stats, actions: { ...stats.actions } }),
    requests,
    keyUsableAt: (accessKeyId) => identities.keyUsableAt(accessKeyId),
  };
}
