// The agent tools' routes on the credential endpoint (/agent/…): the MCP server (and any other agent tool process)
// holds the window's agentTools token and asks here who its agent is, which roles exist, and for write access. The
// answers come from an AgentBackend and carry names and times only; a refusal is {Code, Message} like the
// credentials route's.
import type { IncomingMessage } from 'node:http';
import type { AgentBackend } from '../agents/backend';
import { UserError } from '../userError';

export const AGENT_ROUTES = {
  whoami: '/agent/whoami',
  roles: '/agent/roles',
  write: '/agent/write',
} as const;

/** A write request's body is a reason and a number: anything near this is not one. */
const MAX_BODY_BYTES = 4096;

export interface RouteAnswer {
  status: number;
  body: object;
}

const refused = (status: number, Code: string, Message: string): RouteAnswer => ({ status, body: { Code, Message } });

export function isAgentRoute(pathname: string): boolean {
  return pathname.startsWith('/agent/');
}

/** Answers an authenticated request for an /agent/ route on behalf of `agent`. */
export async function answerAgentRoute(
  req: IncomingMessage,
  pathname: string,
  agent: string,
  backend: AgentBackend | undefined,
): Promise<RouteAnswer> {
  if (!backend) {
    return refused(404, 'NoAgentTools', 'The IAM Switchboard agent tools are not available in this VS Code window.');
  }
  const route = `${req.method ?? ''} ${pathname}`;
  try {
    switch (route) {
      case `GET ${AGENT_ROUTES.whoami}`:
        return { status: 200, body: await backend.whoami(agent) };
      case `GET ${AGENT_ROUTES.roles}`:
        return { status: 200, body: await backend.listRoles(agent) };
      case `POST ${AGENT_ROUTES.write}`:
        return { status: 200, body: await backend.requestWrite(agent, writeRequest(await readBody(req))) };
      case `DELETE ${AGENT_ROUTES.write}`:
        return { status: 200, body: await backend.endWrite(agent) };
      default:
        return refused(404, 'NotFound', `No agent route ${route}`);
    }
  } catch (error) {
    if (error instanceof UserError) {
      return refused(400, error.code ?? 'Refused', error.message);
    }
    throw error;
  }
}

function writeRequest(body: string): { reason: string; minutes?: number } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new UserError('A write request is JSON: {"reason": "…", "minutes": 15}.', 'BadRequest');
  }
  const { reason, minutes } = (value ?? {}) as Record<string, unknown>;
  if (typeof reason !== 'string' || (minutes !== undefined && typeof minutes !== 'number')) {
    throw new UserError('A write request needs a reason (text) and may give minutes (a number).', 'BadRequest');
  }
  return { reason, minutes };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    // Past the limit the rest is read and dropped, so the refusal can still be answered on the connection.
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      total > MAX_BODY_BYTES
        ? reject(new UserError('The write request is too large: send a short reason.', 'TooLarge'))
        : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}
