// What IAM Identity Center sign-in and discovery need from the AWS SDK, loaded with `await import('./ssoSdk')` on
// first use and bundled as dist/aws/ssoSdk.mjs: neither activation nor the role switcher parses it.
export * from './sdkCommands';
