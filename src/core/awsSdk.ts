// The one lazily loaded AWS SDK bundle (dist/awsSdk.js): STS and the credential providers, IAM Identity Center, and
// the IAM and Organizations clients for role discovery. The three share most of their code (@smithy/core,
// @aws-sdk/core), so one bundle is less than half the size of three, and costs the role switcher's first use only a
// few milliseconds more to parse. Code in src/core imports './stsSdk', './ssoSdk' or './sdkIam' as before: the
// build (esbuild.mjs) points each at its part of this bundle; tests compiled by tsc load the modules themselves.
export * as sts from './stsSdk';
export * as sso from './ssoSdk';
export * as iam from './sdkIam';
