// The node-vault bundle that ships (dist/vaultSdk.js, built by `npm run build` before the core tests): node-vault's
// own API over our transport signs in and reads, and axios, which the transport replaces, is not in it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { vaultTransport } from '../../../src/core/vault/http';
import { type LocalServers, startServers } from '../../servers';

const BUNDLE = path.resolve(__dirname, '../../../../dist/vaultSdk.js');

describe('the shipped node-vault bundle', () => {
  let servers: LocalServers;
  before(async () => (servers = await startServers()));
  after(() => servers.close());

  test('signs in with userpass and reads lookup-self through node-vault and our transport', async () => {
    const { nodeVault } = require(BUNDLE) as typeof import('../../../src/core/vault/vaultSdk');
    const api = nodeVault({ endpoint: servers.vault.url, 'request-promise': vaultTransport });
    const login = (await api.userpassLogin({ username: 'alice', password: 'alice-password' })) as { auth: { client_token: string } };
    api.token = login.auth.client_token;
    const self = (await api.tokenLookupSelf()) as { data: { display_name: string } };
    assert.equal(self.data.display_name, 'userpass-alice');
  });

  test('carries no axios: node-vault is only ever given our transport', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    assert.doesNotMatch(text, /AxiosError|axios\/\d/);
    const { nodeVault } = require(BUNDLE) as typeof import('../../../src/core/vault/vaultSdk');
    assert.throws(() => nodeVault({ endpoint: servers.vault.url }), /request-promise transport/);
  });
});
