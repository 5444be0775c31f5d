// Vault's LDAP auth method (builtin/credential/ldap) at one mount, with the directory's people in the world:
// `auth/<mount>/login/<username>` binds as the user; a wrong password is the backend's own bind failure.
import { type TokenStore, authData } from './auth';
import { type Route, badRequest } from './http';

export interface LdapUser {
  password: string;
  /** Groups in the directory; each maps to Vault policies through `groups`. */
  groups: string[];
}

export interface LdapConfig {
  /** Auth mount path without slashes (default `ldap`). */
  mount?: string;
  users: Record<string, LdapUser>;
  /** LDAP group name → Vault policies (auth/ldap/groups/<name>). */
  groups: Record<string, string[]>;
}

export function ldapRoutes(config: LdapConfig, tokens: TokenStore): Route[] {
  const mount = config.mount ?? 'ldap';
  const m = mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [
    {
      pattern: new RegExp(`^auth/${m}/login/([^/]+)$`),
      unauthenticated: true,
      write: (req) => {
        const username = req.params[0];
        const password = req.body.password;
        // builtin/credential/ldap/backend.go Login: deny_null_bind (on by default) refuses an empty password first.
        if (typeof password !== 'string' || password === '') {
          throw badRequest('password cannot be of zero length when passwordless binds are being denied');
        }
        const user = config.users[username];
        // The backend says the same for an unknown user and a wrong password.
        if (!user || user.password !== password) throw badRequest('ldap operation failed: failed to bind as user');
        const policies = user.groups.flatMap((g) => config.groups[g] ?? []);
        const token = tokens.issue({
          policies: ['default', ...policies],
          displayName: `${mount}-${username}`,
          path: `auth/${mount}/login/${username}`,
          meta: { username },
        });
        return { kind: 'envelope', auth: authData(token) };
      },
    },
  ];
}
