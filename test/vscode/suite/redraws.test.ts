// What the timers redraw: a row only when its text changed (a row redrawn under a still mouse drops its inline
// buttons, and a click landing then is lost), and nothing while the view is hidden; the status bar counts down
// without reading the settings again. The intervals are counted and fired by the test, not waited for.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readSettings, type Settings } from '../../../src/configuration/settings';
import { type Identity, Session } from '../../../src/core/session';
import type { VaultClient, VaultHealth } from '../../../src/core/vault/client';
import { type Lease, LeaseTracker } from '../../../src/core/vault/leases';
import { registerStatusBar } from '../../../src/statusBar';
import { Guardrails } from '../../../src/store/guardrails';
import { RoleCatalogStore } from '../../../src/store/roleCatalogStore';
import type { Intervals } from '../../../src/ticker';
import { AccountNode, type RoleTreeNode, RoleTreeProvider } from '../../../src/treeViews/roleTree';
import { type LeaseNode, type VaultNode, VaultRoleNode, type VaultTreeSource, VaultTreeProvider } from '../../../src/treeViews/vaultTree';

/** Intervals the test fires itself, and counts. */
class ManualIntervals implements Intervals {
  private readonly callbacks = new Map<number, () => void>();
  private next = 0;

  set(callback: () => void): unknown {
    this.callbacks.set(++this.next, callback);
    return this.next;
  }

  clear(handle: unknown): void {
    this.callbacks.delete(handle as number);
  }

  get running(): number {
    return this.callbacks.size;
  }

  fire(): void {
    for (const callback of [...this.callbacks.values()]) callback();
  }
}

/** A view the test shows and hides. */
function fakeView(visible: boolean) {
  const changed = new vscode.EventEmitter<vscode.TreeViewVisibilityChangeEvent>();
  const view = {
    visible,
    onDidChangeVisibility: changed.event,
    set(shown: boolean) {
      view.visible = shown;
      changed.fire({ visible: shown });
    },
  };
  return view;
}

const server = { name: 'demo', address: 'http://127.0.0.1:1' };
const start = Date.parse('2026-12-07T12:00:00Z');

function lease(id: string, secondsLeft: number): Lease {
  return {
    leaseId: `aws/creds/dev/${id}`,
    server: server.address,
    mount: 'aws',
    role: 'dev',
    credentialType: 'assumed_role',
    renewable: true,
    leaseDuration: secondsLeft,
    expiresAt: new Date(start + secondsLeft * 1000),
  };
}

/** The Vault tree over a lease tracker whose clock the test moves; no server is asked. */
function vaultTree(intervals: Intervals) {
  const clock = { now: start };
  const active: { leaseId?: string } = {};
  const leases = new LeaseTracker({ now: () => clock.now, setTimeout: () => undefined, clearTimeout: () => undefined });
  const unused = () => Promise.reject(new Error('the tree asks no server here'));
  const source: VaultTreeSource = {
    servers: () => [],
    client: unused,
    tokenInfo: unused,
    tokenKept: async () => false,
    leases,
    identityFor: () => ({}) as Identity,
    activeLeaseId: () => active.leaseId,
    staticRotatesAt: () => undefined,
    activeStatic: () => undefined,
  };
  const tree = new VaultTreeProvider(source, intervals);
  const fired: (VaultNode | undefined)[] = [];
  tree.onDidChangeTreeData((node) => fired.push(node));
  const rows = async () => (await tree.getChildren(new VaultRoleNode(server, 'aws', 'dev', undefined, true))) as LeaseNode[];
  return { tree, leases, clock, fired, rows, active };
}

