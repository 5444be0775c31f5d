// The window's credential endpoint: an HTTP server on 127.0.0.1 speaking the container-credentials protocol the
// AWS CLI and SDKs read (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN). Processes hold
// a token, never a key; each GET resolves the token to an identity and answers with its fresh credentials.
// Errors are JSON {Code, Message} with a 4xx/5xx status: botocore (the CLI, boto3) prints the body as is, the JS
// SDK keeps Code and Message on its error for 4xx, and our credential_process helper prints Message.
import * as fs from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type TokenSpec, isTokenShape, requestToken, TokenRegistry } from './tokens';
import { Freshener, type FreshnessOptions, type IdentityProvider } from './freshCredentials';
import { answerAgentRoute, isAgentRoute } from './agentRoutes';
import type { AgentAccess, AgentBackend } from '../agents/backend';
import { agentOfRequest } from '../agents/ancestry';
import { AGENT_HEADER, agentOfHeader } from '../agents/markers';
import type { Identity } from '../session';
import { UserError } from '../userError';
import { EXTERNAL_REVOKED_MESSAGE, ROLE_ENDED_MESSAGE } from './messages';
import { staticServedUntil } from '../vault/staticRoles';

export type { TokenSpec } from './tokens';
export type { IdentityProvider } from './freshCredentials';

export const NO_ACTIVE_ROLE_MESSAGE = 'No AWS role is active in VS Code: pick one in IAM Switchboard';
export { EXTERNAL_REVOKED_MESSAGE, ROLE_ENDED_MESSAGE };
export const UNKNOWN_TOKEN_MESSAGE = "This terminal's credential token is not valid in this VS Code window: open a new terminal";
const AGENT_TOOLS_TOKEN_MESSAGE = "This token is for IAM Switchboard's agent tools and serves no credentials";
const AGENT_ACCESS_NONE_MESSAGE =
  'AI agents get no AWS credentials in this VS Code window (iamSwitchboard.agents.access is none): run this yourself, outside the agent';
const NO_AGENT_IDENTITY_MESSAGE =
  "An AI agent's command gets its own AWS identity, and this VS Code window cannot issue one: set iamSwitchboard.agents.access, or run this yourself outside the agent";
const NO_TOKEN_MESSAGE =
  'No credential token was sent: run this in a terminal that VS Code opened, or set AWS_CONTAINER_AUTHORIZATION_TOKEN';
/** The one path credentials are served on. */
const CREDENTIALS_PATH = '/credentials';
/** Credentials that never expire (IAM user keys) are still given an end, so long-running SDKs come back for switches. */
const NO_EXPIRY_HORIZON_MS = 60 * 60_000;
/**
 * Clients on this machine send their whole request at once, so a socket that has not within a few seconds is
 * closed (Node's defaults wait a minute, checked every 30 s), and the number of sockets is capped: an idle or
 * slow local process cannot hold the endpoint's sockets and file descriptors. The answer may take long (a
 * refresh waiting for an MFA code), which these limits do not count: they end once the request is in.
 */
export const ENDPOINT_LIMITS = {
  headersTimeoutMs: 3_000,
  requestTimeoutMs: 5_000,
  checkEveryMs: 1_000,
  keepAliveMs: 5_000,
  maxConnections: 64,
};

/** The agent identity provider's refusal: one sentence the CLI prints, saying what to do. */
export interface AgentRefusal {
  refused: string;
}

export interface EndpointOptions extends FreshnessOptions {
  provider: IdentityProvider;
  /**
   * The identity an agent's request gets (short-lived, narrower than the person's, kept fresh by the provider), for
   * `person`: the identity the same request would get without the agent (the window's active role, or the pinned
   * terminal's own). Absent: agents get nothing unless agentAccess is sameAsMe, so no agent ever holds the person's
   * credentials by default.
   */
  agentIdentity?: (agent: string, person: Identity) => Promise<Identity | AgentRefusal>;
  /** iamSwitchboard.agents.access; readOnly when absent. */
  agentAccess?: () => AgentAccess;
  /** The extension's side of the agent tools' /agent/ routes. */
  agentBackend?: AgentBackend;
  /**
   * The agent of the process at the other end of a connection, found without trusting it (Linux: the process's
   * ancestry), for requests that name none themselves.
   */
  agentOfPeer?: (socket: Socket) => Promise<string | undefined>;
}

