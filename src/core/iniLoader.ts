// The SDK's own shared-ini loader, bundled apart from ./sdk (dist/iniLoader.js, a few KB) so that showing the
// role tree reads ~/.aws/config without loading the STS client and node-vault.
export { loadSharedConfigFiles, readFile } from '@smithy/shared-ini-file-loader';
