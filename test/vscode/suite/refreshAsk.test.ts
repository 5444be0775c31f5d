// The refresh that asks first: with iamSwitchboard.autoRefresh off, a session nearing its end is refreshed only when
// the person says so, and removed at its end when they do not. The local STS's clock makes the session end in a few
// seconds; the question is answered in place of the person (vscode.window.showWarningMessage, replaced for the test),
// and the local STS says whether another AssumeRole arrived.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readSettings, type Settings } from '../../../src/configuration/settings';
import type { RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { type Identity, Session } from '../../../src/core/session';
import { RecentRoles } from '../../../src/store/recentRoles';
import { RoleCatalogStore } from '../../../src/store/roleCatalogStore';
import { RoleSessionStore } from '../../../src/store/roleSession';
import { MemoryMemento, serverRequests, shared } from './helpers';

const { awsUrl } = shared();
/** Sessions the local STS issues end this long after they start: the refresh is due halfway. */
const SESSION_S = 6;

/** The STS clock set back, so that the sessions it issues while `fn` runs end SESSION_S from now. */
async function withShortSessions<T>(fn: () => Promise<T>): Promise<T> {
  const move = async (ms: number) =>
    assert.equal((await fetch(`${awsUrl}/__test/clock`, { method: 'POST', body: JSON.stringify({ advanceMs: ms }) })).status, 200);
  await move(-(3600 - SESSION_S) * 1000);
  try {
    return await fn();
  } finally {
    await move((3600 - SESSION_S) * 1000);
  }
}

/** Answers every warning with `answer` and records the questions, until `restore()`. */
function answerWarnings(answer: string | undefined): { asked: string[]; restore(): void } {
  const window = vscode.window as { showWarningMessage: unknown };
  const original = window.showWarningMessage;
  const asked: string[] = [];
  window.showWarningMessage = async (message: string) => {
    asked.push(message);
    return answer;
  };
  return { asked, restore: () => (window.showWarningMessage = original) };
}

/** The session's next change for which `wanted` holds. */
function nextChange(
  session: Session,
  wanted: (identity: Identity | undefined) => boolean,
  withinMs: number,
): Promise<Identity | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`the session did not change as expected within ${withinMs / 1000} s`));
    }, withinMs);
    const listener = session.onDidChange((identity) => {
      if (!wanted(identity)) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(identity);
    });
  });
}

suite('refresh that asks first (autoRefresh off)', () => {
  const log = vscode.window.createOutputChannel('IAM Switchboard refresh tests', { log: true });
  const settings = (): Settings => ({ ...readSettings(), autoRefresh: false });
  let catalog: RoleCatalogStore;
  let session: Session;
  let roles: RoleSessionStore;
  let role: RoleEntry;

  setup(async () => {
    catalog = new RoleCatalogStore(settings, log);
    session = new Session();
    const context = { globalState: new MemoryMemento() } as unknown as vscode.ExtensionContext;
    roles = new RoleSessionStore({ session, catalog, settings, log, recent: new RecentRoles(context) });
    role = (await catalog.get()).catalog.roles.find((r) => r.label === 'dev-readonly')!;
    assert.ok(role, 'the demo has dev-readonly');
  });

  teardown(() => {
    roles.dispose();
    catalog.dispose();
  });
  suiteTeardown(() => log.dispose());

  test('the refresh asks before it assumes the role again; answered Refresh, the session gets new keys', async () => {
    const warnings = answerWarnings('Refresh');
    try {
      const first = await withShortSessions(() => roles.switchTo(role));
      assert.ok(first);
      const refreshed = await nextChange(session, (i) => i !== undefined && i !== first, SESSION_S * 1000);
      assert.deepEqual(warnings.asked, ['The credentials of dev-readonly expire in a few minutes. Refresh them now?']);
      assert.notEqual(refreshed?.credentials.accessKeyId, first.credentials.accessKeyId, 'new keys');
      assert.equal(refreshed?.label, 'dev-readonly');
    } finally {
      warnings.restore();
    }
  });

  test('dismissed, nothing is assumed again, and at the end the keys are removed with a sentence saying so', async () => {
    const warnings = answerWarnings(undefined);
    try {
      const first = await withShortSessions(() => roles.switchTo(role));
      assert.ok(first);
      const after = await serverRequests(awsUrl);
      const removed = nextChange(session, (i) => i === undefined, SESSION_S * 1000 + 5000);
      assert.equal(await removed, undefined);
      assert.equal(warnings.asked[0], 'The credentials of dev-readonly expire in a few minutes. Refresh them now?');
      assert.match(
        warnings.asked[1] ?? '',
        /^The credentials of dev-readonly expired and were removed .*assume the role again to continue\.$/,
      );
      assert.equal(await serverRequests(awsUrl), after, 'no AssumeRole after the question was dismissed');
    } finally {
      warnings.restore();
    }
  });
});