interface ListeningEndpoint {
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI, e.g. http://127.0.0.1:41234/credentials */
  url: string;
  port: number;
}

/** The container-credentials answer: all four fields are strings, as the JS SDK requires. */
interface ContainerCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
}

interface Answer {
  status: number;
  /** Credentials, a refusal, or an agent route's answer (names and times only). */
  body: ContainerCredentials | { Code: string; Message: string } | object;
}

const refusal = (status: number, Code: string, Message: string): Answer => ({ status, body: { Code, Message } });

export class CredentialEndpoint {
  private readonly tokens = new TokenRegistry();
  private readonly freshener: Freshener;
  private server: Server | undefined;
  private listening: ListeningEndpoint | undefined;
  /** start() was asked for a port (the one before a window reload) and got it: kept tokens may be taken again. */
  private portRegained = false;
  private starting: Promise<ListeningEndpoint> | undefined;
  /** The Unix domain socket of each tool outside VS Code, by the tool's name. */
  private readonly externals = new Map<string, { server: Server; socket: string; token: string }>();

  constructor(private readonly options: EndpointOptions) {
    this.freshener = new Freshener(options.provider, options);
  }

  /**
   * Starts listening on 127.0.0.1 (only), on `port` when it is free (the edge asks for the previous window's port
   * so restored terminals keep working), else on an ephemeral one. Starting again (or concurrently) returns the
   * same endpoint.
   */
  start(options: { port?: number } = {}): Promise<ListeningEndpoint> {
    // Two terminals opening at once share one server.
    this.starting ??= this.listen(options.port).catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async listen(preferredPort: number | undefined): Promise<ListeningEndpoint> {
    const server = limitedServer((req, res) => this.handle(req, res));
    try {
      await listen(server, preferredPort ?? 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !preferredPort) {
        throw error;
      }
      await listen(server, 0);
    }
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.listening = { url: `http://127.0.0.1:${port}${CREDENTIALS_PATH}`, port };
    this.portRegained = preferredPort !== undefined && port === preferredPort;
    this.options.log?.(`Credential endpoint listening on 127.0.0.1:${port}`);
    return this.listening;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.listening = undefined;
    this.starting = undefined;
    await Promise.all([...this.externals.keys()].map((name) => this.revokeExternal(name)));
    if (server) {
      await close(server);
    }
  }

  /** A new random token (256 bits). */
  issueToken(spec: TokenSpec): string {
    return this.tokens.issue(spec);
  }

  /**
   * A token kept across a window reload (the following one, a pinned terminal's), taken again only when the
   * endpoint got back the port it had, the one start() was asked for: otherwise terminals from before the reload
   * send it to the old port, where another program (another local user's) may now listen, so it may have leaked
   * and must never work here. A new one is minted instead, and those terminals must be relaunched (VS Code offers
   * that for following terminals, since their URL and token change).
   */
  resumeToken(spec: TokenSpec, kept: string | undefined): string {
    const reuse = kept !== undefined && this.portRegained && isTokenShape(kept, spec.kind);
    return this.tokens.issue(spec, reuse ? kept : undefined);
  }

  /** The token stops working at once (a closed terminal, an ended lease). */
  revoke(token: string): void {
    this.tokens.revoke(token);
  }

  /**
   * Serves one tool outside VS Code on the Unix domain socket `socket` (in a folder only this user can enter),
   * known by `name` (unique) so the person can list and revoke it. Whoever can connect is that tool: the socket
   * server holds the tool's external token in memory and answers as the token route does, following the role.
   */
  async openExternal(name: string, socket: string): Promise<void> {
    if (this.externals.has(name)) {
      throw new UserError(`A tool named '${name}' has access already: revoke it first or choose another name.`, 'TokenNameTaken');
    }
    const token = this.tokens.issue({ kind: 'external', name });
    const server = limitedServer((req, res) => this.handle(req, res, token));
    this.externals.set(name, { server, socket, token });
    try {
      await listen(server, socket);
      await fs.chmod(socket, 0o600);
    } catch (error) {
      await this.revokeExternal(name);
      throw new UserError(
        `Could not listen on ${socket}: check that its folder is writable.`,
        'SocketFailed',
        (error as NodeJS.ErrnoException).code,
      );
    }
  }

  /** The names of the tools with a live socket, oldest first. */
  externalTokens(): string[] {
    return [...this.externals.keys()];
  }

  /** The tool's socket closes and goes at once; its helper then says the access was revoked. */
  async revokeExternal(name: string): Promise<void> {
    const external = this.externals.get(name);
    this.externals.delete(name);
    if (external) {
      this.tokens.revoke(external.token);
      await close(external.server);
      await fs.rm(external.socket, { force: true });
    }
  }

  /** `socketToken`: the request came over a tool's own socket, which stands for that tool's token. */
  private handle(req: IncomingMessage, res: ServerResponse, socketToken?: string): void {
    // The request is in: its answer may wait for a refresh (and an MFA code); after it, keepAliveTimeout applies.
    req.socket.setTimeout(0);
    this.answer(req, socketToken)
      .catch((error: unknown) =>
        refusal(
          500,
          'InternalError',
          error instanceof UserError ? error.message : 'The IAM Switchboard credential endpoint failed: see its log in VS Code',
        ),
      )
      .then((answer) => send(res, answer));
  }

  private async answer(req: IncomingMessage, socketToken?: string): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // A Unix domain socket has no host name a web page could rebind.
    if (socketToken === undefined && !this.isOurHost(req.headers.host)) {
      // A web page reaching 127.0.0.1 through DNS rebinding sends its own host name.
      return refusal(403, 'AccessDenied', 'Requests must be addressed to 127.0.0.1');
    }
    if (req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined) {
      // Browsers add these to every cross-site request; the AWS CLI and SDKs never send them.
      return refusal(403, 'AccessDenied', 'Requests from web pages are refused');
    }
    if (isAgentRoute(url.pathname)) {
      return this.answerAgentTools(req, url.pathname, socketToken);
    }
    if (req.method !== 'GET' || url.pathname !== CREDENTIALS_PATH) {
      return refusal(404, 'NotFound', `Credentials are served by GET ${CREDENTIALS_PATH}`);
    }
    const token = socketToken ?? requestToken(req.headers.authorization);
    if (!token) {
      return refusal(403, 'AccessDenied', NO_TOKEN_MESSAGE);
    }
    const spec = this.tokens.find(token);
    if (!spec) {
      this.options.log?.('Credential endpoint: refused a request with an unknown token');
      // A pinned terminal from an earlier window (or one whose lease ended) is told what happened to its role.
      return refusal(403, 'AccessDenied', unknownTokenMessage(token));
    }
    if (spec.kind === 'agentTools') {
      return refusal(403, 'AccessDenied', AGENT_TOOLS_TOKEN_MESSAGE);
    }
    const identity = spec.kind === 'pinned' ? spec.identity : this.options.provider.activeIdentity();
    // With sameAsMe an agent gets what the person gets: no need to look for one (the /proc walk costs ~9 ms).
    if (this.agentAccess() !== 'sameAsMe') {
      const agent = (await agentOfRequest(req.headers)) ?? (await this.options.agentOfPeer?.(req.socket));
      if (agent !== undefined) return this.answerAgent(agent, identity);
    }
    if (!identity) {
      return refusal(404, 'NoActiveRole', NO_ACTIVE_ROLE_MESSAGE);
    }
    try {
      return { status: 200, body: this.containerCredentials(await this.freshener.fresh(identity)) };
    } catch (error) {
      const failure =
        error instanceof UserError
          ? error
          : new UserError(`Could not refresh ${identity.label}: assume the role again in IAM Switchboard.`);
      return refusal(503, failure.code ?? 'RefreshFailed', failure.message);
    }
  }

