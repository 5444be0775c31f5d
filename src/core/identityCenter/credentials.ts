// GetRoleCredentials: a permission set's credentials in one account, as an Identity like any other session.
import type { Identity } from '../session';
import { UserError } from '../userError';
import { portalCall } from './clients';
import type { IdentityCenterInstance, IdentityCenterSettings } from './instance';

export interface RoleCredentialsRequest {
  accountId: string;
  /** The permission set's name. */
  roleName: string;
  /** For the status bar: `<account name>/<permission set>`; default `<account id>/<permission set>`. */
  label?: string;
  /** The session's region (profile region, setting, or the instance's). */
  region?: string;
}

export async function roleCredentials(
  instance: IdentityCenterInstance,
  accessToken: string,
  settings: IdentityCenterSettings,
  request: RoleCredentialsRequest,
): Promise<Identity> {
  const { accountId, roleName } = request;
  const response = await portalCall(instance, settings, {
    ctx: { action: 'GetRoleCredentials', accountId, roleName },
    run: (c, sdk, abortSignal) => c.send(new sdk.GetRoleCredentialsCommand({ accessToken, accountId, roleName }), { abortSignal }),
  });
  const rc = response.roleCredentials;
  if (!rc?.accessKeyId || !rc.secretAccessKey || !rc.sessionToken || rc.expiration === undefined) {
    throw new UserError(`IAM Identity Center answered without credentials for ${roleName} in ${accountId}: try again.`, 'SsoBadResponse');
  }
  return {
    label: request.label ?? `${accountId}/${roleName}`,
    accountId,
    region: request.region ?? instance.region,
    credentials: {
      accessKeyId: rc.accessKeyId,
      secretAccessKey: rc.secretAccessKey,
      sessionToken: rc.sessionToken,
      expiration: new Date(rc.expiration),
    },
    origin: { kind: 'sso', startUrl: instance.startUrl, accountId, roleName },
  };
}
