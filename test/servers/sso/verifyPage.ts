// The device verification page a person opens from verificationUriComplete: sign in as a directory user and
// press "Allow". Plain HTML with one form, so a browser (or the end-to-end test) can drive it.
import type { OidcState } from './oidc';
import type { SsoUser } from './world';

export interface PageAnswer {
  status: number;
  html: string;
}

export const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}
input{display:block;width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 2rem}.error{color:#b00020}</style>
</head><body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function form(userCode: string, error?: string): string {
  return layout(
    'Authorize request',
    `
<p>An application is asking for access to your AWS accounts. Check that the code matches the one it shows.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/device">
<label>Code <input name="user_code" value="${escape(userCode)}" autocomplete="off"></label>
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit" name="action" value="allow">Allow</button>
</form>`,
  );
}

export function verificationPage(query: URLSearchParams): PageAnswer {
  return { status: 200, html: form(query.get('user_code') ?? '') };
}

/** The form's POST: the code must be pending, the person must sign in; then the device code is approved. */
export function submitVerification(body: URLSearchParams, state: OidcState, users: SsoUser[]): PageAnswer {
  const code = body.get('user_code') ?? '';
  const device = state.pendingDevice(code);
  if (!device) return { status: 400, html: form(code, 'This code is not valid or has expired. Start the sign-in again.') };
  const user = users.find((u) => u.userName === body.get('username'));
  if (!user || user.password !== body.get('password')) return { status: 401, html: form(code, 'Incorrect username or password.') };
  state.approve(device, user.userName);
  return {
    status: 200,
    html: layout('Request approved', `<p id="approved">Request approved for ${escape(user.userName)}. You can close this window.</p>`),
  };
}