suite('redraws', () => {
  test('a lease tick that changes no text redraws nothing; a row whose countdown moved is redrawn alone, once', async () => {
    const intervals = new ManualIntervals();
    const { tree, leases, clock, fired, rows } = vaultTree(intervals);
    try {
      leases.add(lease('long', 3570)); // 59m left, still 59m 5 s later
      leases.add(lease('short', 600.5)); // 10m left, 9m 5 s later
      tree.follow(fakeView(true));
      const [long, short] = await rows();
      assert.deepEqual([long.description, short.description], ['59m left', '10m left']);
      fired.length = 0;
      intervals.fire();
      assert.deepEqual(fired, [], 'nothing changed, nothing redrawn');
      clock.now += 5000;
      intervals.fire();
      assert.equal(fired.length, 1, 'one event');
      assert.equal(fired[0], short, 'for the row whose text changed');
      assert.equal(short.description, '9m left');
      assert.equal(long.description, '59m left');
    } finally {
      tree.dispose();
    }
  });

  test('a session change redraws only the lease rows whose active mark changed, from what is cached', async () => {
    const { tree, leases, fired, rows, active } = vaultTree(new ManualIntervals());
    try {
      leases.add(lease('one', 3570));
      leases.add(lease('two', 3570));
      const [one, two] = await rows();
      fired.length = 0;
      tree.sessionChanged(); // e.g. an AWS role switched: no lease row changes
      assert.deepEqual(fired, [], 'no row redrawn, the server rows under the mouse stay');
      active.leaseId = one.lease.leaseId;
      tree.sessionChanged();
      assert.deepEqual(fired, [one], 'only the lease that became active');
      assert.match(String(one.contextValue), /\.active$/);
      fired.length = 0;
      active.leaseId = two.lease.leaseId;
      tree.sessionChanged();
      assert.deepEqual(new Set(fired), new Set([one, two]), 'the lease that stopped and the one that started being active');
    } finally {
      tree.dispose();
    }
  });

  test('a Refresh while the server rows are first being drawn redraws nothing when Vault answers the same', async () => {
    // Vault answers a moment later, as over the network: the first draw is still waiting when Refresh runs.
    const sealed = () => new Promise<VaultHealth>((resolve) => setTimeout(() => resolve({ status: 'sealed' }), 20));
    const unused = () => Promise.reject(new Error('a sealed Vault is asked nothing else'));
    const source: VaultTreeSource = {
      servers: () => [server],
      client: async () => ({ health: sealed }) as unknown as VaultClient,
      tokenInfo: unused,
      tokenKept: async () => false,
      leases: new LeaseTracker(),
      identityFor: () => undefined,
      activeLeaseId: () => undefined,
      staticRotatesAt: () => undefined,
      activeStatic: () => undefined,
    };
    const tree = new VaultTreeProvider(source, new ManualIntervals());
    const fired: (VaultNode | undefined)[] = [];
    tree.onDidChangeTreeData((node) => fired.push(node));
    try {
      const firstDraw = tree.getChildren();
      await tree.refresh();
      assert.equal((await firstDraw).length, 1);
      assert.deepEqual(fired, [], 'the rows the view is drawing are not redrawn under the mouse');
    } finally {
      tree.dispose();
    }
  });

  test('the Vault tree runs no timer while its view is hidden, and catches up when shown', async () => {
    const intervals = new ManualIntervals();
    const { tree, leases, clock, fired, rows } = vaultTree(intervals);
    try {
      assert.equal(intervals.running, 0, 'no timer before a view shows the tree');
      const view = fakeView(false);
      tree.follow(view);
      assert.equal(intervals.running, 0, 'no timer while hidden');
      leases.add(lease('short', 600.5));
      const [short] = await rows();
      clock.now += 60_000;
      fired.length = 0;
      view.set(true);
      assert.equal(intervals.running, 1, 'one timer while visible');
      assert.deepEqual(fired, [short], 'shown again, the row that moved is redrawn at once');
      assert.equal(short.description, '9m left');
      view.set(false);
      assert.equal(intervals.running, 0, 'hidden again: the timer stops');
      view.set(true);
    } finally {
      tree.dispose();
    }
    assert.equal(intervals.running, 0, 'disposed: the timer stops');
  });

  test('a lease row gets its tooltip when hovered (resolveTreeItem), a fresh one after its text changed', async () => {
    const intervals = new ManualIntervals();
    const { tree, leases, clock, rows } = vaultTree(intervals);
    try {
      leases.add(lease('short', 600.5));
      tree.follow(fakeView(true));
      const [row] = await rows();
      assert.equal(row.tooltip, undefined, 'no tooltip built before a hover');
      const tip = () => (tree.resolveTreeItem(tree.getTreeItem(row), row).tooltip as vscode.MarkdownString | undefined)?.value ?? '';
      assert.match(tip(), /\(10m left\)/);
      clock.now += 5000;
      intervals.fire();
      assert.equal(row.tooltip, undefined, 'the redrawn row is resolved again');
      assert.match(tip(), /\(9m left\)/);
    } finally {
      tree.dispose();
    }
  });

  test('the AWS Roles tree runs no timer while its view is hidden', () => {
    const intervals = new ManualIntervals();
    const store = { onDidChange: new vscode.EventEmitter<void>().event } as unknown as RoleCatalogStore;
    const tree = new RoleTreeProvider(store, new Session(), undefined, undefined, intervals);
    try {
      const view = fakeView(false);
      tree.follow(view);
      assert.equal(intervals.running, 0);
      view.set(true);
      assert.equal(intervals.running, 1);
      view.set(false);
      assert.equal(intervals.running, 0);
    } finally {
      tree.dispose();
    }
  });

  test('the AWS Roles tree redraws only the accounts a switch changed, and nothing for a change that shows nothing', async () => {
    const store = new RoleCatalogStore();
    const session = new Session();
    const tree = new RoleTreeProvider(store, session);
    const fired: (RoleTreeNode | undefined)[] = [];
    const listening = tree.onDidChangeTreeData((node) => fired.push(node));
    try {
      // What VS Code asks when it draws the view: the accounts, then each unfolded account's rows.
      const accounts = (await tree.getChildren()).filter((n): n is AccountNode => n instanceof AccountNode);
      for (const account of accounts) await tree.getChildren(account);
      await tree.redrawChanged(); // the catalog's first load may still be announcing itself
      fired.length = 0;
      const dev = accounts.find((a) => a.account.alias === 'dev')!;
      const role = dev.account.roles.find((r) => r.label === 'dev-readonly')!;
      const identity: Identity = {
        label: role.label,
        region: 'eu-west-1',
        arn: 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice',
        credentials: { accessKeyId: 'ASIA', secretAccessKey: 'unused', expiration: new Date(Date.now() + 3600_000) },
        origin: { kind: 'sts', roleArn: role.arn, profile: role.profile, needsMfa: false },
      };

      session.set(identity);
      await tree.redrawChanged();
      assert.deepEqual(fired, [dev], 'only the account whose row became active is redrawn, by the row VS Code holds');
      const rows = await tree.getChildren(dev);
      assert.equal(rows.find((r) => r.id === `role:${role.key}`)?.contextValue, 'role.active');

      fired.length = 0;
      session.set({ ...identity, credentials: { ...identity.credentials, accessKeyId: 'ASIA2' } });
      await tree.redrawChanged();
      assert.deepEqual(fired, [], 'a refresh of the same role changes no row: nothing is redrawn under the mouse');

      session.clear();
      await tree.redrawChanged();
      assert.deepEqual(fired, [dev]);
    } finally {
      listening.dispose();
      tree.dispose();
      store.dispose();
    }
  });

  suite('status bar', () => {
    let reads = 0;
    const settings = (): Settings => {
      reads++;
      return readSettings();
    };
    const catalog = {
      onDidChange: new vscode.EventEmitter<void>().event,
      get: async () => ({ catalog: { accounts: [] } }),
    } as unknown as RoleCatalogStore;
    const identity = (label: string, secondsLeft: number): Identity => ({
      label,
      region: 'eu-west-1',
      arn: `arn:aws:sts::222222222222:assumed-role/${label}/alice`,
      credentials: { accessKeyId: 'ASIA', secretAccessKey: 'unused', expiration: new Date(Date.now() + secondsLeft * 1000) },
      origin: { kind: 'sts', roleArn: `arn:aws:iam::222222222222:role/${label}`, needsMfa: false },
    });

    test('counts down without reading the settings, and reads them once per change', async () => {
      const session = new Session();
      const guardrails = new Guardrails(session, catalog, settings);
      const intervals = new ManualIntervals();
      const context = { subscriptions: [] as vscode.Disposable[] };
      try {
        registerStatusBar(context, session, guardrails, { intervals });
        assert.equal(intervals.running, 0, 'no role, no countdown, no timer');
        // The first identity also loads the catalog's production flags once: a second change, waited for.
        const loaded = changes(guardrails, 2);
        session.set(identity('Deployer', 600));
        await loaded;
        assert.equal(intervals.running, 1, 'a countdown ticks');

        reads = 0;
        guardrails.verdict();
        const perVerdict = reads;
        assert.ok(perVerdict > 0);

        reads = 0;
        for (let second = 0; second < 30; second++) intervals.fire();
        assert.equal(reads, 0, '30 ticks read no setting');

        session.set(identity('ReadOnly', 900));
        assert.equal(reads, perVerdict, 'a change reads the settings once');
        assert.equal(intervals.running, 1);

        session.set(identity('Expired', -1));
        assert.equal(intervals.running, 0, 'nothing counts down once expired');
        session.clear();
        assert.equal(intervals.running, 0);
      } finally {
        context.subscriptions.forEach((d) => d.dispose());
        guardrails.dispose();
      }
      assert.equal(intervals.running, 0, 'disposed: the timer stops');
    });
  });
});

/** Resolves after `count` change events. */
function changes(guardrails: Guardrails, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = guardrails.onDidChange(() => {
      if (++seen === count) {
        listener.dispose();
        resolve();
      }
    });
  });
}
