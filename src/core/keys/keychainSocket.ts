// How a moved key reaches tools outside VS Code: every window (of this VS Code install) listens on a Unix domain
// socket of its own, `keychain-<random>.sock`, in one folder only this user can enter (0700, the socket 0600), and
// answers GET /keys/<profile> with the profile's key from the keychain. The `credential_process` line names only
// the profile and the folder, so any open window serves it; when none is open, the helper says so.
import * as fs from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { agentOfRequest } from '../agents/ancestry';
import { newSocketPath } from '../endpoint/externalSockets';
import { commandLine } from '../endpoint/terminalProfile';
import type { AccessKey } from './accessKey';
import { UserError } from '../userError';

export const KEYCHAIN_SOCKET_PREFIX = 'keychain';
/** The helper's arguments in keychain mode, after its command. */
export const KEYCHAIN_PROFILE_ARGUMENT = '--keychain-profile';
export const KEYCHAIN_FOLDER_ARGUMENT = '--keychain-folder';

/** The credential_process program's arguments for a profile whose key is in the keychain. */
export function keychainArguments(profile: string, folder: string): string[] {
  return [KEYCHAIN_PROFILE_ARGUMENT, profile, KEYCHAIN_FOLDER_ARGUMENT, folder];
}

/**
 * Whether a credential_process line is the keychain helper's for `profile` (as keychainArguments wrote it): only
 * then does the keychain's key stand for that profile; a line the person changed since decides by itself.
 */
export function namesKeychainProfile(command: string, profile: string): boolean {
  try {
    return `${command} `.includes(` ${KEYCHAIN_PROFILE_ARGUMENT} ${commandLine([profile])} `);
  } catch {
    return false;
  }
}

/** The path of a profile's key on a window's socket. */
export function keyPath(profile: string): string {
  return `/keys/${encodeURIComponent(profile)}`;
}

/** One window's keychain socket. */
export class KeychainServer {
  private server: Server | undefined;
  private socket: string | undefined;

  /**
   * `agentsGetMyKeys`: whether iamSwitchboard.agents.access is sameAsMe, the one setting under which an AI agent's
   * command may have what the person has, their long-lived key included.
   */
  constructor(
    private readonly read: (profile: string) => Promise<AccessKey | undefined>,
    private readonly agentsGetMyKeys: () => boolean = () => false,
  ) {}

  /** Listens in the first of `folders` whose path fits (made ours and 0700), once; the socket's path. */
  async start(folders: string[]): Promise<string> {
    if (this.socket) return this.socket;
    const socket = await newSocketPath(folders, KEYCHAIN_SOCKET_PREFIX);
    const server = createServer((req, res) => {
      const answer = (status: number, body: object) => {
        res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify(body));
      };
      const match = req.method === 'GET' ? /^\/keys\/([^/?]+)$/.exec(req.url ?? '') : null;
      if (!match) return answer(404, { Message: 'Not a keychain request.' });
      let profile: string;
      try {
        profile = decodeURIComponent(match[1]);
      } catch {
        return answer(400, { Message: 'Not a profile name.' });
      }
      void this.keyAnswer(profile, req.headers).then(({ status, body }) => answer(status, body));
    });
    // Only this user can connect, but a stuck program of theirs should not hold the window's sockets either.
    server.headersTimeout = 3000;
    server.requestTimeout = 5000;
    server.maxConnections = 16;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw new UserError(`Could not listen on ${socket}: check that its folder is writable.`, 'SocketFailed', String(error));
    });
    await fs.chmod(socket, 0o600);
    this.server = server;
    this.socket = socket;
    return socket;
  }

  /** The answer to a request for `profile`'s key. */
  private async keyAnswer(profile: string, headers: IncomingHttpHeaders): Promise<{ status: number; body: object }> {
    if (await this.refusesAgent(headers)) return { status: 403, body: { Message: AGENT_REFUSED_MESSAGE } };
    try {
      const key = await this.read(profile);
      return key
        ? { status: 200, body: { Version: 1, AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey } }
        : { status: 404, body: { Message: notInKeychainMessage(profile) } };
    } catch {
      return {
        status: 500,
        body: { Message: `VS Code could not read profile '${profile}' from its keychain: see IAM Switchboard's log.` },
      };
    }
  }

  /** Whether a request is an agent's (agentOfRequest), from which the person's long-lived key is withheld. */
  private async refusesAgent(headers: IncomingHttpHeaders): Promise<boolean> {
    return !this.agentsGetMyKeys() && (await agentOfRequest(headers)) !== undefined;
  }

  /** Closes the socket and removes its file: tools then ask another window, or hear that none is open. */
  async stop(): Promise<void> {
    const { server, socket } = this;
    this.server = undefined;
    this.socket = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (socket) await fs.rm(socket, { force: true });
  }
}

export const AGENT_REFUSED_MESSAGE =
  "An AI agent's command gets no long-lived access key: it gets its own identity from the role active in VS Code; run this yourself outside the agent.";

export function notInKeychainMessage(profile: string): string {
  return `Profile '${profile}' has no key in the keychain of the open VS Code windows: run 'IAM Switchboard: Move Access Keys to the Keychain' for it again, or put its key back in ~/.aws/credentials.`;
}

export function noWindowMessage(profile: string): string {
  return `No VS Code window with IAM Switchboard is open to read profile '${profile}''s key from its keychain: open VS Code and its AWS Roles view, then try again.`;
}
