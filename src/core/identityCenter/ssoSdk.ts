// What IAM Identity Center sign-in and discovery need from the AWS SDK: its own SSO OIDC and portal clients and
// commands. Loaded with `await import('./ssoSdk')` on first use and bundled as dist/aws/ssoSdk.mjs: neither
// activation nor the role switcher parses it.
export { SSOOIDCClient, CreateTokenCommand, RegisterClientCommand, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
export { SSOClient, GetRoleCredentialsCommand, ListAccountsCommand, ListAccountRolesCommand, LogoutCommand } from '@aws-sdk/client-sso';