  private agentAccess(): AgentAccess {
    return this.options.agentAccess?.() ?? 'readOnly';
  }

  /** An agent's request, where `person` would be served: its own identity from the provider, or why it gets none. */
  private async answerAgent(agent: string, person: Identity | undefined): Promise<Answer> {
    if (this.agentAccess() === 'none') {
      return refusal(403, 'AgentAccessNone', AGENT_ACCESS_NONE_MESSAGE);
    }
    if (!person) {
      return refusal(404, 'NoActiveRole', NO_ACTIVE_ROLE_MESSAGE);
    }
    if (!this.options.agentIdentity) {
      this.options.log?.(`Credential endpoint: refused agent ${agent}, as no agent identity can be issued`);
      return refusal(403, 'NoAgentIdentity', NO_AGENT_IDENTITY_MESSAGE);
    }
    const answer = await this.options.agentIdentity(agent, person).catch((error: unknown) => {
      if (error instanceof UserError) return { refused: error.message };
      throw error;
    });
    if ('refused' in answer) {
      // The provider's sentence, on one line like every UserError.
      return refusal(403, 'AgentRefused', new UserError(answer.refused).message);
    }
    this.options.log?.(`Credential endpoint: served agent ${agent} as ${answer.arn ?? answer.label}`);
    return { status: 200, body: this.containerCredentials(answer) };
  }

