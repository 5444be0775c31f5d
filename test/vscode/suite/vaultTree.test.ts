// What the Vault view shows, rendered by the real tree over the real connections store: a server that cannot be
// reached while its token is kept, and lease rows whose short descriptions leave the details to the tooltip.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { readSettings, type Settings } from '../../../src/configuration/settings';
import { Session } from '../../../src/core/session';
import type { VaultServer } from '../../../src/core/vault/client';
import type { Lease } from '../../../src/core/vault/leases';
import { VaultConnections } from '../../../src/store/vaultConnections';
import { LeaseNode, type MessageNode, type ServerNode, type VaultNode, VaultTreeProvider } from '../../../src/treeViews/vaultTree';
import { shared } from './helpers';

/** SecretStorage as VS Code keeps it, in memory: what an earlier window stored is there at start. */
function secretsWith(entries: Record<string, string>): Pick<vscode.ExtensionContext, 'secrets'> {
  const values = new Map(Object.entries(entries));
  const changed = new vscode.EventEmitter<vscode.SecretStorageChangeEvent>();
  const secrets: vscode.SecretStorage = {
    get: async (key) => values.get(key),
    store: async (key, value) => void values.set(key, value),
    delete: async (key) => void values.delete(key),
    onDidChange: changed.event,
  };
  return { secrets };
}

