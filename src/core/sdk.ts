// Everything heavy in one module, loaded with `await import('./sdk')` on first use so activation loads no SDK.
// The build bundles this file on its own (dist/sdk.js); only modules in src/core import it, and only lazily.
// Export only what src uses: each export pulls its client into the bundle.
export { STSClient, AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
export { fromIni, fromInstanceMetadata, fromContainerMetadata } from '@aws-sdk/credential-providers';
import nodeVault = require('node-vault');
export { nodeVault };
export * from './identityCenter/sdkCommands';
