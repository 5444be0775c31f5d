// Sentences the endpoint and the credential helper (a bundle of its own, Node built-ins only), or the edge's
// endpoint host, also say: plain values here, so the helper, and activation, import them without the endpoint.

/** A tool outside VS Code whose access was revoked, or whose window closed (its socket is gone). */
export const EXTERNAL_REVOKED_MESSAGE =
  "This program's IAM Switchboard access was revoked or its VS Code window closed: copy a new credential_process profile in VS Code";

/** A pinned terminal whose role ended (its lease, a static role): it must be opened again. */
export const ROLE_ENDED_MESSAGE = "This terminal's role ended: open a new terminal as the role in IAM Switchboard";
