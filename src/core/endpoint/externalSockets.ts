// Tools outside VS Code (Copy credential_process Profile): each gets a Unix domain socket of its own, in a folder
// only this user can enter (mode 0700: $XDG_RUNTIME_DIR, which is already this user's alone, else the extension's
// storage), the socket itself mode 0600. Only this user (and root) can connect, so the socket is the authorization:
// no token is written anywhere, and the profile names only the socket's path. The socket goes when its access is
// revoked or the window closes.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { commandLine } from './terminalProfile';
import { UserError } from '../userError';

/** sun_path holds 108 bytes on Linux and 104 on macOS, with its NUL: a longer path cannot be listened on. */
const MAX_SOCKET_PATH = 100;

/**
 * The folders a socket may go in, best first: $XDG_RUNTIME_DIR (per user, 0700, cleared at logout), the
 * extension's storage, and the system's temporary folder (per user on macOS) when the others' paths are too long.
 */
export function socketFolders(storage: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const runtime = env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR) ? [path.join(env.XDG_RUNTIME_DIR, 'iam-switchboard')] : [];
  const uid = process.getuid?.() ?? 'user';
  return [...runtime, path.join(storage, 'external-sockets'), path.join(os.tmpdir(), `iam-switchboard-${uid}`)];
}

/** The folder newSocketPath puts the tool `name`'s socket in, found without making anything. */
export function socketFolder(folders: string[], name: string): string {
  const file = `${socketName(name)}-${'0'.repeat(12)}.sock`;
  const folder = folders.find((candidate) => Buffer.byteLength(path.join(candidate, file)) <= MAX_SOCKET_PATH);
  if (!folder) {
    throw new UserError('Every folder for the tool socket has too long a path: set XDG_RUNTIME_DIR to a short one.', 'SocketPathTooLong');
  }
  return folder;
}

/** A new socket path for the tool `name`, in the first folder whose path fits, that folder made ours and 0700. */
export async function newSocketPath(folders: string[], name: string, platform: NodeJS.Platform = process.platform): Promise<string> {
  if (platform === 'win32') {
    throw new UserError(
      'Copy credential_process Profile needs Unix domain sockets, which this extension supports on Linux and macOS only.',
      'NoUnixSockets',
    );
  }
  const folder = socketFolder(folders, name);
  const file = `${socketName(name)}-${randomBytes(6).toString('hex')}.sock`;
  await fs.mkdir(folder, { recursive: true, mode: 0o700 });
  const stat = await fs.lstat(folder);
  // A folder someone else made (the shared temporary folder) is not ours to trust.
  if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) {
    throw new UserError(`${folder} is not a folder of your own: remove it, then copy the profile again.`, 'SocketFolderNotOwned');
  }
  await fs.chmod(folder, 0o700);
  return path.join(folder, file);
}

/** The socket file's part for a tool's name: its letters and digits, short enough for any folder. */
function socketName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 24) || 'tool'
  );
}

/** The profile name for a tool's name: `vscode-` and the name's letters and digits. */
export function externalProfileName(name: string): string {
  return `vscode-${
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'tool'
  }`;
}

/** The profile to paste: the helper with the socket's path; no token, no key. */
export function externalProfileText(name: string, helper: string[], socket: string, platform?: NodeJS.Platform): string {
  return [
    `[profile ${externalProfileName(name)}]`,
    `# IAM Switchboard access "${name.replace(/[\r\n]/g, ' ')}": the role active in the VS Code window, while it is open.`,
    `credential_process = ${commandLine([...helper, '--socket', socket], platform)}`,
    '',
  ].join('\n');
}
