// What every extension-host suite needs: the extension's session (exposed in test mode only) and the URLs of
// the local servers the e2e runner started, passed in the IAM_SWITCHBOARD_E2E environment variable.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Session } from '../../../src/core/session';

export const extensionId = 'iamswitchboard.iam-switchboard';

export interface Shared {
  awsUrl: string;
  vaultUrl: string;
  vaultRootToken: string;
}

export const shared = (): Shared => JSON.parse(process.env.IAM_SWITCHBOARD_E2E ?? '{}') as Shared;

export async function session(): Promise<Session> {
  const ext = vscode.extensions.getExtension<{ session: Session }>(extensionId);
  assert.ok(ext, `${extensionId} is not loaded`);
  const api = await ext.activate();
  assert.ok(api?.session, 'the extension exposes its session in test mode');
  return api.session;
}

/**
 * Waits on a local server (its URL) until its request `seq` has arrived or was answered; without `seq`, returns how
 * many requests it has had, so the next one is that count + 1. The server answers when it happens (a long poll).
 */
export async function serverRequests(url: string, seq?: number, state: 'arrived' | 'answered' = 'arrived'): Promise<number> {
  const query = seq === undefined ? '' : `?seq=${seq}&state=${state}`;
  const response = await fetch(`${url}/__test/arrivals${query}`);
  assert.ok(response.ok, `${url}: request ${seq} never ${state} (HTTP ${response.status})`);
  return ((await response.json()) as { count: number }).count;
}

/** A Memento as VS Code keeps one (values stored as JSON; undefined removes the key), in memory. */
export class MemoryMemento implements vscode.Memento {
  readonly values = new Map<string, unknown>();
  keys(): readonly string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string, fallback?: T): T | undefined {
    return (this.values.has(key) ? this.values.get(key) : fallback) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
}
