// Amazon EKS clusters as the active identity sees them: ListClusters (every page) and DescribeCluster, with the
// field's own client (@aws-sdk/client-eks, loaded lazily), a deadline on each call, and every failure one sentence.
import type { AwsCredentials } from '../session';
import { UserError } from '../userError';

export interface EksSettings {
  region: string;
  /** An EKS endpoint URL; undefined for AWS's regional one. */
  endpoint?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What a kubeconfig needs of a cluster. */
export interface EksCluster {
  name: string;
  arn: string;
  region: string;
  endpoint: string;
  certificateAuthority: string;
}

type EksSdk = typeof import('./eksSdk');
type Client = InstanceType<EksSdk['EKSClient']>;

async function withClient<T>(
  credentials: AwsCredentials,
  settings: EksSettings,
  what: string,
  call: (client: Client, sdk: EksSdk, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const sdk = await import('./eksSdk');
  const client = new sdk.EKSClient({
    region: settings.region,
    endpoint: settings.endpoint || undefined,
    credentials,
    maxAttempts: 3,
    requestHandler: { requestTimeout: settings.timeoutMs, connectionTimeout: settings.timeoutMs },
  });
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  const signal = settings.signal ? AbortSignal.any([settings.signal, timeout]) : timeout;
  try {
    return await call(client, sdk, signal);
  } catch (error) {
    throw eksError(error, what, settings, timeout.aborted);
  } finally {
    client.destroy();
  }
}

/** The names of the clusters in the region, every page. */
export function listClusters(credentials: AwsCredentials, settings: EksSettings): Promise<string[]> {
  return withClient(credentials, settings, `list the EKS clusters in ${settings.region}`, async (client, sdk, abortSignal) => {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new sdk.ListClustersCommand({ nextToken }), { abortSignal });
      names.push(...(page.clusters ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return names;
  });
}

/** One cluster's endpoint and certificate authority; a cluster that is not ACTIVE or UPDATING cannot be used yet. */
export function describeCluster(credentials: AwsCredentials, name: string, settings: EksSettings): Promise<EksCluster> {
  return withClient(credentials, settings, `describe EKS cluster '${name}' in ${settings.region}`, async (client, sdk, abortSignal) => {
    const { cluster } = await client.send(new sdk.DescribeClusterCommand({ name }), { abortSignal });
    // As `aws eks update-kubeconfig` (customizations/eks/update_kubeconfig.py) refuses other states.
    if (!cluster?.arn || !cluster.endpoint || (cluster.status !== 'ACTIVE' && cluster.status !== 'UPDATING')) {
      throw new UserError(
        `EKS cluster '${name}' in ${settings.region} is ${cluster?.status ?? 'not ready'}: wait until it is ACTIVE, then try again.`,
        'ClusterNotReady',
      );
    }
    return {
      name,
      arn: cluster.arn,
      region: settings.region,
      endpoint: cluster.endpoint,
      certificateAuthority: cluster.certificateAuthority?.data ?? '',
    };
  });
}

/** EKS's error codes (botocore's eks model) → one sentence; never the server's own text, which could echo input. */
function eksError(error: unknown, what: string, settings: EksSettings, timedOut: boolean): UserError {
  if (error instanceof UserError) {
    return error;
  }
  const e = (error ?? {}) as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const name = e.name ?? 'Error';
  const detail = `EKS: ${what}: ${name}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''}`;
  const make = (message: string, code: string) => new UserError(message, code, detail);
  const network = e.code ?? e.cause?.code;
  if (timedOut || name === 'TimeoutError') {
    return make(
      `EKS in ${settings.region} did not answer within ${Math.round(settings.timeoutMs / 1000)} s: check your network, then try again.`,
      'Timeout',
    );
  }
  if (name === 'AbortError') {
    return make('Cancelled.', 'Cancelled');
  }
  if (network && /^E[A-Z]+$/.test(network)) {
    return make(`Could not reach EKS in ${settings.region} (${network}): check your network, then try again.`, network);
  }
  switch (name) {
    case 'ResourceNotFoundException':
      return make(`Could not ${what}: the active role's account has no such cluster there; check the name and the region.`, name);
    case 'AccessDeniedException':
    case 'UnrecognizedClientException':
      return make(`The active role may not ${what}: switch to a role allowed eks:ListClusters and eks:DescribeCluster.`, 'AccessDenied');
    case 'ExpiredTokenException':
    case 'ExpiredToken':
      return make(`The active role's session has expired: switch to the role again, then try again.`, 'ExpiredToken');
    case 'InvalidParameterException':
    case 'ClientException':
      return make(`EKS refused to ${what}: check the cluster name and region.`, name);
    case 'ServiceUnavailableException':
    case 'ServerException':
      return make(`EKS could not ${what} just now: try again in a minute.`, name);
    default:
      return make(`Could not ${what}: ${name}. See the IAM Switchboard log for details.`, name);
  }
}
