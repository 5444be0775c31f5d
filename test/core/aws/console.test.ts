import assert from 'node:assert/strict';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadAwsConfig } from '../../../src/core/aws/config';
import { consoleDestination, consoleSigninUrl } from '../../../src/core/aws/console';
import { buildCatalog, type RoleEntry } from '../../../src/core/catalog/roleCatalog';
import { assumeRole, StsCache } from '../../../src/core/sts/assumeRole';
import { UserError } from '../../../src/core/userError';
import { type AwsServer, startAwsServer } from '../../servers/aws';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/aws-config');
let server: AwsServer;
let roles: Map<string, RoleEntry>;
let assume: (label: string) => ReturnType<typeof assumeRole>;

before(async () => {
  server = await startAwsServer();
  const config = await loadAwsConfig({ configPath: path.join(FIXTURES, 'config'), credentialsPath: path.join(FIXTURES, 'credentials') });
  roles = new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r]));
  assume = (label) =>
    assumeRole(roles.get(label)!, { config, endpoint: server.url, region: 'eu-west-1', timeoutMs: 5000, cache: new StsCache() });
});
after(() => server.close());

/** A port nothing listens on (fetch refuses well-known ports like 9 outright). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('AWS console sign-in', () => {
  it('signs a role session in through the federation endpoint, to the console of its region', async () => {
    const identity = await assume('dev-readonly');
    const url = new URL(
      await consoleSigninUrl(identity, {
        endpoint: `${server.url}/federation`,
        chained: false,
        sessionDurationSeconds: 1800,
        timeoutMs: 5000,
      }),
    );
    assert.equal(url.searchParams.get('Action'), 'login');
    assert.equal(url.searchParams.get('Destination'), 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1');
    assert.equal(url.searchParams.has('SigninToken'), true);
    const page = await (await fetch(url)).text();
    assert.match(page, /Signed in to the AWS console as arn:aws:sts::222222222222:assumed-role\/ReadOnly\/alice/);
    assert.match(page, /<span id="session-duration">1800<\/span>/);
  });

  it('leaves SessionDuration out for a chained session, which AWS would refuse', async () => {
    const identity = await assume('prod-auditor');
    const url = await consoleSigninUrl(identity, {
      endpoint: `${server.url}/federation`,
      chained: true,
      sessionDurationSeconds: 1800,
      timeoutMs: 5000,
    });
    const page = await (await fetch(url)).text();
    assert.match(page, /assumed-role\/Auditor\/alice/);
    assert.doesNotMatch(page, /session-duration/);
  });

  it('refuses long-term keys, and says when the endpoint refuses or cannot be reached', async () => {
    const identity = await assume('dev-readonly');
    const longTerm = { ...identity, credentials: { accessKeyId: 'AKIALOCALALICE000001', secretAccessKey: 'x' } };
    await assert.rejects(
      consoleSigninUrl(longTerm, { endpoint: `${server.url}/federation`, chained: false, timeoutMs: 5000 }),
      (e: unknown) => e instanceof UserError && e.code === 'NotTemporary',
    );
    const forged = { ...identity, credentials: { ...identity.credentials, secretAccessKey: 'forged' } };
    await assert.rejects(
      consoleSigninUrl(forged, { endpoint: `${server.url}/federation`, chained: false, timeoutMs: 5000 }),
      (e: unknown) => e instanceof UserError && e.code === 'HTTP400' && /assume the role again/.test(e.message),
    );
    await assert.rejects(
      consoleSigninUrl(identity, { endpoint: `http://127.0.0.1:${await closedPort()}/federation`, chained: false, timeoutMs: 5000 }),
      (e: unknown) => e instanceof UserError && e.code === 'ECONNREFUSED',
    );
  });

  it("uses the console host of the region's partition", () => {
    assert.equal(
      consoleDestination('us-gov-west-1'),
      'https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1',
    );
    assert.equal(consoleDestination('cn-north-1'), 'https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1');
  });

  it('refuses a region that is not a region name instead of putting it into the console host', () => {
    for (const region of ['evil.example.com/x', 'us-east-1.attacker.net', 'US-EAST-1', '']) {
      assert.throws(
        () => consoleDestination(region),
        (e: unknown) => e instanceof UserError && e.code === 'InvalidRegion',
        region,
      );
    }
  });

  describe('against a sign-in endpoint that misbehaves', () => {
    let hostile: ReturnType<typeof createHttpServer>;
    let answer: (res: ServerResponse) => void = () => undefined;
    let hostileUrl = '';
    before(async () => {
      hostile = createHttpServer((_req, res) => answer(res));
      await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
      hostileUrl = `http://127.0.0.1:${(hostile.address() as { port: number }).port}/federation`;
    });
    after(() => {
      hostile.closeAllConnections();
      return new Promise<void>((resolve) => hostile.close(() => resolve()));
    });

    it('cancelling while the sign-in token arrives cancels quietly, not "answered without a token"', async () => {
      const identity = await assume('dev-readonly');
      const controller = new AbortController();
      // The headers and the start of the body arrive, then the rest stalls: the person cancels meanwhile.
      answer = (res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"SigninToken":"');
        setTimeout(() => controller.abort(), 50);
      };
      await assert.rejects(
        consoleSigninUrl(identity, { endpoint: hostileUrl, chained: false, timeoutMs: 5000, signal: controller.signal }),
        (e: unknown) => e instanceof UserError && e.code === 'Cancelled',
      );
    });

    it('a body that stalls past the timeout is a timeout', async () => {
      const identity = await assume('dev-readonly');
      answer = (res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"SigninToken":"');
      };
      await assert.rejects(
        consoleSigninUrl(identity, { endpoint: hostileUrl, chained: false, timeoutMs: 300 }),
        (e: unknown) => e instanceof UserError && e.code === 'Timeout',
      );
    });

    it('a sign-in answer larger than any real one is refused, not read into memory', async () => {
      const identity = await assume('dev-readonly');
      answer = (res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(`{"SigninToken":"${'A'.repeat(3 * 1024 * 1024)}"}`);
      };
      await assert.rejects(
        consoleSigninUrl(identity, { endpoint: hostileUrl, chained: false, timeoutMs: 5000 }),
        (e: unknown) => e instanceof UserError && e.code === 'ResponseTooLarge',
      );
    });

    it('an HTML page instead of the JSON answer says the endpoint is not a sign-in endpoint, without quoting it', async () => {
      const identity = await assume('dev-readonly');
      answer = (res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html>proxy login secret-ish</html>');
      };
      await assert.rejects(
        consoleSigninUrl(identity, { endpoint: hostileUrl, chained: false, timeoutMs: 5000 }),
        (e: unknown) => e instanceof UserError && e.code === 'NoSigninToken' && !/proxy login/.test(e.message),
      );
    });
  });
});
