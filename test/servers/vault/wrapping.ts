// Response wrapping (vault/wrapping.go): a request carrying X-Vault-Wrap-TTL gets back only `wrap_info`, a
// single-use token whose sys/wrapping/unwrap returns the original response once.
import { randomToken } from './auth';
import { type Clock, formatTime, parseDurationSeconds } from './clock';
import { type Reply, type Route, VaultError, badRequest } from './http';

type Envelope = Extract<Reply, { kind: 'envelope' }>;

interface Wrapped {
  reply: Envelope;
  expiresMs: number;
}

export class WrapStore {
  private readonly wrapped = new Map<string, Wrapped>();
  /** Test-only: wrap every envelope reply as if each request asked for it (a proxy adding the header). */
  forcedTtl: number | undefined;

  constructor(private readonly clock: Clock) {}

  /** Replaces an envelope with its wrap_info; other replies (204, raw bodies) are never wrapped. */
  wrap(reply: Reply, header: string | undefined, path: string): Reply {
    if (reply.kind !== 'envelope') return reply;
    const ttl = header ? parseWrapTtl(header) : this.forcedTtl;
    if (!ttl) return reply;
    const token = randomToken('hvs.', 90);
    const now = this.clock.now();
    this.wrapped.set(token, { reply, expiresMs: now + ttl * 1000 });
    const wrapInfo = {
      token,
      accessor: randomToken('', 24),
      ttl,
      creation_time: formatTime(now),
      creation_path: path,
      wrapped_accessor: '',
    };
    return { kind: 'envelope', wrapInfo };
  }

  routes(): Route[] {
    return [
      {
        pattern: /^sys\/wrapping\/unwrap$/,
        // The wrapping token is its own authentication.
        unauthenticated: true,
        write: (req) => {
          const token = typeof req.body.token === 'string' && req.body.token ? req.body.token : (req.tokenId ?? '');
          const entry = this.wrapped.get(token);
          this.wrapped.delete(token);
          if (!entry || entry.expiresMs <= this.clock.now()) throw badRequest('wrapping token is not valid or does not exist');
          return entry.reply;
        },
      },
    ];
  }
}

function parseWrapTtl(header: string): number {
  let ttl: number | undefined;
  try {
    ttl = parseDurationSeconds(header);
  } catch {
    ttl = undefined;
  }
  if (!ttl || ttl < 0) throw new VaultError(400, ['error parsing wrap TTL: invalid duration']);
  return ttl;
}