/** An address nothing listens on: a port that was free a moment ago. */
async function closedAddress(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function developerToken(): Promise<string> {
  const { vaultUrl, vaultRootToken } = shared();
  const response = await fetch(`${vaultUrl}/v1/auth/token/create`, {
    method: 'POST',
    headers: { 'X-Vault-Token': vaultRootToken },
    body: JSON.stringify({ policies: ['aws-dev'], ttl: '1h', display_name: 'tree' }),
  });
  return ((await response.json()) as { auth: { client_token: string } }).auth.client_token;
}

function connectionsFor(servers: VaultServer[], secrets: Record<string, string>, log: vscode.LogOutputChannel): VaultConnections {
  const settings = (): Settings => {
    const read = readSettings();
    return { ...read, requestTimeoutMs: 3000, vault: { ...read.vault, servers } };
  };
  return new VaultConnections(secretsWith(secrets), { session: new Session(), log, settings });
}

async function serverNodes(connections: VaultConnections): Promise<ServerNode[]> {
  const tree = new VaultTreeProvider(connections);
  try {
    return (await tree.getChildren()) as ServerNode[];
  } finally {
    tree.dispose();
  }
}

suite('vault tree', () => {
  let log: vscode.LogOutputChannel;

  suiteSetup(function () {
    if (!process.env.IAM_SWITCHBOARD_E2E) this.skip();
    log = vscode.window.createOutputChannel('IAM Switchboard tree test', { log: true });
  });

  suiteTeardown(() => log?.dispose());

  test('an unreachable server whose token is kept shows "unreachable", keeps Sign out, and says the sign-in is kept', async () => {
    const gone: VaultServer = { name: 'gone', address: await closedAddress() };
    const connections = connectionsFor([gone], { [`iamSwitchboard.vault.token:${gone.address}`]: 'hvs.kept-TEST-token' }, log);
    const tree = new VaultTreeProvider(connections);
    try {
      const [node] = (await tree.getChildren()) as ServerNode[];
      assert.equal(node.description, 'unreachable');
      assert.match(String(node.contextValue), /^vaultServer\.unreachable\.signedIn$/, 'Sign out stays in its menu');
      assert.match(String(node.tooltip), /sign-in is kept/);
      const [child] = (await tree.getChildren(node)) as MessageNode[];
      assert.match(String(child.label), /sign-in is kept: Refresh when it is back/);
    } finally {
      tree.dispose();
      connections.dispose();
    }
  });

  test('an unreachable server without a token offers Sign in, and a reachable one shows who is signed in', async () => {
    const gone: VaultServer = { name: 'gone', address: await closedAddress() };
    const demo: VaultServer = { name: 'demo', address: shared().vaultUrl };
    const connections = connectionsFor([gone, demo], { [`iamSwitchboard.vault.token:${demo.address}`]: await developerToken() }, log);
    try {
      const [unreachable, reachable] = await serverNodes(connections);
      assert.equal(unreachable.description, 'unreachable');
      assert.match(String(unreachable.contextValue), /signedOut$/);
      assert.equal(reachable.description, 'token-tree');
      assert.match(String(reachable.tooltip), /Policies: .*aws-dev/);
      assert.match(String(reachable.tooltip), /Token expires in (59m|1h)/);
    } finally {
      connections.dispose();
    }
  });

  test('Refresh asks Vault again and redraws nothing when no answer changed, and the whole tree when one did', async () => {
    const demo: VaultServer = { name: 'demo', address: shared().vaultUrl };
    const token = await developerToken();
    const connections = connectionsFor([demo], { [`iamSwitchboard.vault.token:${demo.address}`]: token }, log);
    const tree = new VaultTreeProvider(connections);
    const redraws: (VaultNode | undefined)[] = [];
    const listening = tree.onDidChangeTreeData((node) => redraws.push(node));
    try {
      // What VS Code asks for an expanded view: the servers, their mounts, the mounts' roles.
      const [server] = (await tree.getChildren()) as ServerNode[];
      for (const mount of await tree.getChildren(server)) await tree.getChildren(mount);
      await tree.refresh();
      assert.deepEqual(redraws, [], 'rows that look the same are not redrawn under the mouse');

      const { vaultUrl, vaultRootToken } = shared();
      await fetch(`${vaultUrl}/v1/auth/token/revoke`, {
        method: 'POST',
        headers: { 'X-Vault-Token': vaultRootToken },
        body: JSON.stringify({ token }),
      });
      await tree.refresh();
      assert.deepEqual(redraws, [undefined], 'a token Vault no longer accepts redraws the tree');
      const [after] = (await tree.getChildren()) as ServerNode[];
      assert.match(String(after.contextValue), /signedOut$/);
    } finally {
      listening.dispose();
      tree.dispose();
      connections.dispose();
    }
  });

  test('a lease that comes or goes redraws only its mount, never the server rows under the mouse', async () => {
    const demo: VaultServer = { name: 'demo', address: shared().vaultUrl };
    const connections = connectionsFor([demo], { [`iamSwitchboard.vault.token:${demo.address}`]: await developerToken() }, log);
    const tree = new VaultTreeProvider(connections);
    const redraws: (VaultNode | undefined)[] = [];
    const listening = tree.onDidChangeTreeData((node) => redraws.push(node));
    try {
      const [server] = (await tree.getChildren()) as ServerNode[];
      const [mount] = await tree.getChildren(server);
      await tree.getChildren(mount);
      const lease: Lease = {
        leaseId: 'aws/creds/dev/redraw-test',
        server: demo.address,
        mount: (mount as { mount: string }).mount,
        role: 'dev',
        credentialType: 'assumed_role',
        renewable: false,
        leaseDuration: 900,
        expiresAt: new Date(Date.now() + 900_000),
      };
      connections.leases.add(lease);
      assert.deepEqual(redraws, [mount], 'the mount whose lease came, by the row VS Code holds');
      connections.leases.add({ ...lease, leaseId: 'other/creds/x/1', mount: 'other' });
      assert.deepEqual(redraws, [mount], 'a mount not shown redraws nothing');
      connections.leases.remove(lease.leaseId);
      assert.deepEqual(redraws, [mount, mount]);
    } finally {
      listening.dispose();
      tree.dispose();
      connections.dispose();
    }
  });

  test('lease rows say only the time left; the tooltip has the id, type, expiry and how to renew or revoke', () => {
    const lease: Lease = {
      leaseId: 'aws/creds/s3-full/AbCdEfGh12345678',
      server: 'http://127.0.0.1:1',
      mount: 'aws',
      role: 's3-full',
      credentialType: 'iam_user',
      renewable: true,
      leaseDuration: 3600,
      expiresAt: new Date(Date.now() + 3542_000),
    };
    const live = new LeaseNode(lease, 3542_000, true, false);
    assert.equal(live.label, 's3-full/AbCdEfGh…');
    assert.equal(live.description, '59m left');
    const tip = live.describe().value;
    for (const part of [lease.leaseId, 'iam_user', 'Renew Lease', 'Revoke Lease', 'deletes its IAM user']) {
      assert.ok(tip.includes(part), `tooltip has ${part}: ${tip}`);
    }
    assert.match(String(live.contextValue), /withCredentials/, 'a live lease offers its terminal');

    const restored = new LeaseNode(lease, 3900_000, false, false);
    assert.equal(restored.description, '1h 5m left · restored');
    assert.doesNotMatch(String(restored.contextValue), /withCredentials/, 'a restored lease has no terminal action');
    assert.match(restored.describe().value, /not kept across reloads/);
  });
});
