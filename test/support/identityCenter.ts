// Shared by the Identity Center tests and the bench: an in-memory SecretStore, a clock shared by the core and
// the local server, and a person approving the sign-in on the server's verification page.
import assert from 'node:assert/strict';
import type { DeviceCode, IdentityCenterInstance, IdentityCenterSettings, SecretStore } from '../../src/core/identityCenter';
import type { SsoServer } from '../servers/sso';

export class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  async get(key: string) {
    return this.values.get(key);
  }
  async store(key: string, value: string) {
    this.values.set(key, value);
  }
  async delete(key: string) {
    this.values.delete(key);
  }
}

/** Time for the core and the server together: advancing it moves both, as if that much time had passed. */
export class SharedClock {
  offsetMs = 0;
  constructor(private readonly server: SsoServer) {}
  now = (): number => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
    this.server.advanceClock(ms);
  }
}

export function instanceOf(server: SsoServer): IdentityCenterInstance {
  return { startUrl: server.startUrl, region: server.region };
}

export function settingsFor(server: SsoServer, clock?: SharedClock): IdentityCenterSettings {
  return { oidcEndpoint: server.url, portalEndpoint: server.url, timeoutMs: 5000, now: clock?.now };
}

/** Opens the verification page from the code, as a browser would, and signs in with "Allow". */
export async function approveOnPage(code: DeviceCode, userName = 'alice', password = `${userName}-sso-password`): Promise<string> {
  const page = await fetch(code.verificationUriComplete);
  const html = await page.text();
  assert.equal(page.status, 200);
  assert.match(html, new RegExp(`value="${code.userCode}"`));
  assert.match(html, />Allow</);
  const action = new URL('/device', code.verificationUriComplete);
  const answer = await fetch(action, {
    method: 'POST',
    body: new URLSearchParams({ user_code: code.userCode, username: userName, password, action: 'allow' }),
  });
  return `${answer.status} ${await answer.text()}`;
}

export async function control(server: SsoServer, path: string, body: unknown = {}): Promise<Response> {
  return fetch(`${server.url}/__test/${path}`, { method: 'POST', body: JSON.stringify(body) });
}

/**
 * A browser on this machine in the authorization-code sign-in: opens the /authorize address, signs in on the page
 * and presses Allow (or Deny), and returns where the server redirects it (not followed: `follow` does that).
 */
export async function authorizeInBrowser(
  authorizeUrl: string,
  options: { userName?: string; action?: 'allow' | 'deny' } = {},
): Promise<URL> {
  const userName = options.userName ?? 'alice';
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  assert.equal(page.status, 200, `the sign-in page, not ${page.status}: ${html.slice(0, 200)}`);
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(request, 'the sign-in page carries its request');
  const answer = await fetch(new URL('/authorize', authorizeUrl), {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ request, username: userName, password: `${userName}-sso-password`, action: options.action ?? 'allow' }),
  });
  assert.equal(answer.status, 302);
  return new URL(answer.headers.get('location')!);
}

/** The browser following a redirect to the loopback listener: its status and page. */
export async function follow(url: URL): Promise<{ status: number; html: string }> {
  const answer = await fetch(url);
  return { status: answer.status, html: await answer.text() };
}
