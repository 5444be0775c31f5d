// The IAM Identity Center operations the SDK's nested clients lack. `@aws-sdk/nested-clients` (already installed
// with @aws-sdk/credential-providers) ships the SSO OIDC and portal clients but only CreateToken and
// GetRoleCredentials; RegisterClient, StartDeviceAuthorization, ListAccounts, ListAccountRoles and Logout are
// defined here with the operation schemas of `@aws-sdk/client-sso-oidc` / `@aws-sdk/client-sso` 3.1164.0,
// copied verbatim, so the SDK's own REST-JSON protocol serializes them exactly as those clients do.
// Once those two packages are dependencies, this file becomes re-exports of their commands.
// Bundled into dist/aws/ssoSdk.mjs only (re-exported from ../ssoSdk), so activation never loads it.
import { makeBuilder } from '@smithy/core/client';
import { getEndpointPlugin } from '@smithy/core/endpoints';
import type { StaticOperationSchema } from '@smithy/types';

export { SSOOIDCClient, CreateTokenCommand } from '@aws-sdk/nested-clients/sso-oidc';
export { SSOClient, GetRoleCredentialsCommand } from '@aws-sdk/nested-clients/sso';

const COMMON_ENDPOINT_PARAMS = {
  UseFIPS: { type: 'builtInParams', name: 'useFipsEndpoint' },
  Endpoint: { type: 'builtInParams', name: 'endpoint' },
  Region: { type: 'builtInParams', name: 'region' },
  UseDualStack: { type: 'builtInParams', name: 'useDualstackEndpoint' },
} as const;

const noPlugins = () => [];

// ---- SSO OIDC (namespace com.amazonaws.ssooidc) ----
const OIDC = 'com.amazonaws.ssooidc';
const ClientSecret = [0, OIDC, 'ClientSecret', 8, 0];

const RegisterClientRequest = [
  3,
  OIDC,
  'RegisterClientRequest',
  0,
  ['clientName', 'clientType', 'scopes', 'redirectUris', 'grantTypes', 'issuerUrl', 'entitledApplicationArn'],
  [0, 0, 64 | 0, 64 | 0, 64 | 0, 0, 0],
  2,
];
const RegisterClientResponse = [
  3,
  OIDC,
  'RegisterClientResponse',
  0,
  ['clientId', 'clientSecret', 'clientIdIssuedAt', 'clientSecretExpiresAt', 'authorizationEndpoint', 'tokenEndpoint'],
  [0, [() => ClientSecret, 0], 1, 1, 0, 0],
];
const RegisterClient = [
  9,
  OIDC,
  'RegisterClient',
  { http: ['POST', '/client/register', 200] },
  () => RegisterClientRequest,
  () => RegisterClientResponse,
];

const StartDeviceAuthorizationRequest = [
  3,
  OIDC,
  'StartDeviceAuthorizationRequest',
  0,
  ['clientId', 'clientSecret', 'startUrl'],
  [0, [() => ClientSecret, 0], 0],
  3,
];
const StartDeviceAuthorizationResponse = [
  3,
  OIDC,
  'StartDeviceAuthorizationResponse',
  0,
  ['deviceCode', 'userCode', 'verificationUri', 'verificationUriComplete', 'expiresIn', 'interval'],
  [0, 0, 0, 0, 1, 1],
];
const StartDeviceAuthorization = [
  9,
  OIDC,
  'StartDeviceAuthorization',
  { http: ['POST', '/device_authorization', 200] },
  () => StartDeviceAuthorizationRequest,
  () => StartDeviceAuthorizationResponse,
];

export interface RegisterClientInput {
  clientName: string;
  clientType: string;
  scopes?: string[];
  grantTypes?: string[];
}
export interface RegisterClientOutput {
  clientId?: string;
  clientSecret?: string;
  clientIdIssuedAt?: number;
  clientSecretExpiresAt?: number;
  $metadata: object;
}
export interface StartDeviceAuthorizationInput {
  clientId: string;
  clientSecret: string;
  startUrl: string;
}
export interface StartDeviceAuthorizationOutput {
  deviceCode?: string;
  userCode?: string;
  verificationUri?: string;
  verificationUriComplete?: string;
  expiresIn?: number;
  interval?: number;
  $metadata: object;
}

