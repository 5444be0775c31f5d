// Loopback addresses of the extension host's machine, as the person's browser reaches them.
import * as vscode from 'vscode';
import { isOnThisMachine } from '../core/loopback';

/**
 * A loopback URL of the extension host's machine as the person's browser reaches it: asExternalUri in a remote
 * window (a forwarded port, or code-server's proxy), unchanged elsewhere. code-server's mapping keeps only the
 * proxy's base, so the path and query are put back. The provider's page itself is usually not on loopback and is
 * opened as it is; a loopback one (a provider beside Vault on the remote machine) gets the same mapping, because
 * code-server's openExternal would otherwise send the browser to the proxy's base without the sign-in request.
 */
export async function reachableFromBrowser(url: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.parse(url, true);
  if (!isOnThisMachine(url)) {
    return uri;
  }
  const external = await vscode.env.asExternalUri(uri);
  if (external.path.replace(/\/+$/, '').endsWith(uri.path.replace(/\/+$/, '')) && external.query === uri.query) {
    return external;
  }
  return external.with({ path: `${external.path.replace(/\/+$/, '')}${uri.path}`, query: uri.query });
}
