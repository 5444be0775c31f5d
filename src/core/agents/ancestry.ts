// Linux: which AI agent a process runs under, read from its ancestors' initial environments (/proc/<pid>/environ).
// A process that unsets an agent's marker (or never had it, as a child of `env -u` or `env -i`) is still found below
// the agent's shell, whose environment at its start kept it: `unset` changes a shell's variables, not what
// /proc/<pid>/environ shows. Only this user's processes can be read, which is every process an agent of theirs runs.
// Used by the endpoint for a TCP peer (peerProcess.ts) and by the credential helper for itself (keychain requests).
import * as fs from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { AGENT_HEADER, AGENT_PROCESS_HEADER, agentOf, agentOfHeader, agentProcessOfHeader } from './markers';

/** Deep enough for agent → shell → script → aws → credential helper, with room to spare. */
const MAX_ANCESTORS = 24;

/** The nearest of `pid` and its ancestors whose initial environment names an agent, and that agent. */
export interface MarkedProcess {
  pid: number;
  agent: string;
}

/**
 * The nearest process from `pid` up whose environment at its start names an agent, or undefined (none, not Linux,
 * /proc unreadable). `stop(pid)` ends the walk before that process: the caller's own ancestors say nothing about it.
 */
export async function markedAncestor(pid: number, stop: (pid: number) => boolean = () => false): Promise<MarkedProcess | undefined> {
  if (process.platform !== 'linux') return undefined;
  for (const ancestor of await ancestry(pid)) {
    if (stop(ancestor)) break;
    const agent = agentOf(await environ(ancestor));
    if (agent) return { pid: ancestor, agent };
  }
  return undefined;
}

/** `pid` and its ancestors, nearest first, up to (not including) init. */
export async function ancestry(pid: number): Promise<number[]> {
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

/** The process's own ancestors, read once per process: they do not change while it runs. */
const ownAncestors = new Map<number, Promise<Set<number>>>();

/** `self` and its ancestors (VS Code itself and what started it, for the extension host), as a set. */
export function ownAncestry(self: number = process.pid): Promise<Set<number>> {
  let chain = ownAncestors.get(self);
  if (!chain) {
    chain = ancestry(self).then((pids) => new Set(pids));
    ownAncestors.set(self, chain);
  }
  return chain;
}

/**
 * The agent a request to one of the window's sockets names. The helper names the process carrying the marker it
 * found: a marker on this window's own ancestors (VS Code started from an agent's shell) says nothing about the
 * requester, as for TCP peers. A program that speaks the protocol itself can lie: see the README's threat model.
 */
export async function agentOfRequest(headers: IncomingHttpHeaders): Promise<string | undefined> {
  const agent = agentOfHeader(headers[AGENT_HEADER]);
  const pid = agentProcessOfHeader(headers[AGENT_PROCESS_HEADER]);
  return agent !== undefined && pid !== undefined && (await ownAncestry()).has(pid) ? undefined : agent;
}
