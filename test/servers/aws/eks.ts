// Amazon EKS ListClusters and DescribeCluster in the REST-JSON protocol, as botocore's model describes them
// (botocore/data/eks/2017-11-01/service-2.json, the same model as @aws-sdk/client-eks): GET /clusters
// ?maxResults (1–100)&nextToken, answering {clusters, nextToken}; GET /clusters/{name}, answering {cluster}. Errors
// carry their code in `x-amzn-ErrorType` and a `message`: ResourceNotFoundException 404 (with clusterName),
// InvalidParameterException 400, AccessDeniedException 403, as the model's error shapes say. The clusters are the
// world's (`eksClusters` per account and region); the caller's policies must allow eks:ListClusters or
// eks:DescribeCluster on the cluster's ARN, as IAM decides it.
import type { ActionContext } from './actions';
import { callerPolicies } from './iam';
import { callerAccount } from './identities';
import { evaluate } from './policy';
import { WORLD_CREATE_DATE, findAccount } from './world';

export class EksError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface EksAnswer {
  status: number;
  body: unknown;
}

/** A CA certificate's shape (base64 of a PEM); not a real certificate, and nothing secret. */
const LOCAL_CA = Buffer.from('-----BEGIN CERTIFICATE-----\nTE9DQUwgRUtTIENB\n-----END CERTIFICATE-----\n').toString('base64');

/** The SigV4 scope's region: EKS is regional, and a cluster lives in one region of one account. */
export function eksRequest(context: Omit<ActionContext, 'params'>, region: string, method: string, url: URL): EksAnswer {
  if (method !== 'GET') throw new EksError(404, 'UnknownOperationException', 'Unknown operation');
  const account = callerAccount(context.caller);
  const clusters = (findAccount(context.world, account)?.eksClusters ?? []).filter((c) => c.region === region);
  const arnOf = (name: string) => `arn:aws:eks:${region}:${account}:cluster/${name}`;
  if (url.pathname === '/clusters') {
    authorize(context, 'eks:ListClusters', `arn:aws:eks:${region}:${account}:cluster/*`);
    return { status: 200, body: page(clusters.map((c) => c.name).sort(), url.searchParams) };
  }
  const match = /^\/clusters\/([^/]+)$/.exec(url.pathname);
  if (!match) throw new EksError(404, 'UnknownOperationException', 'Unknown operation');
  const name = decodeURIComponent(match[1]);
  authorize(context, 'eks:DescribeCluster', arnOf(name));
  const cluster = clusters.find((c) => c.name === name);
  if (!cluster) throw new EksError(404, 'ResourceNotFoundException', `No cluster found for name: ${name}.`, { clusterName: name });
  return {
    status: 200,
    body: {
      cluster: {
        name,
        arn: arnOf(name),
        createdAt: WORLD_CREATE_DATE.getTime() / 1000,
        version: cluster.version ?? '1.31',
        endpoint: `https://${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}0000.gr7.${region}.eks.amazonaws.com`,
        roleArn: `arn:aws:iam::${account}:role/eks-cluster`,
        status: 'ACTIVE',
        certificateAuthority: { data: LOCAL_CA },
        platformVersion: 'eks.1',
        tags: {},
      },
    },
  };
}

function authorize(context: Omit<ActionContext, 'params'>, action: string, resource: string): void {
  if (evaluate(callerPolicies({ ...context, params: new URLSearchParams() }), { action, resource }) !== 'allow') {
    throw new EksError(403, 'AccessDeniedException', `User is not authorized to perform: ${action} on resource: ${resource}`);
  }
}

function page(names: string[], query: URLSearchParams): { clusters: string[]; nextToken?: string } {
  const max = query.has('maxResults') ? Number(query.get('maxResults')) : 100;
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw new EksError(400, 'InvalidParameterException', 'maxResults must be between 1 and 100.');
  }
  let start = 0;
  const token = query.get('nextToken');
  if (token !== null) {
    start = Number(Buffer.from(token, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > names.length) {
      throw new EksError(400, 'InvalidParameterException', 'The nextToken is not valid.');
    }
  }
  const clusters = names.slice(start, start + max);
  const next = start + max < names.length ? Buffer.from(String(start + max)).toString('base64') : undefined;
  return next ? { clusters, nextToken: next } : { clusters };
}
