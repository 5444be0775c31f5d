// Which AI agent, if any, an environment belongs to. Agents mark the processes they run with an environment variable
// (VS Code's agent terminals: COPILOT_AGENT and AI_AGENT; CLI agents: CLAUDECODE, CURSOR_AGENT, CODEX_*, …; sources in
// /work/shared/agents.md, microsoft/vscode#311734). Markers are cooperative: they tell an agent's commands from a
// person's, they do not stop a program that removes them.

/** The header the credential helper names its agent in: the agent's short name only, never other environment content. */
export const AGENT_HEADER = 'x-iam-switchboard-agent';

/** A short agent name fits a session name and SourceIdentity: `[\w+=,.@-]`, short enough to leave room for more. */
const AGENT_NAME = /^[\w+=,.@-]{1,32}$/;
/** AI_AGENT's value for VS Code's own agent (microsoft/vscode PR #320129). */
const VSCODE_AGENT = 'github_copilot_vscode_agent';

/** Each marker and the agent it names, in the order they are checked: a vendor's own marker before the generic one. */
const MARKERS: readonly (readonly [variable: string, agent: string])[] = [
  ['COPILOT_AGENT', 'copilot'],
  ['CLAUDECODE', 'claude-code'],
  ['CURSOR_AGENT', 'cursor'],
  ['CODEX_SANDBOX', 'codex'],
  ['CODEX_THREAD_ID', 'codex'],
  ['GEMINI_CLI', 'gemini-cli'],
  ['KIRO_SESSION_ID', 'kiro'],
  ['AUGMENT_AGENT', 'augment'],
  ['OPENCODE', 'opencode'],
];

/** Every variable that can mark an agent: test harnesses started from an agent's shell clear them. */
export const AGENT_MARKER_VARIABLES: readonly string[] = ['AI_AGENT', ...MARKERS.map(([variable]) => variable)];

/** Set means present and not explicitly off: CLAUDECODE=1, CODEX_THREAD_ID=<id>, but not CLAUDECODE= or =0. */
function isSet(value: string | undefined): value is string {
  return value !== undefined && !['', '0', 'false'].includes(value.trim().toLowerCase());
}

/** The agent `env` belongs to, as a short name usable in a session name ('claude-code', 'copilot'), or undefined. */
export function agentOf(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.AI_AGENT?.trim() === VSCODE_AGENT) {
    return 'copilot';
  }
  for (const [variable, agent] of MARKERS) {
    if (isSet(env[variable])) {
      return agent;
    }
  }
  return isSet(env.AI_AGENT) ? agentName(env.AI_AGENT) : undefined;
}

/**
 * `raw` (an AI_AGENT value, an agent header) as a short agent name: lower case, other characters made '-', cut to
 * fit. Something still names an agent even when nothing of it is usable: 'agent'.
 */
export function agentName(raw: string): string {
  const name = raw
    .trim()
    .toLowerCase()
    .replace(/[^\w+=,.@-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32);
  return AGENT_NAME.test(name) ? name : 'agent';
}

/**
 * The process carrying the marker the credential helper found (itself, or on Linux the nearest ancestor started with
 * one): a window excuses a marker on its own ancestors (VS Code started from an agent's shell).
 */
export const AGENT_PROCESS_HEADER = 'x-iam-switchboard-agent-process';

/** The pid a request's AGENT_PROCESS_HEADER gives, if it is one. */
export function agentProcessOfHeader(header: string | string[] | undefined): number | undefined {
  return typeof header === 'string' && /^[1-9]\d{0,9}$/.test(header) ? Number(header) : undefined;
}

/** The agent a request names in its AGENT_HEADER (any value names one: a malformed header is still an agent). */
export function agentOfHeader(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  return value === undefined ? undefined : agentName(value);
}
