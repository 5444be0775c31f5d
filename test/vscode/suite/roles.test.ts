// The role switcher inside a real extension host: the tree's nodes, assuming roles through the commands into the
// one session, AccessDenied keeping the previous role, clearing, and the tree following ~/.aws/config edits.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { awsConfigFiles } from '../../../src/core/aws/config';
import { RoleCatalogStore } from '../../../src/store/roleCatalogStore';
import { readSettings } from '../../../src/configuration/settings';
import {
  AccountNode,
  NoteNode,
  RoleNode,
  type RoleTreeNode,
  RoleTreeProvider,
  SourceNode,
  UNFOLDED_UP_TO_ROLES,
} from '../../../src/treeViews/roleTree';
import type { Identity } from '../../../src/core/session';
import { session } from './helpers';

function labelOf(node: RoleTreeNode): string {
  return typeof node.label === 'string' ? node.label : (node.label?.label ?? '');
}

async function children(tree: RoleTreeProvider, label?: string): Promise<RoleTreeNode[]> {
  if (label === undefined) return tree.getChildren();
  const parent = (await tree.getChildren()).find((n) => labelOf(n) === label);
  assert.ok(parent, `no node ${label}`);
  return tree.getChildren(parent);
}

suite('role switcher', () => {
  let tree: RoleTreeProvider;
  let store: RoleCatalogStore;

  suiteSetup(async () => {
    store = new RoleCatalogStore();
    tree = new RoleTreeProvider(store, await session());
  });
  suiteTeardown(async () => {
    tree.dispose();
    store.dispose();
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
  });

  test('the tree lists the demo accounts by alias with their ids, and the roles with their needs', async () => {
    const accounts = (await children(tree)).filter((n): n is AccountNode => n instanceof AccountNode);
    assert.deepEqual(
      accounts.map((a) => [labelOf(a), a.description]),
      [
        ['central', '111111111111'],
        ['dev', '222222222222'],
        ['prod', '333333333333'],
      ],
    );
    const dev = await children(tree, 'dev');
    assert.ok(dev[0] instanceof SourceNode);
    assert.equal(labelOf(dev[0]), 'via profile default');
    const roles = dev.filter((n): n is RoleNode => n instanceof RoleNode);
    assert.deepEqual(roles.map(labelOf), ['dev-deployer', 'dev-readonly']);
    assert.match(String(roles[0].description), /needs external ID/);
    assert.equal(roles[1].contextValue, 'role');
    const prodRows = await children(tree, 'prod');
    const prod = prodRows.filter((n): n is RoleNode => n instanceof RoleNode);
    assert.match(String(prod.find((r) => labelOf(r) === 'prod-admin')!.description), /needs MFA/);
    assert.match(String(prod.find((r) => labelOf(r) === 'prod-auditor')!.description), /needs chaining/);
    // One source row per group of roles that share a source, each followed by its roles.
    const sources = prodRows.filter((n) => n instanceof SourceNode).map(labelOf);
    assert.deepEqual([...sources].sort(), ['via profile bob', 'via profile default', 'via role dev-readonly']);
    assert.ok(
      prodRows.indexOf(prod.find((r) => labelOf(r) === 'prod-auditor')!) ===
        prodRows.findIndex((n) => labelOf(n) === 'via role dev-readonly') + 1,
    );
    // An account with no usable roles says so instead of showing nothing, and starts folded: the view (and the
    // demo) opens on accounts with roles, not on central's "No usable roles".
    assert.deepEqual(
      accounts.map((a) => a.collapsibleState),
      [vscode.TreeItemCollapsibleState.Collapsed, vscode.TreeItemCollapsibleState.Expanded, vscode.TreeItemCollapsibleState.Expanded],
    );
    const central = await children(tree, 'central');
    assert.equal(central.length, 1);
    assert.ok(central[0] instanceof NoteNode);
    // Descriptions fit the default sidebar width; the details are in the tooltip.
    for (const role of [...roles, ...prod]) {
      assert.ok(String(role.description ?? '').length <= 24, `${labelOf(role)}: '${role.description}'`);
    }
  });

  test('Assume Role puts the role into the session and marks it active in the tree', async () => {
    const arn = await vscode.commands.executeCommand<string>('iamSwitchboard.assumeRole', 'dev-readonly');
    assert.equal(arn, 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice');
    const current = (await session()).identity;
    assert.equal(current?.arn, arn);
    assert.equal(current?.label, 'dev-readonly');
    assert.equal(current?.region, 'eu-west-1');
    const readOnly = (await children(tree, 'dev')).find((n) => labelOf(n) === 'dev-readonly')!;
    assert.equal(readOnly.contextValue, 'role.active');
    assert.match(String(readOnly.description), /active · \d+m left/);
  });

  test('the countdown redraws only the active role row, so rows under the mouse keep their buttons', async () => {
    const readOnly = (await children(tree, 'dev')).find((n) => labelOf(n) === 'dev-readonly')!;
    const fired: (RoleTreeNode | undefined)[] = [];
    const listener = tree.onDidChangeTreeData((node) => fired.push(node));
    try {
      readOnly.description = 'stale';
      tree.tick();
      assert.deepEqual(fired, [readOnly], 'one event, for the active row itself, not a refresh of the whole tree');
      assert.match(String(readOnly.description), /^active · \d+m left$/);
      fired.length = 0;
      tree.tick();
      assert.deepEqual(fired, [], 'minutes that did not change are not redrawn');
      await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
      fired.length = 0;
      tree.tick();
      assert.deepEqual(fired, [], 'with no role active there is nothing to redraw');
      // After a switch to a role of another account, the new active row is redrawn, never the old one.
      await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
      const oldRow = (await children(tree, 'dev')).find((n) => labelOf(n) === 'dev-readonly')!;
      await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'prod-auditor');
      await children(tree, 'dev');
      const auditor = (await children(tree, 'prod')).find((n) => labelOf(n) === 'prod-auditor')!;
      // Both made stale: only the row given to VS Code for the active role may be redrawn.
      oldRow.description = 'stale';
      auditor.description = 'stale';
      fired.length = 0;
      tree.tick();
      assert.deepEqual(fired, [auditor]);
      assert.match(String(auditor.description), /active · \d+m left$/);
      await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
    } finally {
      listener.dispose();
    }
  });

  test('an active role shows whole minutes left, also in its last five, where seconds would stand still', async () => {
    const role = (await children(tree, 'dev')).find((n): n is RoleNode => n instanceof RoleNode)!.role;
    const active = { label: role.label } as Identity;
    const left = (ms: number) => String(new RoleNode(role, active, ms).description).replace(/^.*active · /, '');
    assert.equal(left(42 * 60_000 + 59_000), '42m left');
    assert.equal(left(2 * 3600_000 + 5 * 60_000), '2h 5m left');
    assert.equal(left(4 * 60_000 + 59_000), '4m left');
    assert.equal(left(61_000), '1m left');
    assert.equal(left(59_000), '<1m left');
    assert.equal(left(0), 'expired');
  });

  test('a chained role is assumed through its source role', async () => {
    const arn = await vscode.commands.executeCommand<string>('iamSwitchboard.assumeRole', 'prod-auditor');
    assert.equal(arn, 'arn:aws:sts::333333333333:assumed-role/Auditor/alice');
  });

  test('an AccessDenied role leaves the previous role in place', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'dev-readonly');
    const before = (await session()).identity;
    const result = await vscode.commands.executeCommand('iamSwitchboard.assumeRole', 'prod-breakglass');
    assert.equal(result, undefined);
    assert.equal((await session()).identity, before);
  });

  test('Clear Credentials empties the session', async () => {
    await vscode.commands.executeCommand('iamSwitchboard.clearCredentials');
    assert.equal((await session()).identity, undefined);
  });

  test('a catalog that failed to load is read again on the next request', async () => {
    let calls = 0;
    const flaky = new RoleCatalogStore(() => {
      if (calls++ === 0) throw new Error('settings unreadable');
      return readSettings();
    });
    try {
      await assert.rejects(flaky.get(), /settings unreadable/);
      const { catalog } = await flaky.get();
      assert.ok(catalog.roles.some((r) => r.label === 'dev-readonly'));
      assert.equal(calls, 2);
    } finally {
      flaky.dispose();
    }
  });

  test('accounts start unfolded in a small catalog and folded beyond 200 roles, so opening the view fetches no roles', async () => {
    const folded = (nodes: RoleTreeNode[]) =>
      nodes.filter((n) => n instanceof AccountNode).map((n) => n.collapsibleState === vscode.TreeItemCollapsibleState.Collapsed);
    // central has no roles: folded whatever the size (its one row is "No usable roles").
    assert.deepEqual(folded(await children(tree)), [true, false, false]);
    const many = { id: '444444444444', alias: 'many', roles: Array.from({ length: UNFOLDED_UP_TO_ROLES }, (_, i) => `Role${i}`) };
    const big = new RoleCatalogStore(() => ({ ...readSettings(), accounts: [...readSettings().accounts, many] }));
    const bigTree = new RoleTreeProvider(big, await session());
    try {
      const rows = await children(bigTree);
      assert.ok((await big.get()).catalog.roles.length > UNFOLDED_UP_TO_ROLES);
      assert.deepEqual(folded(rows), [true, true, true, true]);
      // Folded rows still open: the roles are there once the account is unfolded.
      assert.equal((await children(bigTree, 'many')).filter((n) => n instanceof RoleNode).length, UNFOLDED_UP_TO_ROLES);
    } finally {
      bigTree.dispose();
      big.dispose();
    }
  });

  test('editing ~/.aws/config updates the tree', async () => {
    const { configPath } = awsConfigFiles();
    const original = fs.readFileSync(configPath, 'utf8');
    store.watch();
    const changed = new Promise<void>((resolve) => {
      const subscription = store.onDidChange(() => {
        subscription.dispose();
        resolve();
      });
    });
    try {
      fs.appendFileSync(
        configPath,
        '\n[profile dev-suite-added]\nrole_arn = arn:aws:iam::222222222222:role/Deployer\nsource_profile = default\n',
      );
      await changed;
      const dev = (await children(tree, 'dev')).map(labelOf);
      assert.ok(dev.includes('dev-suite-added'), dev.join(', '));
    } finally {
      fs.writeFileSync(configPath, original);
    }
  });
});
