// How STS clients talk HTTP: keep-alive agents (a switch reuses the connection, no new TLS handshake) and a cap on
// the size of every answer. Bundled into dist/aws/ (re-exported by ./stsSdk), so node:http and node:https
// load on first use, not at activation.
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline, Transform, type Readable } from 'node:stream';
import { MAX_STS_RESPONSE_BYTES, RESPONSE_TOO_LARGE } from './limits';

/** NodeHttpHandler options with the client's own keep-alive agents; client.destroy() closes them. */
export function keepAliveHandler(timeoutMs: number) {
  return {
    requestTimeout: timeoutMs,
    connectionTimeout: timeoutMs,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 4 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 4 }),
  };
}

function tooLargeError(): Error {
  const error = new Error(`response body over ${MAX_STS_RESPONSE_BYTES} bytes`);
  error.name = RESPONSE_TOO_LARGE;
  return error;
}

type Next = (args: unknown) => Promise<{ response: unknown; output?: unknown }>;

/**
 * Deserialize-step middleware, below the SDK's deserializer: refuses a declared length over the cap before reading,
 * and stops reading a body (chunked, or longer than it said) as soon as it passes the cap.
 */
export function capResponse(limit = MAX_STS_RESPONSE_BYTES) {
  return (next: Next) => async (args: unknown) => {
    const out = await next(args);
    const response = out.response as { headers?: Record<string, string>; body?: unknown };
    const body = response.body as Readable | undefined;
    const declared = response.headers?.['content-length'];
    if (Number(declared ?? 0) > limit) {
      body?.destroy?.();
      throw tooLargeError();
    }
    // With a declared length Node's parser reads no byte past it, so only a body without one needs counting
    // (counting every answer through a Transform cost more than the rest of our path together).
    if (declared === undefined && body && typeof body.pipe === 'function') {
      let seen = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          seen += chunk.length;
          done(seen > limit ? tooLargeError() : null, chunk);
        },
      });
      response.body = pipeline(body, counter, () => undefined);
    }
    return out;
  };
}
