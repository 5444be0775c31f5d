// A credential_process program (bundled alone as dist/credentialHelper.js, Node built-ins only): fetches the
// terminal's credentials from the VS Code window's credential endpoint and prints them in the credential_process
// format (Version 1). The AWS CLI, boto3 and the SDKs run it for the generated `iam-switchboard` profile and
// show what it writes to stderr when it fails, so every failure is one sentence saying what to do.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { markedAncestor, type MarkedProcess } from './core/agents/ancestry';
import { AGENT_HEADER, AGENT_PROCESS_HEADER, agentOf } from './core/agents/markers';
import {
  AGENT_REFUSED_MESSAGE,
  KEYCHAIN_FOLDER_ARGUMENT,
  KEYCHAIN_PROFILE_ARGUMENT,
  KEYCHAIN_SOCKET_PREFIX,
  keyPath,
  notInKeychainMessage,
  noWindowMessage,
} from './core/keys/keychainSocket';
import { EXTERNAL_REVOKED_MESSAGE } from './core/endpoint/messages';
import { PROC_NET_TCP_FILES, tcpSockets } from './core/endpoint/procNetTcp';

/** Longer than the endpoint waits for a refresh (which may include typing an MFA code in VS Code). */
const TIMEOUT_MS = 150_000;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Only the loopback endpoint gets the token, as the SDKs themselves insist for plain http. */
function endpointUrl(raw: string | undefined): URL {
  if (!raw) {
    fail('AWS_CONTAINER_CREDENTIALS_FULL_URI is not set: run this in a terminal that VS Code opened with IAM Switchboard.');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail('AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL: open a new terminal in VS Code.');
  }
  if (url.protocol !== 'http:' || !/^(127\.\d+\.\d+\.\d+|localhost)$/.test(url.hostname)) {
    fail('AWS_CONTAINER_CREDENTIALS_FULL_URI is not the IAM Switchboard endpoint on 127.0.0.1: open a new terminal in VS Code.');
  }
  return url;
}

/**
 * A tool outside VS Code names its own Unix domain socket (`--socket PATH`, Copy credential_process Profile):
 * whoever can connect to it gets the window's role, so it and its folder must be this user's alone.
 */
function checkSocket(socket: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socket);
  } catch {
    fail(EXTERNAL_REVOKED_MESSAGE);
  }
  const me = process.getuid?.();
  for (const [file, entry] of [
    [path.dirname(socket), fs.lstatSync(path.dirname(socket))],
    [socket, stat],
  ] as const) {
    if ((entry.mode & 0o077) !== 0 || (me !== undefined && entry.uid !== me)) {
      fail(`${file} is not yours alone: revoke this program's access in VS Code (Tokens for Other Tools) and copy a new profile.`);
    }
  }
  if (!stat.isSocket()) {
    fail(EXTERNAL_REVOKED_MESSAGE);
  }
}

/**
 * The user ids of the sockets listening on `port` (Linux: /proc/net/tcp and tcp6, readable by everyone), or
 * undefined where that cannot be read. After a reload the window may listen elsewhere and another local user's
 * program may hold the old port: the token must not go there.
 */
function listenerOwners(port: number): number[] | undefined {
  const owners: number[] = [];
  for (const file of PROC_NET_TCP_FILES) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    owners.push(...tcpSockets(text).flatMap((socket) => (socket.listening && socket.localPort === port ? [socket.uid] : [])));
  }
  return owners;
}

function refuseForeignListener(url: URL): void {
  const port = Number(url.port || 80);
  const owners = listenerOwners(port);
  const me = process.getuid?.();
  if (owners && me !== undefined && owners.some((uid) => uid !== me)) {
    fail(
      `Another user's program listens on port ${port}, where this terminal's VS Code window used to serve credentials; its token was not sent: open a new terminal in VS Code.`,
    );
  }
}

/**
 * GET the credentials from the URL with the token, or over the tool's socket (which stands for its token). An agent's
 * process says which agent it is, by its short name only, and gets the agent's identity: the endpoint never hands it
 * the person's. Over TCP the window finds a marker its requester dropped itself (/proc/net/tcp names the peer); over
 * a Unix socket it cannot, so there the helper also names the ancestor carrying the marker (agentProcess).
 */