const oidcCommand = makeBuilder(COMMON_ENDPOINT_PARAMS, 'AWSSSOOIDCService', 'SSOOIDCClient', getEndpointPlugin);
export class RegisterClientCommand extends oidcCommand<RegisterClientInput, RegisterClientOutput>(
  {},
  noPlugins,
  'RegisterClient',
  RegisterClient as unknown as StaticOperationSchema,
) {}
export class StartDeviceAuthorizationCommand extends oidcCommand<StartDeviceAuthorizationInput, StartDeviceAuthorizationOutput>(
  {},
  noPlugins,
  'StartDeviceAuthorization',
  StartDeviceAuthorization as unknown as StaticOperationSchema,
) {}

// ---- SSO portal (namespace com.amazonaws.sso) ----
const SSO = 'com.amazonaws.sso';
const AccessTokenType = [0, SSO, 'AccessTokenType', 8, 0];
const bearer = [() => AccessTokenType, { httpHeader: 'x-amz-sso_bearer_token' }];

const AccountInfo = [3, SSO, 'AccountInfo', 0, ['accountId', 'accountName', 'emailAddress'], [0, 0, 0]];
const RoleInfo = [3, SSO, 'RoleInfo', 0, ['roleName', 'accountId'], [0, 0]];
const AccountListType = [1, SSO, 'AccountListType', 0, () => AccountInfo];
const RoleListType = [1, SSO, 'RoleListType', 0, () => RoleInfo];

const ListAccountsRequest = [
  3,
  SSO,
  'ListAccountsRequest',
  0,
  ['accessToken', 'nextToken', 'maxResults'],
  [bearer, [0, { httpQuery: 'next_token' }], [1, { httpQuery: 'max_result' }]],
  1,
];
const ListAccountsResponse = [3, SSO, 'ListAccountsResponse', 0, ['nextToken', 'accountList'], [0, () => AccountListType]];
const ListAccounts = [
  9,
  SSO,
  'ListAccounts',
  { http: ['GET', '/assignment/accounts', 200] },
  () => ListAccountsRequest,
  () => ListAccountsResponse,
];

const ListAccountRolesRequest = [
  3,
  SSO,
  'ListAccountRolesRequest',
  0,
  ['accessToken', 'accountId', 'nextToken', 'maxResults'],
  [bearer, [0, { httpQuery: 'account_id' }], [0, { httpQuery: 'next_token' }], [1, { httpQuery: 'max_result' }]],
  2,
];
const ListAccountRolesResponse = [3, SSO, 'ListAccountRolesResponse', 0, ['nextToken', 'roleList'], [0, () => RoleListType]];
const ListAccountRoles = [
  9,
  SSO,
  'ListAccountRoles',
  { http: ['GET', '/assignment/roles', 200] },
  () => ListAccountRolesRequest,
  () => ListAccountRolesResponse,
];

const LogoutRequest = [3, SSO, 'LogoutRequest', 0, ['accessToken'], [bearer], 1];
const Logout = [9, SSO, 'Logout', { http: ['POST', '/logout', 200] }, () => LogoutRequest, () => 'unit'];

export interface ListAccountsInput {
  accessToken: string;
  nextToken?: string;
  maxResults?: number;
}
export interface ListAccountsOutput {
  nextToken?: string;
  accountList?: { accountId?: string; accountName?: string; emailAddress?: string }[];
  $metadata: object;
}
export interface ListAccountRolesInput {
  accessToken: string;
  accountId: string;
  nextToken?: string;
  maxResults?: number;
}
export interface ListAccountRolesOutput {
  nextToken?: string;
  roleList?: { roleName?: string; accountId?: string }[];
  $metadata: object;
}
export interface LogoutInput {
  accessToken: string;
}

const portalCommand = makeBuilder(COMMON_ENDPOINT_PARAMS, 'SWBPortalService', 'SSOClient', getEndpointPlugin);
export class ListAccountsCommand extends portalCommand<ListAccountsInput, ListAccountsOutput>(
  {},
  noPlugins,
  'ListAccounts',
  ListAccounts as unknown as StaticOperationSchema,
) {}
export class ListAccountRolesCommand extends portalCommand<ListAccountRolesInput, ListAccountRolesOutput>(
  {},
  noPlugins,
  'ListAccountRoles',
  ListAccountRoles as unknown as StaticOperationSchema,
) {}
export class LogoutCommand extends portalCommand<LogoutInput, { $metadata: object }>(
  {},
  noPlugins,
  'Logout',
  Logout as unknown as StaticOperationSchema,
) {}

/**
 * Every Identity Center call is unsigned (bearer token or client secret in the body); the nested clients only
 * know that for their two operations and would SigV4-sign the others, so the clients take this provider.
 */
export const noAuthSchemeProvider = () => [{ schemeId: 'smithy.api#noAuth' }];
