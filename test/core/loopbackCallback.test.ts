// The one-shot loopback listener shared by the Identity Center, Vault and console sign-ins; what each of them
// checks in the callback is tested with its flow (identityCenter/authCode, vault/oidc, aws/consoleRedirect).
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { listenForCallback } from '../../src/core/loopbackCallback';
import { rejectsWith } from './rejectsWith';

const refuses = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

test('takes one GET on its path, on 127.0.0.1 only; other paths and methods get 404; after its answer it is gone', async () => {
  const listener = await listenForCallback({ path: '/cb', purpose: 'the test sign-in' });
  const origin = `http://127.0.0.1:${listener.port}`;
  assert.ok(await refuses('127.0.0.2', listener.port), 'not bound to every address');
  const waiting = listener.callback({ timeoutMs: 5_000 });
  const other = await fetch(`${origin}/favicon.ico`);
  assert.equal(other.status, 404);
  assert.match(await other.text(), /only receives the test sign-in/);
  assert.equal((await fetch(`${origin}/cb`, { method: 'POST' })).status, 404);
  assert.equal((await fetch(`${origin}/prefix/cb`)).status, 404, 'a prefix counts only when allowed');

  const browser = fetch(`${origin}/cb?code=c&state=s`);
  const request = await waiting;
  assert.equal(request.query.get('code'), 'c');
  await request.answer({ status: 200, title: 'Done', text: 'Close <this> tab.' });
  const page = await browser;
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('cache-control'), 'no-store');
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  assert.match(await page.text(), /<p>Close &#60;this&#62; tab\.<\/p>/);
  assert.ok(await refuses('127.0.0.1', listener.port), 'closed after the one answer');
});

test('a browser faster than the caller is held until the caller waits, and no second one is taken', { timeout: 10_000 }, async () => {
  const listener = await listenForCallback({ path: '/cb', purpose: 'the test sign-in' });
  const visit = (state: string) =>
    fetch(`http://127.0.0.1:${listener.port}/cb?state=${state}`, { redirect: 'manual' }).then((response) => ({ state, response }));
  const browsers = [visit('1'), visit('2')];
  // Whichever came second is refused at once; the other is held, unanswered, until the caller waits for it.
  const refused = await Promise.race(browsers);
  assert.equal(refused.response.status, 404);
  const request = await listener.callback({ timeoutMs: 5_000 });
  assert.equal(request.query.get('state'), refused.state === '1' ? '2' : '1');
  await request.answer({ redirect: 'https://example.com/next' });
  const held = await browsers[refused.state === '1' ? 1 : 0];
  assert.equal(held.response.status, 302);
  assert.equal(held.response.headers.get('location'), 'https://example.com/next');
});

test('the deadline, a cancel and close each end the wait with their error and stop listening', async () => {
  const timedOut = await listenForCallback({ path: '/cb', purpose: 'the test sign-in' });
  await assert.rejects(timedOut.callback({ timeoutMs: 20, timeoutError: () => new Error('late') }), /late/);
  assert.ok(await refuses('127.0.0.1', timedOut.port));

  const aborted = await listenForCallback({ path: '/cb', purpose: 'the test sign-in' });
  const controller = new AbortController();
  const waiting = aborted.callback({ timeoutMs: 5_000, signal: controller.signal });
  controller.abort();
  await rejectsWith(waiting, 'Cancelled');
  assert.ok(await refuses('127.0.0.1', aborted.port));

  const closed = await listenForCallback({ path: '/cb', purpose: 'the test sign-in' });
  const pending = closed.callback({ timeoutMs: 5_000 });
  await closed.close();
  await rejectsWith(pending, 'Cancelled');
  assert.ok(await refuses('127.0.0.1', closed.port));
});
