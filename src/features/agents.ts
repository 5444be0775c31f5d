// The AI agent features, wired in one place: write grants decided by the person in the extension's own modal, the
// agent tools as language model tools and as an MCP server VS Code starts, the "Agent access" view and a status
// bar item while an agent may write. Activation registers only: no SDK, no I/O (the MCP server is a program of its
// own, dist/agentMcpServer.js, and its token is issued when VS Code resolves the server, in memory only). What
// answers the tools, the write-access dialog and the grant commands load on first use.
import * as vscode from 'vscode';
import { registerAgentStatusBar } from '../agentStatusBar';
import type { Settings } from '../configuration/settings';
import { type AgentIssue, writeTarget } from '../core/agents/agentIdentities';
import type { AgentBackend, AgentRoleInfo, GrantingBackend } from '../core/agents/backend';
import { WriteGrants } from '../core/agents/grants';
import { type AgentToolName, callAgentTool, LM_TOOL_NAMES } from '../core/agents/lmTools';
import { mcpLaunch } from '../core/agents/mcpLaunch';
import { onRoleLeft } from '../core/agents/sessionChange';
import type { Session } from '../core/session';
import type { Guardrails } from '../store/guardrails';
import type { RoleCatalogStore } from '../store/roleCatalogStore';
import type { RoleSessionStore } from '../store/roleSession';
import type { EndpointHost } from '../terminals/endpointHost';
import { AgentTreeProvider } from '../treeViews/agentTree';
import { lazyFeature } from './lazy';

/** VS Code's own agent (its chat) calls the language model tools and the MCP server VS Code starts. */
const CHAT_AGENT = 'copilot';
export const MCP_PROVIDER_ID = 'iamSwitchboard.agentTools';

export interface AgentsDeps {
  session: Session;
  catalog: RoleCatalogStore;
  roles: RoleSessionStore;
  guardrails: Guardrails;
  endpoint: EndpointHost;
  settings: () => Settings;
  log: vscode.LogOutputChannel;
}

/** For the extension-host tests only: the MCP provider (to start the server exactly as VS Code would), the view. */
export interface AgentsActivation {
  mcpProvider: vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition>;
  tree: AgentTreeProvider;
}

export function activateAgents(context: vscode.ExtensionContext, deps: AgentsDeps): AgentsActivation {
  const { session, endpoint, log } = deps;
  const grants = new WriteGrants();
  const tree = new AgentTreeProvider(grants);
  const view = vscode.window.createTreeView('iamSwitchboard.agents', { treeDataProvider: tree });
  tree.follow(view);
  /** Per agent, its credentials under the current role (forgotten when the person leaves the role). */
  const current = new Map<string, AgentIssue>();
  const catalogRoles = catalogView(deps);
  // What answers the tools, with its write-access dialog, is loaded on the first call of a tool.
  let loading: Promise<GrantingBackend> | undefined;
  const granting = () =>
    (loading ??= import('./agentBackend').then(
      (answering) =>
        answering.grantingBackend({
          grants,
          access: () => deps.settings().agents.access,
          roles: () => catalogRoles.roles,
          activeRole: () => catalogRoles.active(),
          agentIdentity: (agent) => {
            const issue = current.get(agent);
            return issue && { arn: issue.arn, accountId: issue.arn?.split(':')[4], role: issue.roleArn };
          },
        }),
      (error: unknown) => {
        loading = undefined; // the next call tries again
        throw error;
      },
    ));
  // The catalog is read (once, then cached by its store) before answering; whoami asks the endpoint for the
  // agent's identity, as the agent's first command would (its ARN only reaches the answer).
  const backend: AgentBackend = {
    whoami: async (agent) => {
      const [answering] = await Promise.all([granting(), catalogRoles.load(), endpoint.agentIdentityOf(agent)]);
      return answering.whoami(agent);
    },
    listRoles: async () => {
      const [answering] = await Promise.all([granting(), catalogRoles.load()]);
      return answering.listRoles();
    },
    requestWrite: async (agent, request) => {
      const [answering] = await Promise.all([granting(), catalogRoles.load()]);
      return answering.requestWrite(agent, request);
    },
    endWrite: async (agent) => (await granting()).endWrite(agent),
  };
  context.subscriptions.push(
    view,
    tree,
    grants,
    endpoint.useAgentFeatures(grants, backend),
    endpoint.onDidIssueAgent((issue) => {
      current.set(issue.agent, issue);
      tree.issued(issue);
    }),
    grants.onDidChange((grant) => {
      const where = `${grant.account.name}/${grant.role}`;
      const what = grant.state === 'ended' ? `ended (${grant.endReason})` : grant.state;
      log.info(`Agent ${grant.agent}: write access to ${where} for ${grant.minutes} minutes ${what}`);
    }),
    // Clear or another role: every grant ends (a refresh of the same role keeps them).
    onRoleLeft(session, (change) => {
      current.clear();
      grants.endAll(change);
    }),
  );
  registerAgentStatusBar(context, grants);
  lazyFeature(
    context,
    log,
    ['iamSwitchboard.grantAgentWriteAccess', 'iamSwitchboard.endAgentWriteAccess'],
    () => import('../commands/agentWrite'),
    (commands) =>
      commands.registerAgentWriteCommands(context, {
        grants,
        activeRole: async () => (await catalogRoles.load(), catalogRoles.active()),
        seenAgents: () => [...current.keys()],
        log,
      }),
  );
  registerLanguageModelTools(context, backend);
  const mcpProvider = mcpServerProvider(context, endpoint);
  registerMcpProvider(context, mcpProvider);
  return { mcpProvider, tree };
}

