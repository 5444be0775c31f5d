// The console sign-in URL carries a SigninToken that is as good as the session for 15 minutes. Handed to the
// browser as it is, VS Code's "Do you want to open the external website?" dialog shows it whole, with a Copy
// button. So the browser is sent to a one-time loopback address instead, which answers with a redirect to the
// sign-in URL: the token travels only in that answer's Location header, never on screen.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface OneTimeRedirect {
  /** http://127.0.0.1:<port>/console/<random>: what to open instead of the sign-in URL. */
  url: string;
  /** Settles once the browser came (true) or the time ran out (false); the server is closed either way. */
  used: Promise<boolean>;
}

/** Serves one redirect to `target` on 127.0.0.1 at an unguessable path, then closes; unused, it closes after `timeoutMs`. */
export async function serveRedirectOnce(target: string, timeoutMs: number): Promise<OneTimeRedirect> {
  const path = `/console/${randomBytes(32).toString('base64url')}`;
  let settle: (used: boolean) => void = () => undefined;
  const used = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const server = createServer((req, res) => {
    // A proxy in front (code-server's /proxy/<port>/) may leave its prefix out or in: the random part decides.
    if (req.method !== 'GET' || !(req.url ?? '').split('?')[0].endsWith(path)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(302, { Location: target, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).end();
    close(server, true);
  });
  const timer = setTimeout(() => close(server, false), timeoutMs);
  timer.unref?.();
  const close = (s: Server, wasUsed: boolean) => {
    clearTimeout(timer);
    s.closeIdleConnections?.();
    s.close();
    settle(wasUsed);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${path}`, used };
}
