// The agent tools' MCP server as a program (bundled alone as dist/agentMcpServer.js): VS Code starts it through the
// extension's MCP server definition, with the window's endpoint and agent tools token in its environment.
import { runAgentMcpServer } from './core/agents/mcpServer';

void runAgentMcpServer(process.env);
