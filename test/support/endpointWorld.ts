// The credential endpoint's test world: the local STS, real AssumeRole through src/core/sts/assumeRole for identities and
// refreshes, short sessions through the STS clock, and AssumeRole counted from what the server issued.
import * as http from 'node:http';
import * as path from 'node:path';
import { type AwsConfig, loadAwsConfig } from '../../src/core/aws/config';
import type { IdentityProvider } from '../../src/core/endpoint/freshCredentials';
import { buildCatalog, type RoleEntry } from '../../src/core/catalog/roleCatalog';
import type { Identity } from '../../src/core/session';
import { assumeRole, StsCache } from '../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer, totp } from '../servers/aws';

export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/aws-config');
export const BOB_TOTP = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** The shortest session AssumeRole grants. */
const MIN_SESSION_MS = 900_000;

export interface EndpointWorld {
  aws: AwsServer;
  role(label: string): RoleEntry;
  /** Assumes a role; `lifetimeMs` below 15 min makes a session that ends that soon (the STS clock runs behind). */
  assume(
    label: string,
    options?: { lifetimeMs?: number; mfaCode?: () => Promise<string | undefined>; cache?: StsCache },
  ): Promise<Identity>;
  /** Sessions the local STS has issued so far (AssumeRole and GetSessionToken), counted at the server. */
  sessionsIssued(): number;
  close(): Promise<void>;
}

export async function startEndpointWorld(): Promise<EndpointWorld> {
  const aws = await startAwsServer();
  const config: AwsConfig = await loadAwsConfig({
    configPath: path.join(FIXTURES, 'config'),
    credentialsPath: path.join(FIXTURES, 'credentials'),
  });
  const roles = new Map(buildCatalog({ profiles: config.profiles }).roles.map((r) => [r.label, r]));
  const role = (label: string): RoleEntry => {
    const found = roles.get(label);
    if (!found) throw new Error(`no role ${label}`);
    return found;
  };
  const cache = new StsCache();
  return {
    aws,
    role,
    async assume(label, options = {}) {
      const behind = options.lifetimeMs === undefined ? 0 : MIN_SESSION_MS - options.lifetimeMs;
      aws.advanceClock(-behind);
      try {
        const identity = await assumeRole(role(label), {
          config,
          endpoint: aws.url,
          region: 'eu-west-1',
          timeoutMs: 5000,
          cache: options.cache ?? cache,
          durationSeconds: options.lifetimeMs === undefined ? undefined : MIN_SESSION_MS / 1000,
          mfaCode: options.mfaCode ?? (async () => totp(BOB_TOTP, Date.now())),
        });
        const left = identity.credentials.expiration!.getTime() - Date.now();
        if (options.lifetimeMs !== undefined && Math.abs(left - options.lifetimeMs) > 5000) {
          throw new Error(`${label} got a ${left} ms session: its profile's duration_seconds wins over a short one`);
        }
        return identity;
      } finally {
        aws.advanceClock(behind);
      }
    },
    sessionsIssued: () => aws.issuedSecrets().filter((s) => s.startsWith('ASIA')).length,
    close: () => aws.close(),
  };
}

/** A provider over a mutable active identity, whose refresh re-assumes the identity's role and counts calls. */
export class TestProvider implements IdentityProvider {
  active: Identity | undefined;
  refreshes = 0;
  /** Replaces the refresh, e.g. to fail or to wait. */
  refreshWith: ((identity: Identity, signal: AbortSignal) => Promise<Identity>) | undefined;

  constructor(
    private readonly world: EndpointWorld,
    private readonly labelOf: (identity: Identity) => string = (i) => i.label,
  ) {}

  activeIdentity(): Identity | undefined {
    return this.active;
  }

  async refresh(identity: Identity, signal: AbortSignal): Promise<Identity> {
    this.refreshes++;
    const next = this.refreshWith ? await this.refreshWith(identity, signal) : await this.world.assume(this.labelOf(identity));
    if (this.active === identity) this.active = next;
    return next;
  }
}

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

/** A GET with exactly these headers, optionally to another host address than the URL's. */
export function get(url: string, headers: Record<string, string> = {}, host?: string): Promise<HttpAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: host ?? target.hostname, port: target.port, path: target.pathname, headers: { ...headers, Host: target.host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown>, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
  });
}
