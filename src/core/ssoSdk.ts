// What IAM Identity Center sign-in and discovery need from the AWS SDK, loaded with `await import('../ssoSdk')` on
// first use; bundled as the `sso` part of dist/awsSdk.js (./awsSdk), so activation never parses it.
export * from './identityCenter/sdkCommands';