  /** The agent tools' routes: only with the agentTools token, never over a tool's socket. */
  private async answerAgentTools(req: IncomingMessage, pathname: string, socketToken?: string): Promise<Answer> {
    const token = socketToken ?? requestToken(req.headers.authorization);
    if (!token || this.tokens.find(token)?.kind !== 'agentTools') {
      return refusal(403, 'AccessDenied', "Agent routes need this window's agent tools token");
    }
    const agent = agentOfHeader(req.headers[AGENT_HEADER]) ?? 'mcp-client';
    return answerAgentRoute(req, pathname, agent, this.options.agentBackend);
  }

  private isOurHost(host: string | undefined): boolean {
    const port = this.listening?.port;
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  }

  private containerCredentials(identity: Identity): ContainerCredentials {
    const { credentials } = identity;
    const now = this.options.now?.() ?? Date.now();
    return {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      // Long-term keys have no session token; the SDKs send none for an empty one.
      Token: credentials.sessionToken ?? '',
      Expiration: servedExpiration(identity, now).toISOString(),
    };
  }
}

/** When processes must come back: the credentials' end, a static role's rotation (staticServedUntil), else the horizon. */
function servedExpiration(identity: Identity, now: number): Date {
  const { credentials, origin } = identity;
  if (credentials.expiration) return credentials.expiration;
  if (origin.kind === 'vaultStatic') return staticServedUntil(origin.rotatesAt, NO_EXPIRY_HORIZON_MS, now);
  return new Date(now + NO_EXPIRY_HORIZON_MS);
}

function unknownTokenMessage(token: string): string {
  if (isTokenShape(token, 'pinned')) return ROLE_ENDED_MESSAGE;
  return isTokenShape(token, 'external') ? EXTERNAL_REVOKED_MESSAGE : UNKNOWN_TOKEN_MESSAGE;
}

/** An HTTP server within ENDPOINT_LIMITS. */
function limitedServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer(
    {
      headersTimeout: ENDPOINT_LIMITS.headersTimeoutMs,
      requestTimeout: ENDPOINT_LIMITS.requestTimeoutMs,
      connectionsCheckingInterval: ENDPOINT_LIMITS.checkEveryMs,
    },
    handler,
  );
  server.keepAliveTimeout = ENDPOINT_LIMITS.keepAliveMs;
  server.maxConnections = ENDPOINT_LIMITS.maxConnections;
  // headersTimeout counts only from a request's first byte: a socket that never sends one is closed here.
  server.on('connection', (socket) => socket.setTimeout(ENDPOINT_LIMITS.headersTimeoutMs, () => socket.destroy()));
  return server;
}

/** Listens on 127.0.0.1:`where`, or on the Unix domain socket at the path `where`. */
function listen(server: Server, where: number | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    if (typeof where === 'number') server.listen(where, '127.0.0.1', onListening);
    else server.listen(where, onListening);
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function send(res: ServerResponse, answer: Answer): void {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
