// How the agent tools' MCP server is started: the command, arguments and environment the extension's MCP server
// definition gives VS Code (and the tests use as they are). The token goes in the environment, never on the
// command line, where every local user's `ps` would read it. This module is the extension's side: it loads no MCP SDK.
/** The MCP server's environment, set by mcpLaunch. */
export const AGENT_TOOLS_ENV = {
  /** The endpoint's origin, e.g. http://127.0.0.1:41234 */
  endpoint: 'IAM_SWITCHBOARD_AGENT_ENDPOINT',
  /** The window's agent tools token. */
  token: 'IAM_SWITCHBOARD_AGENT_TOKEN',
  /** The agent's short name, when the definition knows it (VS Code's own agent: copilot). */
  agent: 'IAM_SWITCHBOARD_AGENT',
} as const;

export interface McpLaunchOptions {
  /** The runtime: VS Code's own executable (Electron, run as Node) or a Node binary. */
  execPath: string;
  electron: boolean;
  /** dist/agentMcpServer.js */
  serverPath: string;
  /** The credential endpoint's origin, e.g. http://127.0.0.1:41234 */
  endpoint: string;
  /** The window's agent tools token. */
  token: string;
  /** The agent's short name, when known. */
  agent?: string;
}

export interface McpLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function mcpLaunch(options: McpLaunchOptions): McpLaunch {
  return {
    command: options.execPath,
    args: [options.serverPath],
    env: {
      ...(options.electron && { ELECTRON_RUN_AS_NODE: '1' }),
      [AGENT_TOOLS_ENV.endpoint]: options.endpoint,
      [AGENT_TOOLS_ENV.token]: options.token,
      ...(options.agent !== undefined && { [AGENT_TOOLS_ENV.agent]: options.agent }),
    },
  };
}
