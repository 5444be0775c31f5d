// Linux: the agent of the process at the other end of a loopback TCP connection, found without trusting it. The
// connection's socket inode comes from /proc/net/tcp (and tcp6), the process holding it from /proc/<pid>/fd, and
// the agent from its ancestors' initial environments (ancestry.ts), so a process that unset an agent's marker is
// still found below the agent's shell.
import * as fs from 'node:fs/promises';
import type { Socket } from 'node:net';
import { PROC_NET_TCP_FILES, tcpSockets } from '../endpoint/procNetTcp';
import { markedAncestor, ownAncestry } from './ancestry';

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
  return (await markedAncestor(pid, (ancestor) => ours.has(ancestor)))?.agent;
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
