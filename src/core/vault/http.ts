// node-vault's HTTP layer, replaced (node-vault takes one through its `request-promise` option): one exchange
// under a deadline for the whole of it rather than an idle timeout, cancellable with an AbortSignal, and with a
// ceiling on the body, on node:http(s) with the TLS options from the server's settings. No connection outlives
// its request, so nothing is left open once a call is done.
import * as http from 'node:http';
import * as https from 'node:https';

/** Real Vault answers (a mount table, a secret) are kilobytes; nothing near this is one. */
const MAX_VAULT_BODY_BYTES = 4 * 1024 * 1024;

/** What node-vault hands over: its own request options merged with ours. */
interface VaultHttpRequest {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  /** A request body, or `true` (node-vault's default) for none. */
  json?: unknown;
  /** Deadline for the whole exchange, in ms. */
  timeout?: number;
  signal?: AbortSignal;
  ca?: Buffer;
  strictSSL?: boolean;
  maxBodyBytes?: number;
}

interface VaultHttpReply {
  statusCode: number;
  /** Parsed JSON, the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  request: { path: string };
}

/** A failure before any answer: `code` is a socket code, `ETIMEDOUT` for the deadline, `ABORT_ERR` for a cancel. */
class VaultHttpError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = code === 'ABORT_ERR' ? 'AbortError' : 'VaultHttpError';
  }
}

/** In the shape node-vault's `request-promise` option wants: `.defaults(d)` returns the request function. */
export const vaultTransport = {
  defaults: (defaults: Partial<VaultHttpRequest>) => (options: VaultHttpRequest) => vaultRequest({ ...defaults, ...options }),
};

function vaultRequest(options: VaultHttpRequest): Promise<VaultHttpReply> {
  return new Promise((resolve, reject) => {
    const url = new URL(options.uri);
    const body = options.json !== undefined && options.json !== true ? JSON.stringify(options.json) : undefined;
    const headers: Record<string, string | number> = { accept: 'application/json', ...options.headers };
    if (body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const limit = options.maxBodyBytes ?? MAX_VAULT_BODY_BYTES;
    const isHttps = url.protocol === 'https:';
    const request = (isHttps ? https : http).request(url, {
      method: options.method,
      headers,
      agent: false, // one connection per exchange: closed with it, shared with nobody
      ...(isHttps ? { ca: options.ca, rejectUnauthorized: options.strictSSL !== false } : {}),
    });
    let settled = false;
    const finish = (error: Error | undefined, reply?: VaultHttpReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        request.destroy();
        reject(error);
      } else {
        resolve(reply!);
      }
    };
    const timer = setTimeout(() => finish(new VaultHttpError('deadline passed', 'ETIMEDOUT')), options.timeout ?? 15_000);
    const onAbort = () => finish(new VaultHttpError('cancelled', 'ABORT_ERR'));
    if (options.signal?.aborted) {
      return onAbort();
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error: Error & { code?: string }) => finish(new VaultHttpError(error.message, error.code ?? 'UNKNOWN')));
    request.on('response', (response) => {
      const declared = Number(response.headers['content-length']);
      if (declared > limit) {
        return finish(new VaultHttpError('body too large', 'ERESPONSETOOLARGE'));
      }
      const chunks: Buffer[] = [];
      let total = 0;
      response.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > limit) {
          finish(new VaultHttpError('body too large', 'ERESPONSETOOLARGE'));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error: Error & { code?: string }) => finish(new VaultHttpError(error.message, error.code ?? 'ECONNRESET')));
      response.on('close', () => {
        if (!response.complete) finish(new VaultHttpError('connection closed mid-answer', 'ECONNRESET'));
      });
      response.on('end', () => {
        finish(undefined, {
          statusCode: response.statusCode ?? 0,
          body: parseBody(Buffer.concat(chunks).toString('utf8')),
          request: { path: url.pathname },
        });
      });
    });
    request.end(body);
  });
}

function parseBody(text: string): unknown {
  if (text.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
