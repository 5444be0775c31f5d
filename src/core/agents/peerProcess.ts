// Linux: the agent of the process at the other end of a loopback TCP connection, found without trusting it. The
// connection's socket inode comes from /proc/net/tcp (and tcp6), the process holding it from /proc/<pid>/fd, and
// its ancestors' initial environments from /proc/<pid>/environ: a process that unsets an agent's marker (or never
// had it, as a child of `env -u`) is still found below the agent's shell, whose environment at its start kept it.
// Only this user's processes can be read, which is every process a terminal of this window runs.
import * as fs from 'node:fs/promises';
import type { Socket } from 'node:net';
import { PROC_NET_TCP_FILES, tcpSockets } from '../endpoint/procNetTcp';
import { agentOf } from './markers';

/** Deep enough for agent → shell → script → aws → credential helper, with room to spare. */
const MAX_ANCESTORS = 24;

/** The agent of the peer of `socket`, or undefined (no agent, not Linux, the peer already gone). */
export async function agentOfPeer(socket: Socket, self: number = process.pid): Promise<string | undefined> {
  if (process.platform !== 'linux' || socket.remotePort === undefined || socket.localPort === undefined) {
    return undefined;
  }
  const inode = await socketInode(socket.remotePort, socket.localPort);
  const pid = inode && (await holderOf(inode));
  if (!pid) {
    return undefined;
  }
  // The window's own ancestors (VS Code itself and what started it) are not the requester's: their markers, if
  // VS Code was started from an agent's shell, say nothing about this request.
  const ours = await ownAncestry(self);
  for (const ancestor of await ancestry(pid)) {
    if (ours.has(ancestor)) break;
    const agent = agentOf(await environ(ancestor));
    if (agent) return agent;
  }
  return undefined;
}

/** The inode of the socket whose local port is `peerPort` and remote port `ourPort` (the client's end). */
async function socketInode(peerPort: number, ourPort: number): Promise<string | undefined> {
  for (const file of PROC_NET_TCP_FILES) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    const socket = tcpSockets(text).find((s) => s.localPort === peerPort && s.remotePort === ourPort && s.inode !== '0');
    if (socket) return socket.inode;
  }
  return undefined;
}

/** The process holding the socket `inode`, newest processes first (the requester has usually just started). */
async function holderOf(inode: string): Promise<number | undefined> {
  const target = `socket:[${inode}]`;
  const pids = (await fs.readdir('/proc'))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => b - a);
  for (const pid of pids) {
    const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      if ((await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === target) {
        return pid;
      }
    }
  }
  return undefined;
}

/** The window's own ancestors, read once per process: they do not change while it runs. */
const ownAncestors = new Map<number, Promise<Set<number>>>();

function ownAncestry(self: number): Promise<Set<number>> {
  let chain = ownAncestors.get(self);
  if (!chain) {
    chain = ancestry(self).then((pids) => new Set(pids));
    ownAncestors.set(self, chain);
  }
  return chain;
}

/** `pid` and its ancestors, nearest first, up to (not including) init. */
async function ancestry(pid: number): Promise<number[]> {
  const chain: number[] = [];
  for (let current = pid; current > 1 && chain.length < MAX_ANCESTORS;) {
    chain.push(current);
    const stat = await fs.readFile(`/proc/${current}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
    current = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? 0);
  }
  return chain;
}

/** A process's environment as it was started (NUL-separated NAME=value); empty when it cannot be read. */
async function environ(pid: number): Promise<Record<string, string>> {
  const text = await fs.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}
