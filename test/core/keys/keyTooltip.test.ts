// The central user's row in the AWS Roles view: drawing it asks IAM nothing; hovering it (resolveTreeItem) reads
// the key's age and last use once, and the row then shows the age, with a warning from the configured age.
import { fakeLog } from '../model/fakeVscode';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as vscode from 'vscode';
import { loadAwsConfig, type AwsConfig } from '../../../src/core/aws/config';
import { buildCatalog } from '../../../src/core/catalog/roleCatalog';
import { Session } from '../../../src/core/session';
import type { Settings } from '../../../src/configuration/settings';
import { AccessKeyFacts } from '../../../src/store/accessKeyFacts';
import type { RoleCatalogStore } from '../../../src/store/roleCatalogStore';
import { RoleTreeProvider, SourceNode, type RoleTreeNode } from '../../../src/treeViews/roleTree';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { MemoryKeyHolder, userWithKey } from '../../support/accessKeys';

let server: AwsServer;
let dir: string;
let config: AwsConfig;
before(async () => {
  server = await startAwsServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'key-tooltip-'));
  fs.writeFileSync(
    path.join(dir, 'config'),
    '[profile central]\n[profile dev]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = central\n',
  );
  // A key in the file too: the keychain's wins (profileKey.ts), so this one is never sent.
  fs.writeFileSync(
    path.join(dir, 'credentials'),
    '[central]\naws_access_key_id = AKIANOTSENT000000001\naws_secret_access_key = notSentSecret00000000000000000000000001\n',
  );
  config = await loadAwsConfig({ configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials') });
});
after(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await server.close();
});

describe("the central user's row", () => {
  test('shows nothing of the key until hovered; the hover reads IAM once and the row then says its age', async () => {
    const holder = new MemoryKeyHolder('central', userWithKey(server, 'tooltip-user', { createdDaysAgo: 100 }));
    const catalog = buildCatalog({ profiles: config.profiles });
    const store = {
      watch: () => undefined,
      get: async () => ({ catalog, config }),
      onDidChange: () => ({ dispose: () => undefined }),
    } as unknown as RoleCatalogStore;
    const settings = () =>
      ({ iamEndpoint: server.url, region: 'us-east-1', requestTimeoutMs: 5000, keys: { maxAgeDays: 90 } }) as unknown as Settings;
    const facts = new AccessKeyFacts({ catalog: store, settings, log: fakeLog('log') as unknown as vscode.LogOutputChannel, holder });
    const tree = new RoleTreeProvider(store, new Session());
    tree.describeKeysWith(facts);
    const asked = () => server.stats().actions.ListAccessKeys ?? 0;

    const source = async () => {
      const [account] = await tree.getChildren();
      return (await tree.getChildren(account)).find((row): row is SourceNode => row instanceof SourceNode)!;
    };
    const row = await source();
    assert.equal(row.profile, 'central');
    assert.equal(row.tooltip, undefined, 'left for resolveTreeItem, so VS Code asks on hover');
    assert.equal(row.description, undefined);
    assert.equal(asked(), 0, 'drawing the rows asked IAM nothing');

    const resolved = await tree.resolveTreeItem(row, row as RoleTreeNode);
    assert.match(String(resolved.tooltip), /assumed with the credentials of profile central/);
    assert.match(
      String(resolved.tooltip),
      /\(in use\): 100 days old — older than 90 days: run Rotate Access Key; last used just now \(iam in us-east-1\)/,
    );
    await tree.resolveTreeItem(row, row as RoleTreeNode);
    assert.equal(asked(), 1, 'a second hover is answered from what was read');

    const redrawn = await source();
    assert.equal(redrawn.description, 'key 100 days old');
    assert.equal((redrawn.iconPath as { id: string }).id, 'warning');
    // What a Refresh does (features/keyRotation.ts forgets on the catalog's change): the next draw knows nothing.
    facts.forget();
    assert.equal((await source()).description, undefined);
  });
});
