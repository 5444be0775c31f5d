// Tools outside VS Code (Copy credential_process Profile): each gets a token of its own, in a file of its own
// (mode 0600, in a 0700 folder of the extension's storage) that the profile's credential_process names. The
// token is then on no command line (/proc/<pid>/cmdline is readable by every local user) and in no AWS config
// file (which tools and people copy around); only this user (and root) can read it. The file goes when the
// token is revoked or the window closes.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { commandLine } from './terminalProfile';

/** What the credential helper reads from the file: where to ask, and with which token. */
export interface TokenFileContent {
  url: string;
  token: string;
}

/** Writes a new token file and returns its path. */
export async function writeTokenFile(folder: string, content: TokenFileContent): Promise<string> {
  await fs.mkdir(folder, { recursive: true, mode: 0o700 });
  await fs.chmod(folder, 0o700);
  const file = path.join(folder, `${randomBytes(12).toString('hex')}.json`);
  await fs.writeFile(file, JSON.stringify(content), { mode: 0o600, flag: 'wx' });
  return file;
}

export async function removeTokenFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

/** The profile name for a token's name: `vscode-` and the name's letters and digits. */
export function externalProfileName(name: string): string {
  return `vscode-${
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'tool'
  }`;
}

/** The profile to paste: the helper with the token file's path; no token, no key. */
export function externalProfileText(name: string, helper: string[], tokenFile: string, platform?: NodeJS.Platform): string {
  return [
    `[profile ${externalProfileName(name)}]`,
    `# IAM Switchboard token "${name.replace(/[\r\n]/g, ' ')}": the role active in the VS Code window, while it is open.`,
    `credential_process = ${commandLine([...helper, '--token-file', tokenFile], platform)}`,
    '',
  ].join('\n');
}
