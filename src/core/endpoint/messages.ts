// Sentences the endpoint and the credential helper (a bundle of its own, Node built-ins only) both say: plain
// values here, so the helper imports them without the endpoint.

/** A tool outside VS Code whose access was revoked, or whose window closed (its socket is gone). */
export const EXTERNAL_REVOKED_MESSAGE =
  "This program's IAM Switchboard access was revoked or its VS Code window closed: copy a new credential_process profile in VS Code";
