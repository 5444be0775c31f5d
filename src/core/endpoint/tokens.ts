// The credential endpoint's tokens: random bearer tokens that stand for "the window's active role" (following,
// and external: one per tool outside VS Code, named so it can be listed and revoked), for one identity (pinned), or
// for the agent tools' routes (agentTools). Only their SHA-256 digests are kept, and every lookup compares digests in
// constant time, so neither the token table nor the time a lookup takes tells anything about a token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Identity } from '../session';

export type TokenSpec =
  | { kind: 'following' }
  | { kind: 'pinned'; identity: Identity }
  | { kind: 'external'; name: string }
  // The agent tools' (MCP server's) token: reaches the /agent/ routes only, never credentials.
  | { kind: 'agentTools' };

/** The kind shows in the token itself, so a pinned terminal from an earlier window gets the right message. */
const PREFIX = { following: 'iamsbf_', pinned: 'iamsbp_', external: 'iamsbx_', agentTools: 'iamsba_' } as const;
/** 256 random bits, base64url: no comma (the list separator) and nothing a header would mangle. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^iamsb[fpxa]_[A-Za-z0-9_-]{43}$/;

interface Entry {
  digest: Buffer;
  spec: TokenSpec;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** True for a string shaped like a token this module issues (any window's), kind included. */
export function isTokenShape(token: string, kind?: TokenSpec['kind']): boolean {
  return TOKEN_PATTERN.test(token) && (kind === undefined || token.startsWith(PREFIX[kind]));
}

/**
 * The token a request stands for, from its Authorization header: the LAST non-empty element of a comma-separated
 * list. VS Code's window-wide environment collection prepends "<following token>," to the
 * AWS_CONTAINER_AUTHORIZATION_TOKEN of every terminal not created with strictEnv, so a pinned terminal (whose own
 * environment holds its pinned token) sends "F,P", an ordinary terminal "F,", and a strictEnv one just "P".
 */
export function requestToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  const parts = (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  return parts.at(-1);
}

export class TokenRegistry {
  private readonly entries: Entry[] = [];

  /** A new random token for `spec`; or `previous` again (a following token kept across a window reload). */
  issue(spec: TokenSpec, previous?: string): string {
    if (previous !== undefined && !isTokenShape(previous, spec.kind)) {
      throw new Error(`Not a ${spec.kind} token of this endpoint`);
    }
    const token = previous ?? PREFIX[spec.kind] + randomBytes(TOKEN_BYTES).toString('base64url');
    this.revoke(token);
    this.entries.push({ digest: digest(token), spec });
    return token;
  }

  /** The token stops working at once. Unknown tokens are ignored. */
  revoke(token: string): void {
    const index = this.indexOf(token);
    if (index >= 0) {
      this.entries.splice(index, 1);
    }
  }

  find(token: string): TokenSpec | undefined {
    const index = this.indexOf(token);
    return index >= 0 ? this.entries[index].spec : undefined;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Compares against every entry without stopping early, so the time taken does not depend on the match. */
  private indexOf(token: string): number {
    const wanted = digest(token);
    let found = -1;
    this.entries.forEach((entry, index) => {
      if (timingSafeEqual(entry.digest, wanted)) {
        found = index;
      }
    });
    return found;
  }
}
