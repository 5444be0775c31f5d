// A central IAM user's long-lived access key and where it is kept. The keychain (VS Code's SecretStorage) keeps it
// instead of ~/.aws/credentials (commands/moveKeys.ts); rotation (keys/rotation.ts) replaces it where it is kept, so
// a rotated key is never written to a file.

export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Where a profile's static key lives once the person moved it out of the credentials file. */
export interface KeyHolder {
  /** Whether the person moved this profile's key here (its file profile then runs credential_process instead). */
  holds(profile: string): boolean;
  /** The profile's key, or undefined when this holder does not keep one for it. */
  read(profile: string): Promise<AccessKey | undefined>;
  /** Replaces the profile's key; resolves once the new key is what `read` and every credential request answer. */
  replace(profile: string, key: AccessKey): Promise<void>;
}