/** The catalog's roles as agents may see them, read when a tool is called, never at activation. */
function catalogView({ catalog, guardrails, session, roles }: AgentsDeps) {
  let list: AgentRoleInfo[] = [];
  let names = new Map<string, string>();
  return {
    get roles() {
      return list;
    },
    async load() {
      const { catalog: loaded } = await catalog.get();
      names = new Map(loaded.accounts.map((a) => [a.id, a.alias ?? a.id]));
      const mark = guardrails.productionMarker(loaded.accounts);
      list = loaded.roles.map((r) => ({
        label: r.label,
        accountId: r.accountId,
        accountName: names.get(r.accountId) ?? r.accountId,
        roleName: r.name,
        production: mark(r).production,
      }));
    },
    active(): AgentRoleInfo | undefined {
      const identity = session.identity;
      if (!identity) return undefined;
      const target = writeTarget(identity, roles.activeRole);
      return {
        label: identity.label,
        accountId: target.accountId,
        accountName: names.get(target.accountId) ?? target.accountId,
        roleName: target.role,
        production: guardrails.identityProduction(identity).production,
      };
    },
  };
}

/** The four tools for VS Code's agent, in process. An old VS Code without `vscode.lm` gets none. */
function registerLanguageModelTools(context: vscode.ExtensionContext, backend: AgentBackend): void {
  const lm = (vscode as { lm?: Partial<typeof vscode.lm> }).lm;
  if (typeof lm?.registerTool !== 'function') return;
  for (const [tool, name] of Object.entries(LM_TOOL_NAMES) as [AgentToolName, string][]) {
    context.subscriptions.push(
      lm.registerTool(name, {
        invoke: async (options) =>
          new vscode.LanguageModelToolResult([
            new vscode.LanguageModelTextPart(await callAgentTool(backend, CHAT_AGENT, tool, options.input)),
          ]),
        prepareInvocation: () => ({
          invocationMessage: tool === 'request_write_access' ? 'Asking you for AWS write access (in a dialog)' : 'Reading IAM Switchboard',
        }),
      }),
    );
  }
}

/**
 * The MCP server definition: provided without any token (no I/O at activation), resolved when VS Code starts it:
 * then the endpoint starts and the window's agent tools token goes into the server's environment.
 */
function mcpServerProvider(
  context: vscode.ExtensionContext,
  endpoint: EndpointHost,
): vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition> {
  const serverPath = context.asAbsolutePath('dist/agentMcpServer.js');
  const version = String((context.extension.packageJSON as { version?: unknown }).version ?? '0');
  return {
    provideMcpServerDefinitions: () => [
      new vscode.McpStdioServerDefinition('IAM Switchboard', process.execPath, [serverPath], {}, version),
    ],
    resolveMcpServerDefinition: async (server) => {
      const { origin, token } = await endpoint.agentTools();
      const launch = mcpLaunch({
        execPath: process.execPath,
        electron: !!process.versions.electron,
        serverPath,
        endpoint: origin,
        token,
        agent: CHAT_AGENT,
      });
      server.command = launch.command;
      server.args = launch.args;
      server.env = launch.env;
      return server;
    },
  };
}

function registerMcpProvider(
  context: vscode.ExtensionContext,
  provider: vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition>,
): void {
  const lm = (vscode as { lm?: Partial<typeof vscode.lm> }).lm;
  if (typeof lm?.registerMcpServerDefinitionProvider !== 'function' || typeof vscode.McpStdioServerDefinition !== 'function') return;
  context.subscriptions.push(lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, provider));
}
