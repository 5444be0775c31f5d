// The one-shot loopback listener a browser comes back to: the IAM Identity Center PKCE redirect
// (identityCenter/loopback.ts), Vault's OIDC callback (vault/oidc.ts) and the console sign-in redirect
// (aws/consoleRedirect.ts). It binds to loopback only, takes the first GET on the callback path (everything else
// gets a 404), answers that one browser once and closes; it also closes at its deadline or when cancelled. What
// the callback carries (a code, a state, a sign-in token) is never logged and never put on a page by this module.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError, cancelled } from './userError';

export interface CallbackListenOptions {
  /** The path the browser comes back to. */
  path: string;
  /** A path that ends in `path` counts too: a proxy in front (code-server's /proxy/<port>/) may leave its prefix in. */
  allowPrefix?: boolean;
  /** Port on 127.0.0.1; 0 (the default) lets the system pick. */
  port?: number;
  /** Also listen on ::1 on the same port when the machine has it: browsers resolve `localhost` to either. */
  ipv6?: boolean;
  /** What the address is for, on the 404 page other requests get: "the Vault sign-in". */
  purpose: string;
  /** Diagnostics: the method and path of an ignored request, never a query. Leave out when the path is a secret. */
  log?: (line: string) => void;
}

export interface CallbackWaitOptions {
  /** How long to wait for the browser, from this call. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** The error at the deadline, in the caller's words. */
  timeoutError?: () => Error;
}

/** What the browser is answered with: a small page, or a redirect (whose target shows on no screen). */
export type CallbackReply = { status: number; title: string; text: string } | { redirect: string };

export interface CallbackRequest {
  /** The callback's query (code, state, error…): the caller checks it. */
  query: URLSearchParams;
  /** Answers the browser (once; later calls do nothing) and closes the listener once the answer is sent. */
  answer(reply: CallbackReply): Promise<void>;
}

export interface CallbackListener {
  port: number;
  /**
   * The first request to the callback path (taken from the moment the listener runs, so a fast browser is not
   * missed). Rejects, and closes the listener, at the deadline or when cancelled.
   */
  callback(wait: CallbackWaitOptions): Promise<CallbackRequest>;
  /** Stops listening; a callback still awaited rejects as cancelled. */
  close(): Promise<void>;
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  Connection: 'close',
};

/** Listens on loopback; rejects with the system's error (EADDRINUSE…) when it cannot, for the caller to explain. */
export async function listenForCallback(options: CallbackListenOptions): Promise<CallbackListener> {
  let taken: CallbackRequest | undefined;
  let deliver: ((request: CallbackRequest) => void) | undefined;
  let fail: ((error: Error) => void) | undefined;
  // Set once closing starts; every caller of close() waits for the same closing.
  let closing: Promise<void> | undefined;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://127.0.0.1');
    const onPath = options.allowPrefix ? pathname.endsWith(options.path) : pathname === options.path;
    if (req.method !== 'GET' || !onPath || taken || closing) {
      options.log?.(`Sign-in listener: ignored a request that is not the sign-in callback (${req.method} ${pathname}).`);
      void send(res, { status: 404, title: 'Not found', text: `This address only receives ${options.purpose}.` });
      return;
    }
    let answered = false;
    taken = {
      query: searchParams,
      answer: async (reply) => {
        if (answered) return;
        answered = true;
        await send(res, reply);
        await close();
      },
    };
    deliver?.(taken);
  };

  const servers: Server[] = [createServer(handler)];
  await bind(servers[0], options.port ?? 0, '127.0.0.1');
  const port = (servers[0].address() as AddressInfo).port;
  if (options.ipv6) {
    const v6 = createServer(handler);
    // No IPv6 loopback on this machine (or the port is taken there): 127.0.0.1 alone still serves.
    if (
      await bind(v6, port, '::1').then(
        () => true,
        () => false,
      )
    ) {
      servers.push(v6);
    }
  }

  const close = (): Promise<void> => {
    if (closing) return closing;
    closing = Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    ).then(() => undefined);
    fail?.(cancelled());
    return closing;
  };

  const callback = (wait: CallbackWaitOptions) =>
    new Promise<CallbackRequest>((resolve, reject) => {
      const end = (outcome: { request: CallbackRequest } | { error: Error }) => {
        clearTimeout(timer);
        wait.signal?.removeEventListener('abort', onAbort);
        deliver = fail = undefined;
        if ('request' in outcome) return resolve(outcome.request);
        reject(outcome.error);
        void close();
      };
      const timer = setTimeout(
        () => end({ error: wait.timeoutError?.() ?? new UserError('The browser did not come back in time.', 'LoopbackTimeout') }),
        wait.timeoutMs,
      );
      const onAbort = () => end({ error: cancelled() });
      wait.signal?.addEventListener('abort', onAbort, { once: true });
      deliver = (request) => end({ request });
      fail = (error) => end({ error });
      if (closing) fail(cancelled());
      else if (wait.signal?.aborted) onAbort();
      else if (taken) deliver(taken);
    });

  return { port, callback, close };
}

function bind(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Resolves once the answer is handed to the socket, so closing the listener afterwards cannot cut it off. */
function send(res: ServerResponse, reply: CallbackReply): Promise<void> {
  return new Promise((resolve) => {
    res.once('finish', () => resolve());
    res.once('close', () => resolve());
    if ('redirect' in reply) {
      res
        .writeHead(302, { Location: reply.redirect, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', Connection: 'close' })
        .end();
      return;
    }
    const html = page(reply.title, reply.text);
    res.writeHead(reply.status, { ...PAGE_HEADERS, 'Content-Length': Buffer.byteLength(html) }).end(html);
  });
}

function page(title: string, text: string): string {
  const [t, p] = [escapeHtml(title), escapeHtml(text)];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${t}</title></head><body style="font-family:system-ui,sans-serif;max-width:30rem;margin:4rem auto"><h1>${t}</h1><p>${p}</p></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
