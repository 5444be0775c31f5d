// AI agents get their own, narrower identity in the terminals of today's VS Code (issue 21), with the real AWS CLI:
// a terminal started as VS Code's agent starts one is a read-only session of the active role named agent-copilot-…,
// reads and is refused a write, even after it unsets its markers; the person's terminal with the same role is the
// person and writes; a CLAUDECODE=1 command in the person's terminal is the agent, also when it unsets the marker in
// a child shell; after a switch the agent is the new role's agent, after Clear it gets the CLI's one sentence.
//
// The agent terminal: VS Code 1.139 lists its own `run_in_terminal` in vscode.lm.tools, but invoking it from an
// extension needs a chat request's toolInvocationToken ("Invocation context must be provided for this tool", measured
// after its "Run `bash` command?" dialog), and a chat request needs a language model, which this machine has none
// of. So the terminal is made from a terminal profile with exactly the environment 1.139's ToolTerminalCreator gives
// its terminals (`_createCopilotTerminal` in code-server 4.139.1's workbench.js): AI_AGENT, COPILOT_AGENT, GIT_PAGER,
// GIT_MERGE_AUTOEDIT, GIT_EDITOR, DEBIAN_FRONTEND. Only its visibility differs (VS Code's is hideFromUser until shown).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  assumeFromTree,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  pickQuickItem,
  runCommand,
  scenario,
  screenshot,
  statusBarItem,
  terminalTab,
} from './driver';
import { expectIn } from './terminalText';

const { awsUrl, workbenchUrl, workspace, userDataDir, home } = e2eEnv();
const aws = `/usr/bin/aws --endpoint-url ${awsUrl}`;
const callerArn = `${aws} sts get-caller-identity --query Arn --output text`;
const tagRole = `${aws} iam tag-role --role-name ReadOnly --tags Key=checked-by,Value=agent-e2e`;
const folder = path.join(workspace, 'agent-terminals');
const settingsPaths = ['User', 'Machine'].map((scope) => path.join(userDataDir, scope, 'settings.json'));
const awsConfig = path.join(home, '.aws', 'config');

/** The terminal profile, and so the tab, of the agent's terminal. */
const AGENT = 'Agent';
/** The person's own terminal: VS Code names it after its shell. */
const PERSON = 'bash';
/** What VS Code 1.139's agent puts in its terminals' environment (ToolTerminalCreator._createCopilotTerminal). */
const AGENT_TERMINAL_ENV = {
  AI_AGENT: 'github_copilot_vscode_agent',
  COPILOT_AGENT: '1',
  GIT_PAGER: 'cat',
  GIT_MERGE_AUTOEDIT: 'no',
  GIT_EDITOR: ':',
  DEBIAN_FRONTEND: 'noninteractive',
};
/** A role that may write (tag the dev account's roles): test/servers/world.json. */
const DEVELOPER_PROFILE = [
  '',
  '[profile dev-developer]',
  'role_arn = arn:aws:iam::222222222222:role/Developer',
  'source_profile = default',
  'role_session_name = alice',
  '',
].join('\n');

let browser: Browser;
let page: Page;
let originalSettings: Array<string | undefined>;
let originalConfig: string;

before(async () => {
  fs.mkdirSync(folder, { recursive: true });
  originalConfig = fs.readFileSync(awsConfig, 'utf8');
  fs.writeFileSync(awsConfig, originalConfig + DEVELOPER_PROFILE);
  originalSettings = settingsPaths.map((file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
  for (const [i, file] of settingsPaths.entries()) {
    const settings = originalSettings[i] ? (JSON.parse(originalSettings[i]!) as Record<string, unknown>) : {};
    const profiles = { [AGENT]: { path: 'bash', env: AGENT_TERMINAL_ENV, overrideName: true } };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ ...settings, 'terminal.integrated.profiles.linux': profiles }, null, 2));
  }
  browser = await launchBrowser();
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
  await openViewContainer(page);
  await expandTreeItem(page, 'dev');
});

