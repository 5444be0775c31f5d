// What the STS path needs from the AWS SDK, loaded with `await import('./stsSdk')` on first use so activation
// loads no SDK. Bundled as dist/aws/stsSdk.mjs (sharing chunks with ../identityCenter/ssoSdk and ../discovery/iamSdk), apart from node-vault
// (../vault/vaultSdk): switching roles never parses Vault's client, and leasing from Vault never parses STS's. Export only
// what src uses.
export {
  STSClient,
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  AssumeRoleWithWebIdentityCommand,
} from '@aws-sdk/client-sts';
export { fromIni, fromInstanceMetadata, fromContainerMetadata } from '@aws-sdk/credential-providers';
export { capResponse, keepAliveHandler } from './transport';