async function get(target: { url: URL; token: string } | { socket: string }): Promise<{ status: number; body: string }> {
  const agent = agentOf(process.env);
  const marked = 'socket' in target ? await agentProcess() : agent === undefined ? undefined : { pid: process.pid, agent };
  const agentHeader = markedHeaders(marked);
  return new Promise((resolve, reject) => {
    const onAnswer = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req =
      'socket' in target
        ? http.get({ socketPath: target.socket, path: '/credentials', headers: agentHeader, timeout: TIMEOUT_MS }, onAnswer)
        : http.get(target.url, { headers: { Authorization: target.token, ...agentHeader }, timeout: TIMEOUT_MS }, onAnswer);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function parse(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The terminal's endpoint from its environment, checked. */
function fromEnvironment(): { url: URL; token: string } {
  const url = endpointUrl(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
  const token = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN ?? '';
  if (/[^\x20-\x7e]/.test(token)) {
    fail('AWS_CONTAINER_AUTHORIZATION_TOKEN is malformed: open a new terminal in VS Code.');
  }
  refuseForeignListener(url);
  return { url, token };
}

/** The value after `name` on the command line, or undefined. */
function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? '') : undefined;
}

/**
 * The agent this helper runs for: its own marker, else (Linux) the nearest ancestor whose environment at its start
 * names one, so `env -u CLAUDECODE aws …` or `unset COPILOT_AGENT` in an agent's shell still names the agent. The
 * window excuses a marked ancestor that is its own ancestor too (VS Code started from an agent's shell).
 */
async function agentProcess(): Promise<MarkedProcess | undefined> {
  const agent = agentOf(process.env);
  return agent !== undefined ? { pid: process.pid, agent } : markedAncestor(process.pid);
}

/** The headers naming the agent and the process carrying its marker. */
function markedHeaders(marked: MarkedProcess | undefined): Record<string, string> {
  return marked === undefined ? {} : { [AGENT_HEADER]: marked.agent, [AGENT_PROCESS_HEADER]: String(marked.pid) };
}

/**
 * One window's answer for the profile's key, or undefined when that window is gone (a socket left behind). An agent's
 * process says which agent it is and which process carries its marker: the window refuses it the person's long-lived key.
 */
function askWindow(
  socket: string,
  profile: string,
  marked: MarkedProcess | undefined,
): Promise<{ status: number; body: string } | undefined> {
  const headers = markedHeaders(marked);
  return new Promise((resolve) => {
    const req = http.get({ socketPath: socket, path: keyPath(profile), headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}

/**
 * A profile whose key VS Code keeps in its keychain (Move Access Keys to the Keychain): asks each window's socket
 * in the folder, newest first, and prints the first key one has. The folder must be this user's alone.
 */
async function keychainKey(profile: string, folder: string): Promise<void> {
  let names: string[];
  try {
    const stat = fs.lstatSync(folder);
    const me = process.getuid?.();
    if (!stat.isDirectory() || (stat.mode & 0o077) !== 0 || (me !== undefined && stat.uid !== me)) {
      fail(`${folder} is not a folder of yours alone: remove it, then open VS Code so IAM Switchboard makes it again.`);
    }
    names = fs.readdirSync(folder).filter((name) => name.startsWith(`${KEYCHAIN_SOCKET_PREFIX}-`) && name.endsWith('.sock'));
  } catch {
    fail(noWindowMessage(profile));
  }
  const sockets = names
    .map((name) => path.join(folder, name))
    .filter((socket) => {
      const stat = fs.lstatSync(socket, { throwIfNoEntry: false });
      return stat?.isSocket() && (stat.mode & 0o077) === 0;
    })
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  let answered = false;
  const marked = await agentProcess();
  for (const socket of sockets) {
    const answer = await askWindow(socket, profile, marked);
    if (!answer) continue;
    answered = true;
    const body = parse(answer.body);
    if (answer.status === 200 && typeof body.AccessKeyId === 'string' && typeof body.SecretAccessKey === 'string') {
      process.stdout.write(`${JSON.stringify({ Version: 1, AccessKeyId: body.AccessKeyId, SecretAccessKey: body.SecretAccessKey })}\n`);
      return;
    }
    if (answer.status === 403) {
      fail(AGENT_REFUSED_MESSAGE);
    }
  }
  fail(answered ? notInKeychainMessage(profile) : noWindowMessage(profile));
}

async function main(): Promise<void> {
  const keychainProfile = argument(KEYCHAIN_PROFILE_ARGUMENT);
  if (keychainProfile !== undefined) {
    return keychainKey(keychainProfile, argument(KEYCHAIN_FOLDER_ARGUMENT) ?? '');
  }
  const socketArgument = process.argv.indexOf('--socket');
  const socket = socketArgument >= 0 ? (process.argv[socketArgument + 1] ?? '') : undefined;
  if (socket !== undefined) {
    checkSocket(socket);
  }
  const answer = await get(socket !== undefined ? { socket } : fromEnvironment()).catch(() =>
    fail(
      socket !== undefined
        ? EXTERNAL_REVOKED_MESSAGE
        : 'The VS Code window that served AWS credentials to this terminal is closed or was reloaded: open a new terminal in VS Code.',
    ),
  );
  const body = parse(answer.body);
  if (answer.status !== 200) {
    // The endpoint's Message is written for people; anything else is only described, never echoed.
    fail(
      typeof body.Message === 'string'
        ? body.Message
        : `The IAM Switchboard credential endpoint answered HTTP ${answer.status}: see its log in VS Code.`,
    );
  }
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = body;
  if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string' || typeof Expiration !== 'string') {
    fail('The IAM Switchboard credential endpoint answered without credentials: see its log in VS Code.');
  }
  const output = {
    Version: 1,
    AccessKeyId,
    SecretAccessKey,
    ...(typeof Token === 'string' && Token !== '' && { SessionToken: Token }),
    Expiration,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

void main();