after(async () => {
  await browser?.close();
  fs.writeFileSync(awsConfig, originalConfig);
  settingsPaths.forEach((file, i) =>
    originalSettings[i] === undefined ? fs.rmSync(file, { force: true }) : fs.writeFileSync(file, originalSettings[i]!),
  );
});

async function openAgentTerminal(): Promise<void> {
  await runCommand(page, 'Create New Terminal (With Profile)');
  await pickQuickItem(page, AGENT);
  await terminalTab(page, AGENT).waitFor({ timeout: 20_000 });
  await page.locator('.part.panel .terminal-wrapper.active .xterm-rows', { hasText: /\S/ }).waitFor({ timeout: 20_000 });
}

async function openPersonTerminal(): Promise<void> {
  await runCommand(page, 'Terminal: Create New Terminal');
  await terminalTab(page, PERSON).waitFor({ timeout: 20_000 });
  await page.locator('.part.panel .terminal-wrapper.active .xterm-rows', { hasText: /\S/ }).waitFor({ timeout: 20_000 });
}

const AGENT_DEVELOPER = /arn:aws:sts::222222222222:assumed-role\/Developer\/agent-copilot-alice/;

scenario("VS Code's agent terminal reads as the agent and is refused a write; the person's terminal writes", async () => {
  await assumeFromTree(page, 'dev-developer');
  await openAgentTerminal();
  await expectIn(page, AGENT, callerArn, AGENT_DEVELOPER);
  await expectIn(
    page,
    AGENT,
    `${aws} iam get-role --role-name ReadOnly --query Role.Arn --output text`,
    /arn:aws:iam::222222222222:role\/ReadOnly/,
  );
  await expectIn(
    page,
    AGENT,
    tagRole,
    /AccessDenied.*TagRole.*assumed-role\/Developer\/agent-copilot-alice is not authorized to perform: iam:TagRole.*no session policy allows/,
  );
  // Unsetting the markers does not make the agent the person on Linux: its terminal's shell was started with them.
  await expectIn(page, AGENT, `env -u COPILOT_AGENT -u AI_AGENT ${callerArn}`, AGENT_DEVELOPER);
  await screenshot(page, 'agent-terminal-agent');

  await openPersonTerminal();
  await expectIn(page, PERSON, callerArn, /arn:aws:sts::222222222222:assumed-role\/Developer\/alice/);
  // The shell works the sum out, so the typed line itself never matches.
  await expectIn(page, PERSON, `${tagRole} && echo tagged=$((40+2))`, /tagged=42/);
  await screenshot(page, 'agent-terminal-person');
});

scenario("a CLAUDECODE=1 command in the person's terminal is the agent, also after it unsets the marker in a child shell", async () => {
  const agent = /arn:aws:sts::222222222222:assumed-role\/Developer\/agent-claude-code-alice/;
  await expectIn(page, PERSON, `CLAUDECODE=1 ${callerArn}`, agent);
  // `; true` keeps bash from exec-ing the CLI in its own place: the shell started with the marker stays its ancestor.
  await expectIn(page, PERSON, `CLAUDECODE=1 bash -c 'unset CLAUDECODE; ${callerArn}; true'`, agent);
  await expectIn(page, PERSON, callerArn, /arn:aws:sts::222222222222:assumed-role\/Developer\/alice/);
});

scenario('after a switch the agent terminal is the new role’s agent, and after Clear it gets one sentence', async () => {
  await assumeFromTree(page, 'dev-readonly');
  await expectIn(page, AGENT, callerArn, /arn:aws:sts::222222222222:assumed-role\/ReadOnly\/agent-copilot-alice/);
  await runCommand(page, 'IAM Switchboard: Clear Credentials');
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 10_000 });
  await expectIn(page, AGENT, callerArn, /No AWS role is active in VS Code: pick one in IAM Switchboard/);
  await screenshot(page, 'agent-terminal-cleared');
});
