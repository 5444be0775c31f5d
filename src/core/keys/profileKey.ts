// Where a profile's long-lived key is: in the keychain (a KeyHolder), or still in ~/.aws/credentials. Read only
// when asked (a tooltip, a rotation): the file through the SDK's own loader, on the lazily loaded STS bundle.
import type { AccessKey, KeyHolder } from './accessKey';
import type { AwsConfig } from '../aws/config';

export type ProfileKey = { where: 'keychain' | 'file'; key: AccessKey } | undefined;

export async function profileKey(profile: string, config: AwsConfig, holder?: KeyHolder): Promise<ProfileKey> {
  const held = await holder?.read(profile);
  if (held) return { where: 'keychain', key: held };
  if (config.profiles.get(profile)?.credentialKind !== 'static') return undefined;
  const sdk = await import('../sts/stsSdk');
  const { configPath, credentialsPath } = config.files;
  const found = await sdk.fromIni({ profile, configFilepath: configPath, filepath: credentialsPath, ignoreCache: true })();
  // A session token means temporary keys pasted into the file: nothing IAM can rotate.
  return found.sessionToken
    ? undefined
    : { where: 'file', key: { accessKeyId: found.accessKeyId, secretAccessKey: found.secretAccessKey } };
}

/** The MFA device for the profile's user: its own mfa_serial, else the one its roles name. */
export function mfaSerialOf(profile: string, config: AwsConfig): string | undefined {
  const own = config.profiles.get(profile)?.mfaSerial;
  if (own) return own;
  for (const p of config.profiles.values()) {
    if (p.mfaSerial && p.source?.kind === 'profile' && p.source.profile === profile) return p.mfaSerial;
  }
  return undefined;
}
