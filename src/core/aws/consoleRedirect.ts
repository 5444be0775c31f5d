// The console sign-in URL carries a SigninToken that is as good as the session for 15 minutes. Handed to the
// browser as it is, VS Code's "Do you want to open the external website?" dialog shows it whole, with a Copy
// button. So the browser is sent to a one-time loopback address instead (../loopbackCallback.ts), which answers
// with a redirect to the sign-in URL: the token travels only in that answer's Location header, never on screen.
import { randomBytes } from 'node:crypto';
import { listenForCallback } from '../loopbackCallback';

interface OneTimeRedirect {
  /** http://127.0.0.1:<port>/console/<random>: what to open instead of the sign-in URL. */
  url: string;
  /** Settles once the browser came (true) or the time ran out (false); the server is closed either way. */
  used: Promise<boolean>;
}

/** Serves one redirect to `target` on 127.0.0.1 at an unguessable path, then closes; unused, it closes after `timeoutMs`. */
export async function serveRedirectOnce(target: string, timeoutMs: number): Promise<OneTimeRedirect> {
  const path = `/console/${randomBytes(32).toString('base64url')}`;
  // A proxy in front (code-server's /proxy/<port>/) may leave its prefix out or in: the random part decides. No log:
  // a mistyped path would be close to the secret one.
  const listener = await listenForCallback({ path, allowPrefix: true, purpose: 'the AWS console sign-in' });
  const used = listener.callback({ timeoutMs }).then(
    async (request) => {
      await request.answer({ redirect: target });
      return true;
    },
    () => false,
  );
  return { url: `http://127.0.0.1:${listener.port}${path}`, used };
}
