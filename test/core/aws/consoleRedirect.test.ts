// The one-time loopback redirect that carries the console sign-in URL, so no dialog ever shows its SigninToken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveRedirectOnce } from '../../../src/core/aws/consoleRedirect';

const SIGNIN = 'https://signin.aws.amazon.com/federation?Action=login&SigninToken=secret-token&Destination=x';

test('the address shows no token, redirects once to the sign-in URL, and then is gone', async () => {
  const redirect = await serveRedirectOnce(SIGNIN, 5_000);
  assert.match(redirect.url, /^http:\/\/127\.0\.0\.1:\d+\/console\/[\w-]{43}$/);
  assert.doesNotMatch(redirect.url, /SigninToken|secret-token/);
  const answer = await fetch(redirect.url, { redirect: 'manual' });
  assert.equal(answer.status, 302);
  assert.equal(answer.headers.get('location'), SIGNIN);
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.equal(await redirect.used, true);
  await assert.rejects(fetch(redirect.url, { redirect: 'manual' }), 'the server closed after the one use');
});

test('another path gets 404 and does not use up the redirect', async () => {
  const redirect = await serveRedirectOnce(SIGNIN, 5_000);
  const origin = new URL(redirect.url).origin;
  assert.equal((await fetch(`${origin}/console/guess`, { redirect: 'manual' })).status, 404);
  // Through code-server's proxy the path keeps its prefix.
  const proxied = await fetch(`${origin}/proxy/1234${new URL(redirect.url).pathname}`, { redirect: 'manual' });
  assert.equal(proxied.status, 302);
  assert.equal(await redirect.used, true);
});

test('unused, it closes after its time', async () => {
  const redirect = await serveRedirectOnce(SIGNIN, 50);
  assert.equal(await redirect.used, false);
  await assert.rejects(fetch(redirect.url, { redirect: 'manual' }));
});
