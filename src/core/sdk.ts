// Everything heavy in one module, loaded with `await import('./sdk')` on first use so activation loads no SDK.
// The build bundles this file on its own (dist/sdk.js); only modules in src/core import it, and only lazily.
export { STSClient, AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, GetFederationTokenCommand } from '@aws-sdk/client-sts';
export { IAMClient, ListRolesCommand, GetRoleCommand } from '@aws-sdk/client-iam';
export { fromIni, fromNodeProviderChain, fromEnv, fromProcess, fromSSO } from '@aws-sdk/credential-providers';
import nodeVault = require('node-vault');
export { nodeVault };
