// The vault CLI's token (VAULT_TOKEN or ~/.vault-token), offered only when this server accepts it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultClient } from '../../../src/core/vault/client';
import { findCliToken } from '../../../src/core/vault/cliToken';
import { type LocalServers, startServers } from '../../servers';
import { type VaultServer as LocalVault, startVaultServer } from '../../servers/vault';
import { loginWithPassword } from '../../../src/core/vault/auth';

describe('the vault CLI token', () => {
  let servers: LocalServers;
  let other: LocalVault;
  let client: VaultClient;
  let home: string;
  let aliceToken: string;

  before(async () => {
    servers = await startServers();
    other = await startVaultServer({ awsEndpoint: servers.aws.url });
    client = new VaultClient({ name: 'local', address: servers.vault.url }, { timeoutMs: 5000 });
    aliceToken = (await loginWithPassword(client, 'userpass', 'alice', 'alice-password')).token;
  });
  after(async () => {
    await other.close();
    await servers.close();
  });
  test.beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'vault-cli-home-'));
  });
  test.afterEach(() => rmSync(home, { recursive: true, force: true }));

  test('a valid ~/.vault-token is offered with who it is, and nothing is written next to it', async () => {
    writeFileSync(join(home, '.vault-token'), `${aliceToken}\n`);
    const found = await findCliToken(client, { env: {}, homeDir: home });
    assert.equal(found.kind, 'valid');
    assert.ok(found.kind === 'valid');
    assert.equal(found.source, '~/.vault-token');
    assert.equal(found.token, aliceToken);
    assert.equal(found.info.displayName, 'userpass-alice');
    assert.deepEqual(readdirSync(home), ['.vault-token']);
  });

  test('VAULT_TOKEN in the environment wins over the file, as it does for the CLI', async () => {
    writeFileSync(join(home, '.vault-token'), 'hvs.notTheOneInUse000000');
    const found = await findCliToken(client, { env: { VAULT_TOKEN: aliceToken }, homeDir: home });
    assert.ok(found.kind === 'valid');
    assert.equal(found.source, 'VAULT_TOKEN');
  });

  test('a token from another Vault server is refused, naming where the CLI points', async () => {
    const foreign = await loginWithPassword(new VaultClient({ name: 'other', address: other.url }), 'userpass', 'alice', 'alice-password');
    writeFileSync(join(home, '.vault-token'), foreign.token);
    const found = await findCliToken(client, { env: { VAULT_ADDR: other.url }, homeDir: home });
    assert.ok(found.kind === 'rejected', found.kind);
    assert.equal(found.code, 'VaultCliTokenRejected');
    assert.match(
      found.message,
      new RegExp(
        `does not accept the token in ~/.vault-token: .*belongs to another Vault server \\(the vault CLI here points at ${other.url}\\); run "vault login"`,
      ),
    );
    assert.ok(!found.message.includes(foreign.token));
  });

  test('an expired token is refused with what to do', async () => {
    const created = await fetch(`${servers.vault.url}/v1/auth/token/create`, {
      method: 'POST',
      headers: { 'X-Vault-Token': servers.vault.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ policies: ['aws-dev'], ttl: '60s' }),
    });
    const shortLived = ((await created.json()) as { auth: { client_token: string } }).auth.client_token;
    writeFileSync(join(home, '.vault-token'), shortLived);
    assert.equal((await findCliToken(client, { env: {}, homeDir: home })).kind, 'valid');
    await servers.vault.advanceClock(61_000);
    const found = await findCliToken(client, { env: {}, homeDir: home });
    assert.ok(found.kind === 'rejected');
    assert.match(
      found.message,
      /it has expired, was revoked or belongs to another Vault server; run "vault login" against this server or sign in here\.$/,
    );
  });

  test('no file and no VAULT_TOKEN means nothing to offer; a file that holds no token is refused without repeating it', async () => {
    assert.deepEqual(await findCliToken(client, { env: {}, homeDir: home }), { kind: 'none' });
    writeFileSync(join(home, '.vault-token'), 'not a token: secret words here');
    const found = await findCliToken(client, { env: {}, homeDir: home });
    assert.ok(found.kind === 'rejected');
    assert.equal(found.code, 'VaultCliTokenMalformed');
    assert.ok(!found.message.includes('secret words'));
  });
});
