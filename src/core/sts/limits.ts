// Shared by the STS clients (in the extension bundle) and their transport (in the lazily loaded STS bundle).
// Plain values only: anything with identity (a class) would exist twice, once per bundle.

/** No real STS answer comes near this (a session token is a few KB): a bigger body is not read into memory. */
export const MAX_STS_RESPONSE_BYTES = 1024 * 1024;

/** The name of the error the transport throws for a body over the cap. */
export const RESPONSE_TOO_LARGE = 'IamSwitchboardResponseTooLarge';
