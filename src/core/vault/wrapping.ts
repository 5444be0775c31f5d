// Response wrapping: Vault answers with only `wrap_info` (a single-use token) when the request asked for it with
// X-Vault-Wrap-TTL, or when something between us and Vault adds that header. The client never asks, so such an
// answer is refused with a clear sentence instead of reading as "no keys". It is not unwrapped: whoever wraps
// on our behalf wants the secret to reach someone else, and an unwrap would spend that single use.
import { UserError } from '../userError';

/** Throws VaultResponseWrapped when `body` is a wrapped answer (wrap_info set, no data and no auth). */
export function refuseWrapped(body: unknown, address: string, path: string): void {
  if (!body || typeof body !== 'object') {
    return;
  }
  const { wrap_info: wrapInfo, data, auth } = body as { wrap_info?: unknown; data?: unknown; auth?: unknown };
  if (!wrapInfo || typeof wrapInfo !== 'object' || data || auth) {
    return;
  }
  const ttl = (wrapInfo as { ttl?: unknown }).ttl;
  throw new UserError(
    `Vault at ${address} answered ${path} with a response-wrapped token instead of the secret; turn off response wrapping for this path (a proxy or a policy adds X-Vault-Wrap-TTL) and try again.`,
    'VaultResponseWrapped',
    `wrap_info on ${path}${typeof ttl === 'number' ? `, ttl ${ttl}s` : ''}`,
  );
}
