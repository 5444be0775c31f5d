// The agent tools as an MCP server (stdio), for VS Code's agent and any MCP client in VS Code: who am I, list roles,
// request write access, end write access. The process holds no AWS credentials: it asks the window's credential
// endpoint (the /agent/ routes) with the window's agent tools token, which VS Code passes in its environment, never
// on its command line. Built on the SDK's low-level Server, whose tools take JSON Schema as it is (McpServer's take
// zod schemas, a package this extension does not otherwise depend on).
import * as http from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { AGENT_ROUTES } from '../endpoint/agentRoutes';
import { DEFAULT_GRANT_MINUTES, MAX_GRANT_MINUTES } from './grants';
import { AGENT_HEADER, agentName, agentOf } from './markers';
import { AGENT_TOOLS_ENV } from './mcpLaunch';

/** A write request waits for a person to read a modal and decide; other answers are immediate. */
const WRITE_TIMEOUT_MS = 10 * 60_000;
const TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 256 * 1024;

export const AGENT_TOOLS: Tool[] = [
  {
    name: 'whoami',
    title: 'Who am I on AWS',
    description:
      "The AWS identity this agent's commands get (ARN, account, role), its access level, and whether it may write now and until when.",
    inputSchema: { type: 'object', properties: {} },
    annotations: { readOnlyHint: true },
  },
  {
    name: 'list_roles',
    title: 'List AWS roles',
    description: 'The AWS roles of this VS Code window: names, accounts and which accounts are production. No credentials.',
    inputSchema: { type: 'object', properties: {} },
    annotations: { readOnlyHint: true },
  },
  {
    name: 'request_write_access',
    title: 'Request AWS write access',
    description:
      "Asks the person in VS Code for write access on the active role for a while. Agents are read-only by default; the person sees the reason and decides in VS Code's own dialog. Answers whether access was granted and until when.",
    inputSchema: {
      type: 'object',
      properties: {
        reason: { type: 'string', description: 'Why writes are needed: the exact change, in one or two sentences.' },
        minutes: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_GRANT_MINUTES,
          description: `How long (default ${DEFAULT_GRANT_MINUTES}).`,
        },
      },
      required: ['reason'],
    },
  },
  {
    name: 'end_write_access',
    title: 'End AWS write access',
    description: 'Gives write access back as soon as the change is done: the agent is read-only again.',
    inputSchema: { type: 'object', properties: {} },
    annotations: { idempotentHint: true },
  },
];

interface Connection {
  origin: URL;
  token: string;
}

/** The endpoint and token from the environment, or the sentence saying what is missing. */
export function connectionFrom(env: NodeJS.ProcessEnv): Connection | string {
  const token = env[AGENT_TOOLS_ENV.token];
  let origin: URL | undefined;
  try {
    origin = new URL(env[AGENT_TOOLS_ENV.endpoint] ?? '');
  } catch {
    origin = undefined;
  }
  if (!token || origin?.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(origin.hostname)) {
    return 'This MCP server must be started by IAM Switchboard in VS Code, which gives it its endpoint: restart it from VS Code.';
  }
  return { origin, token };
}

/** One request to an /agent/ route: its JSON answer and status, or an Error saying the window is gone. */
function call(
  connection: Connection,
  agent: string,
  method: string,
  route: string,
  body?: object,
): Promise<{ status: number; value: Record<string, unknown> | unknown[] }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(route, connection.origin),
      {
        method,
        timeout: route === AGENT_ROUTES.write && method === 'POST' ? WRITE_TIMEOUT_MS : TIMEOUT_MS,
        headers: {
          Authorization: connection.token,
          [AGENT_HEADER]: agent,
          ...(payload !== undefined && { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) res.destroy(new Error('answer too large'));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A tool's answer. Nothing from the endpoint should hold a key or a token; should one ever appear (an AWS access
 * key id, one of our tokens), the answer is withheld rather than passed to a model.
 */
function answer(value: unknown, connection: Connection, isError = false): CallToolResult {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  if (text.includes(connection.token) || /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|iamsb[fpxa]_/.test(text)) {
    return {
      content: [{ type: 'text', text: 'IAM Switchboard withheld this answer: it looked like it held a credential.' }],
      isError: true,
    };
  }
  return { content: [{ type: 'text', text }], isError };
}

const ROUTES: Record<string, { method: string; route: string }> = {
  whoami: { method: 'GET', route: AGENT_ROUTES.whoami },
  list_roles: { method: 'GET', route: AGENT_ROUTES.roles },
  request_write_access: { method: 'POST', route: AGENT_ROUTES.write },
  end_write_access: { method: 'DELETE', route: AGENT_ROUTES.write },
};

/**
 * The SDK validates with ajv only what a client answers to an elicitation (a form the server asks it to fill), which
 * this server never sends; with this validator instead, the bundle leaves ajv out (esbuild.mjs: a third of its size).
 */
const NO_ELICITATION: jsonSchemaValidator = {
  getValidator() {
    throw new Error('The IAM Switchboard agent tools never ask the client for input.');
  },
};

/** The MCP server, answering through `connection`; the agent is the environment's, else the MCP client's name. */
export function createAgentMcpServer(connection: Connection, env: NodeJS.ProcessEnv = process.env): Server {
  const server = new Server(
    { name: 'iam-switchboard', version: '1.0.0' },
    {
      capabilities: { tools: {} },
      jsonSchemaValidator: NO_ELICITATION,
    },
  );
  const agent = (): string => {
    const named = env[AGENT_TOOLS_ENV.agent];
    return named ? agentName(named) : (agentOf(env) ?? agentName(server.getClientVersion()?.name ?? 'mcp-client'));
  };
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: AGENT_TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const target = ROUTES[request.params.name];
    if (!target) {
      return answer(`No tool named ${request.params.name}: the tools are ${AGENT_TOOLS.map((t) => t.name).join(', ')}.`, connection, true);
    }
    const args = request.params.arguments ?? {};
    const body = request.params.name === 'request_write_access' ? { reason: args.reason, minutes: args.minutes } : undefined;
    try {
      const { status, value } = await call(connection, agent(), target.method, target.route, body);
      if (status === 200) return answer(value, connection);
      const message = (value as { Message?: unknown }).Message;
      return answer(typeof message === 'string' ? message : `IAM Switchboard answered HTTP ${status}.`, connection, true);
    } catch {
      return answer(
        'The VS Code window serving these tools is closed or was reloaded: restart the IAM Switchboard MCP server in VS Code.',
        connection,
        true,
      );
    }
  });
  return server;
}

/** The bundled entry's work: serve MCP on stdin/stdout until the client goes. */
export async function runAgentMcpServer(env: NodeJS.ProcessEnv): Promise<void> {
  const connection = connectionFrom(env);
  if (typeof connection === 'string') {
    process.stderr.write(`${connection}\n`);
    process.exit(1);
  }
  // The token is kept in memory only: a child process of this one has no need of it.
  delete env[AGENT_TOOLS_ENV.token];
  await createAgentMcpServer(connection, env).connect(new StdioServerTransport());
}
