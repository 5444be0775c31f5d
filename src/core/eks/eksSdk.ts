// The EKS client, bundled as dist/aws/eksSdk.mjs (sharing chunks with the other AWS SDK parts) and loaded with
// `await import('./eksSdk')` only when a person writes a kubeconfig: switching roles never parses it.
export { EKSClient, ListClustersCommand, DescribeClusterCommand } from '@aws-sdk/client-eks';
