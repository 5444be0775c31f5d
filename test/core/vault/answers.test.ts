// The Vault client against servers that are not (quite) Vault: proxies, load balancers, trickling or huge bodies,
// absurd numbers, and no address at all. Each must end in one clear UserError, never in a false success.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { environmentFor } from '../../../src/core/endpoint/terminalEnv';
import { VaultClient } from '../../../src/core/vault/client';
import { MAX_TTL_SECONDS } from '../../../src/core/vault/answers';
import { type LocalServers, startServers } from '../../servers';
import { rejectsWith } from '../rejectsWith';
import { loginWithPassword } from '../../../src/core/vault/auth';

type Answer = (req: IncomingMessage, res: ServerResponse) => void;

/** A server that answers every request with whatever the test sets; it counts what it received. */
async function hostileServer(): Promise<{ url: string; answer(a: Answer): void; received: () => number; close(): Promise<void> }> {
  let answer: Answer = (_req, res) => res.end();
  let received = 0;
  const server: Server = createServer((req, res) => {
    received += 1;
    req.resume();
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer: (a) => (answer = a),
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A real Vault envelope around `fields`. */
function envelope(fields: Record<string, unknown>): string {
  return JSON.stringify({
    request_id: 'req-1',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...fields,
  });
}

function json(status: number, text: string): Answer {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
}

describe('Vault answers that are not Vault answers', () => {
  let hostile: Awaited<ReturnType<typeof hostileServer>>;
  let client: VaultClient;
  before(async () => {
    hostile = await hostileServer();
    client = new VaultClient({ name: 'hostile', address: hostile.url }, { token: 'hvs.LOCALTEST', timeoutMs: 2000 });
  });
  after(() => hostile.close());

  const notVault: Array<[string, Answer]> = [
    [
      'an HTML proxy page with 200',
      (_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Please sign in to the proxy</body></html>'),
    ],
    ['a 502 from a load balancer', (_req, res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html>502 Bad Gateway</html>')],
    ['a 503 with no body', (_req, res) => res.writeHead(503).end()],
    ['null', json(200, 'null')],
    ['an array', json(200, '[1,2]')],
    ['an empty 200', (_req, res) => res.writeHead(200).end()],
  ];

  for (const [what, answer] of notVault) {
    test(`${what}: health is not "active", sign-in, lookup and renew fail as "not a Vault answer"`, async () => {
      hostile.answer(answer);
      const health = await client.health();
      assert.equal(health.status, 'unreachable');
      assert.equal(health.code, 'VaultBadAnswer');
      const error = await rejectsWith(loginWithPassword(client, 'userpass', 'alice', 'alice-password'), 'VaultBadAnswer');
      assert.match(error.message, /did not give a Vault answer \(HTTP \d+\)/);
      assert.doesNotMatch(error.message, /proxy<|Bad Gateway|sign in to the proxy/i);
      await rejectsWith(client.lookupSelf(), 'VaultBadAnswer');
      await rejectsWith(client.renewLease('aws/creds/s3-full/abc'), 'VaultBadAnswer');
      await rejectsWith(client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' }), 'VaultBadAnswer');
    });
  }

  test('a Vault error body still reads as Vault\'s error, not as "not a Vault answer"', async () => {
    hostile.answer(json(503, JSON.stringify({ errors: ['Vault is sealed'] })));
    await rejectsWith(client.lookupSelf(), 'VaultSealed');
  });

  test('an out-of-range lease_duration or ttl gives a valid expiry (capped) or none, never an Invalid Date', async () => {
    for (const duration of [1e300, Number.MAX_SAFE_INTEGER, -5, 12.7]) {
      hostile.answer(
        json(
          200,
          envelope({
            lease_id: 'aws/creds/s3-full/x',
            renewable: true,
            lease_duration: duration,
            data: {
              access_key: 'AKIALOCALTEST0000001',
              secret_key: 'LOCALTESTsecret0000000000000000000000000',
              security_token: null,
              ttl: duration,
            },
          }),
        ),
      );
      const leased = await client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' });
      const expiry = leased.lease.expiresAt;
      assert.ok(expiry === undefined || !Number.isNaN(expiry.getTime()), `${duration}: ${String(expiry)}`);
      assert.ok(leased.lease.leaseDuration >= 0 && leased.lease.leaseDuration <= MAX_TTL_SECONDS, String(duration));
      if (duration <= 0) {
        assert.equal(expiry, undefined, 'a negative duration does not expire the lease at once');
      }
      // The terminal environment is built from it without a RangeError.
      environmentFor({
        label: 'x',
        region: 'us-east-1',
        credentials: leased.credentials,
        origin: {
          kind: 'vault',
          server: hostile.url,
          mount: 'aws',
          role: 's3-full',
          leaseId: 'x',
          renewable: true,
          credentialType: 'iam_user',
        },
      });
    }
  });

  test('a lease_duration that is not a number is not a Vault answer', async () => {
    hostile.answer(
      json(
        200,
        envelope({
          lease_id: 'aws/creds/s3-full/x',
          lease_duration: 'forever',
          data: { access_key: 'AKIALOCALTEST0000001', secret_key: 'LOCALTESTsecret' },
        }),
      ),
    );
    await rejectsWith(client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' }), 'VaultBadAnswer');
  });

  test('keys with a newline or control characters are refused, not put into a terminal environment', async () => {
    hostile.answer(
      json(
        200,
        envelope({
          lease_id: 'aws/creds/s3-full/y',
          lease_duration: 60,
          data: { access_key: 'AKIALOCALTEST0000001\nexport EVIL=1', secret_key: 'LOCALTESTsecret', security_token: null },
        }),
      ),
    );
    await rejectsWith(client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' }), 'VaultBadAnswer');
  });

  test('an answer larger than any real one is refused, not read into memory', async () => {
    hostile.answer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Chunked, no Content-Length: the ceiling must hold while reading.
      const chunk = 'A'.repeat(64 * 1024);
      res.write(`{"request_id":"r","data":{"x":"`);
      let sent = 0;
      const pump = () => {
        while (sent < 300 && res.write(chunk)) sent += 1;
        if (sent < 300) res.once('drain', pump);
        else res.end('"}}');
      };
      pump();
    });
    const error = await rejectsWith(client.lookupSelf(), 'VaultResponseTooLarge');
    assert.match(error.message, /more than 4 MB/);
  });

  test('a body trickled slower than the timeout fails at the deadline, not when the trickle ends', async () => {
    const slowClient = new VaultClient({ name: 'hostile', address: hostile.url }, { token: 'hvs.LOCALTEST', timeoutMs: 400 });
    const body = JSON.stringify({ initialized: true, sealed: false, standby: false, version: '1.15.0' });
    hostile.answer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      let i = 0;
      // One byte every 100 ms: an idle timeout of 400 ms never fires, the whole body takes over 8 s.
      const timer = setInterval(() => {
        if (res.destroyed || i >= body.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(body[i++]);
      }, 100);
    });
    const health = await slowClient.health();
    assert.equal(health.status, 'unreachable');
    assert.equal(health.code, 'VaultTimeout');
    await rejectsWith(slowClient.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' }), 'VaultTimeout');
  });
});

describe('Vault server addresses', () => {
  test('an empty, missing or non-http(s) address is refused before any request, never sent to $VAULT_ADDR or 127.0.0.1:8200', async () => {
    const decoy = await hostileServer();
    decoy.answer(json(200, envelope({ auth: { client_token: 'hvs.LOCALSTOLEN', policies: [], lease_duration: 60 } })));
    const saved = process.env.VAULT_ADDR;
    process.env.VAULT_ADDR = decoy.url;
    try {
      for (const address of [
        '',
        '   ',
        undefined,
        'vault.example.com:8200',
        'ftp://vault.example.com',
        'https://user:pw@vault.example.com',
        'https://',
      ]) {
        const client = new VaultClient({ name: 'broken', address: address as string });
        const error = await rejectsWith(loginWithPassword(client, 'userpass', 'alice', 'alice-password'), 'VaultBadAddress');
        assert.match(error.message, /"broken" has no valid address; set its address in iamSwitchboard\.vault\.servers/);
        assert.equal((await client.health()).code, 'VaultBadAddress');
      }
      assert.equal(decoy.received(), 0, 'nothing was sent anywhere');
    } finally {
      if (saved === undefined) delete process.env.VAULT_ADDR;
      else process.env.VAULT_ADDR = saved;
      await decoy.close();
    }
  });
});

describe('leases we gave up on, against the local Vault', () => {
  let servers: LocalServers;
  let token: string;
  before(async () => {
    servers = await startServers();
    const login = new VaultClient({ name: 'local', address: servers.vault.url });
    token = (await loginWithPassword(login, 'userpass', 'alice', 'alice-password')).token;
  });
  after(() => servers.close());

  test('a lease request that times out and that Vault answers later is revoked, and the log says so', async () => {
    let noted: (message: string) => void = () => undefined;
    const note = new Promise<string>((resolve) => (noted = resolve));
    // The lease answer comes 3 s late, well past the 1 s deadline; the revoke that follows has the same 1 s, which a
    // local Vault meets on a busy machine (300 ms did not always).
    const client = new VaultClient(
      { name: 'local', address: servers.vault.url },
      { token, timeoutMs: 1000, log: (m) => noted(m), warn: (m) => noted(m) },
    );
    servers.vault.setFailure({ mode: 'slow', delayMs: 3000 }, 1);
    await rejectsWith(client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user' }), 'VaultTimeout');
    const message = await note;
    assert.match(message, /^Revoked Vault lease aws\/creds\/s3-full\/\S+: Vault issued it after its request timed out\.$/);
    assert.deepEqual(servers.vault.leaseIds(), []);
  });

  test('when revoking an abandoned lease fails, the warning names the lease id to revoke by hand', async () => {
    let warned: (message: string) => void = () => undefined;
    const warning = new Promise<string>((resolve) => (warned = resolve));
    const client = new VaultClient({ name: 'local', address: servers.vault.url }, { token, timeoutMs: 2000, warn: (m) => warned(m) });
    servers.vault.setFailure({ mode: 'slow', delayMs: 800 }, 1);
    const controller = new AbortController();
    const leaseRequest = servers.vault.requests.count + 1;
    const request = client.leaseCredentials('aws', 's3-full', { credentialType: 'iam_user', signal: controller.signal });
    // Once the slow lease request is in, every later request (the revoke) fails.
    await servers.vault.requests.arrived(leaseRequest);
    servers.vault.setFailure({ mode: 'error', status: 500 });
    controller.abort();
    await rejectsWith(request, 'Cancelled');
    const message = await warning;
    servers.vault.setFailure(undefined);
    const leaseId =
      /^Could not revoke Vault lease (aws\/creds\/s3-full\/\S+), issued after its request was cancelled; revoke it by hand with "vault lease revoke \1"/.exec(
        message,
      )?.[1];
    assert.ok(leaseId, message);
    assert.deepEqual(servers.vault.leaseIds(), [leaseId]);
    await new VaultClient({ name: 'local', address: servers.vault.url }, { token: servers.vault.rootToken }).revokeLease(leaseId);
    assert.deepEqual(servers.vault.leaseIds(), []);
  });
});
