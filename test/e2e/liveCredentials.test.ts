// Live credentials (terminalCredentials = endpoint, the default): a terminal opened before Assume is the role
// after it, follows a switch with no relaunch, fails with the endpoint's message after Clear, while a pinned
// terminal stays its role; the terminal holds a token, never a key, in its process environment, and is the
// role for the AWS CLI, the JS SDK and boto3 even with [default] keys and an inherited AWS_PROFILE; a
// long-running SDK process follows a refresh; a closed terminal's token stops working.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { projectRoot } from './codeServer';
import {
  clickInlineAction,
  e2eEnv,
  expandTreeItem,
  launchBrowser,
  openViewContainer,
  openWorkbench,
  reloadWorkbench,
  runCommand,
  runInTerminal,
  screenshot,
  statusBarItem,
  terminalTab,
  assumeFromTree,
  scenario,
} from './driver';
import { expectIn, joinedText } from './terminalText';

const { awsUrl, workbenchUrl, workspace, userDataDir } = e2eEnv();
const callerArn = `/usr/bin/aws sts get-caller-identity --endpoint-url ${awsUrl} --query Arn --output text`;
const DEV = /arn:aws:sts::222222222222:assumed-role\/ReadOnly\//;
const PROD = /arn:aws:sts::333333333333:assumed-role\/ReadOnly\//;
const NO_ROLE = /No AWS role is active in VS Code: pick one in IAM Switchboard/;
const folder = path.join(workspace, 'live-credentials');
const settingsPaths = ['User', 'Machine'].map((scope) => path.join(userDataDir, scope, 'settings.json'));

let browser: Browser;
let page: Page;
let original: Array<string | undefined>;

before(async () => {
  fs.mkdirSync(folder, { recursive: true });
  // Terminals inherit AWS_PROFILE=bob, as from a shell profile: the trap that would make them bob, not the role.
  original = settingsPaths.map((file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined));
  for (const [i, file] of settingsPaths.entries()) {
    const settings = original[i] ? (JSON.parse(original[i]!) as Record<string, unknown>) : {};
    const env = { ...(settings['terminal.integrated.env.linux'] as Record<string, string> | undefined), AWS_PROFILE: 'bob' };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ ...settings, 'terminal.integrated.env.linux': env }, null, 2));
  }
  browser = await launchBrowser();
  const url = new URL(workbenchUrl);
  url.searchParams.set('folder', folder);
  page = await openWorkbench(browser, url.toString());
  await openViewContainer(page);
  await expandTreeItem(page, 'dev');
  await expandTreeItem(page, 'prod');
});

after(async () => {
  await browser?.close();
  settingsPaths.forEach((file, i) => (original[i] === undefined ? fs.rmSync(file, { force: true }) : fs.writeFileSync(file, original[i]!)));
});

/** The ordinary terminal of this folder: VS Code names it after its shell. */
const BEFORE = 'bash';

async function openTerminal(): Promise<void> {
  await runCommand(page, 'Terminal: Create New Terminal');
  await page.locator('.part.panel .terminal-wrapper.active .xterm-rows', { hasText: /\S/ }).waitFor({ timeout: 20_000 });
  await terminalTab(page, BEFORE).waitFor({ timeout: 10_000 });
}

scenario('a terminal opened before Assume is the role after it, follows a switch, and fails with a message after Clear', async () => {
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 20_000 });
  await openTerminal();
  await expectIn(page, BEFORE, callerArn, NO_ROLE);
  await assumeFromTree(page, 'dev-readonly');
  await expectIn(page, BEFORE, callerArn, DEV);
  // A pinned terminal, opened while dev is active, as prod.
  await clickInlineAction(page, 'prod-readonly', 'Open Terminal as Role');
  await terminalTab(page, 'AWS: prod-readonly').waitFor({ timeout: 20_000 });
  await expectIn(page, 'AWS: prod-readonly', callerArn, PROD);
  // Switch the window: the terminal from before follows at its next call, the pinned one stays.
  await assumeFromTree(page, 'prod-readonly');
  await expectIn(page, BEFORE, callerArn, PROD);
  await assumeFromTree(page, 'dev-readonly');
  await expectIn(page, BEFORE, callerArn, DEV);
  await expectIn(page, 'AWS: prod-readonly', callerArn, PROD);
  // No relaunch hint: the window's environment did not change with the switches.
  assert.equal(
    await page.locator('.part.panel .terminal-tabs-entry .codicon-warning, .part.panel .terminal-tabs-entry .codicon-info').count(),
    0,
  );
  await screenshot(page, 'live-credentials-switch');
  await runCommand(page, 'IAM Switchboard: Clear Credentials');
  await statusBarItem(page, 'No AWS role').waitFor({ timeout: 10_000 });
  await expectIn(page, BEFORE, callerArn, NO_ROLE);
  await expectIn(page, 'AWS: prod-readonly', callerArn, PROD);
  await screenshot(page, 'live-credentials-cleared');
});

scenario('a terminal holds a token, never a key or session token, in its process environment', async () => {
  await assumeFromTree(page, 'dev-readonly');
  const { marker } = await expectIn(page, BEFORE, 'echo pid=$$', /pid=\d+/);
  const pid = new RegExp(`${marker}:pid=(\\d+)`).exec(await joinedText(page))![1];
  const environ = Object.fromEntries(
    fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  assert.equal(environ.AWS_SECRET_ACCESS_KEY ?? '', '', 'no secret key');
  assert.equal(environ.AWS_SESSION_TOKEN ?? '', '', 'no session token');
  assert.equal(environ.AWS_ACCESS_KEY_ID ?? '', '', 'no access key');
  assert.equal(environ.AWS_PROFILE, 'iam-switchboard', 'the inherited AWS_PROFILE=bob is replaced');
  assert.match(environ.AWS_CONTAINER_AUTHORIZATION_TOKEN, /^[\w-]+,$/, 'the window token, as the collection prepends it');
  assert.match(environ.AWS_CONTAINER_CREDENTIALS_FULL_URI, /^http:\/\/127\.0\.0\.1:\d+\/credentials$/);
  // The generated config holds no secret either: only the person's profiles without keys and ours.
  const config = fs.readFileSync(environ.AWS_CONFIG_FILE, 'utf8');
  assert.doesNotMatch(config, /aws_secret_access_key|aws_session_token/i);
});

scenario('with [default] keys in ~/.aws/credentials and AWS_PROFILE inherited, the JS SDK and boto3 are the role too', async () => {
  const sdk = `node -e "const {STSClient,GetCallerIdentityCommand}=require('@aws-sdk/client-sts');new STSClient({endpoint:'${awsUrl}',region:'eu-west-1'}).send(new GetCallerIdentityCommand({})).then(r=>console.log('sdk='+r.Arn),e=>console.log('sdkfail='+e.name))"`;
  await expectIn(
    page,
    BEFORE,
    `NODE_PATH=${path.join(projectRoot, 'node_modules')} ${sdk}`,
    /sdk=arn:aws:sts::222222222222:assumed-role\/ReadOnly\//,
  );
  const python = pythonWithBoto3();
  if (!python) {
    // Said, not silently passed: the machine image's Python normally has boto3.
    console.log('# boto3 is not installed in any python3 here: the boto3 case is not run');
    return;
  }
  const boto = `timeout 60 ${python} -c "import boto3;print('boto='+boto3.client('sts',endpoint_url='${awsUrl}',region_name='eu-west-1').get_caller_identity()['Arn'])"`;
  await expectIn(page, BEFORE, boto, /boto=arn:aws:sts::222222222222:assumed-role\/ReadOnly\//);
});

scenario('a long-running SDK process keeps working across a refresh and picks up the new access key', async () => {
  const log = path.join(folder, 'long-running.log');
  fs.rmSync(log, { force: true });
  fs.writeFileSync(
    path.join(folder, 'poll.js'),
    [
      "const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');",
      "const fs = require('fs');",
      // A digest of the key id, never the id itself: the secret scan treats every issued key id as a secret.
      "const digest = (id) => require('crypto').createHash('sha256').update(id).digest('hex').slice(0, 12);",
      `const client = new STSClient({ endpoint: '${awsUrl}', region: 'eu-west-1' });`,
      'const tick = async () => {',
      '  try {',
      '    const { accessKeyId } = await client.config.credentials();',
      '    const { Arn } = await client.send(new GetCallerIdentityCommand({}));',
      `    fs.appendFileSync('${log}', 'ok ' + digest(accessKeyId) + ' ' + Arn + '\\n');`,
      '  } catch (e) {',
      `    fs.appendFileSync('${log}', 'fail ' + e.name + '\\n');`,
      '  }',
      '};',
      'setInterval(tick, 2000); tick();',
      'setTimeout(() => process.exit(0), 60000);',
    ].join('\n'),
  );
  // Sessions the local STS issues now end 40 s from now: the role store refreshes halfway, the endpoint serves it.
  await awsControl('clock', { advanceMs: -(3600 - 40) * 1000 });
  try {
    await assumeFromTree(page, 'prod-readonly');
    await runInTerminal(page, BEFORE, `NODE_PATH=${path.join(projectRoot, 'node_modules')} node ${path.join(folder, 'poll.js')} &`);
    const deadline = Date.now() + 60_000;
    let keys = new Set<string>();
    while (Date.now() < deadline) {
      const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
      keys = new Set(lines.filter((l) => l.startsWith('ok ')).map((l) => l.split(' ')[1]));
      if (keys.size >= 2) {
        assert.deepEqual(
          lines.filter((l) => l.startsWith('fail')),
          [],
          'no call failed across the refresh',
        );
        assert.ok(
          lines.every((l) => PROD.test(l)),
          'every call was the role',
        );
        break;
      }
      await page.waitForTimeout(1000);
    }
    assert.ok(keys.size >= 2, `the process saw ${keys.size} access key(s): no refresh reached it`);
  } finally {
    await awsControl('clock', { advanceMs: (3600 - 40) * 1000 });
    fs.rmSync(log, { force: true });
  }
});

scenario("a closed pinned terminal's token stops working", async () => {
  await clickInlineAction(page, 'dev-readonly', 'Open Terminal as Role');
  await terminalTab(page, 'AWS: dev-readonly').waitFor({ timeout: 20_000 });
  const { marker } = await expectIn(
    page,
    'AWS: dev-readonly',
    'echo "tok=$AWS_CONTAINER_AUTHORIZATION_TOKEN url=$AWS_CONTAINER_CREDENTIALS_FULL_URI"',
    /tok=\S+ url=http/,
  );
  const [, token, url] = new RegExp(`${marker}:tok=(\\S+) url=(http\\S+?/credentials)`).exec(await joinedText(page))!;
  assert.equal((await fetch(url, { headers: { Authorization: token } })).status, 200, 'works while the terminal is open');
  await runCommand(page, 'Terminal: Kill the Active Terminal Instance');
  for (let waited = 0; ; waited += 250) {
    const status = (await fetch(url, { headers: { Authorization: token } })).status;
    if (status === 403) break;
    assert.ok(waited < 10_000, `the closed terminal's token still gets ${status}`);
    await page.waitForTimeout(250);
  }
  assert.equal((await fetch(url)).status, 403, 'no token: 403');
  assert.equal((await fetch(url, { headers: { Authorization: 'not-a-token' } })).status, 403, 'wrong token: 403');
});

scenario(
  'after a window reload, a terminal from before keeps its endpoint and the role active before comes back, then follows a switch',
  async () => {
    // The pinned prod-readonly terminal would come back too (pinnedTerminalReload.test.ts), and its tab also reads
    // "bash": closed first, so the one named BEFORE is the ordinary terminal.
    await runInTerminal(page, 'AWS: prod-readonly', 'exit');
    await terminalTab(page, 'AWS: prod-readonly').waitFor({ state: 'detached', timeout: 20_000 });
    await reloadWorkbench(page);
    // prod-readonly (active since the long-running scenario) is assumed again by itself: it needs no MFA code.
    await statusBarItem(page, /prod-readonly/).waitFor({ timeout: 20_000 });
    // VS Code reconnects the terminal with the environment it started with; the window asked for the same port
    // and token again, so the terminal reaches the new window's endpoint.
    await terminalTab(page, BEFORE).waitFor({ timeout: 30_000 });
    await expectIn(page, BEFORE, callerArn, PROD);
    await expandTreeItem(page, 'dev');
    await assumeFromTree(page, 'dev-readonly');
    await expectIn(page, BEFORE, callerArn, DEV);
    await screenshot(page, 'live-credentials-after-reload');
  },
);

async function awsControl(what: 'clock' | 'failure', body: object): Promise<void> {
  const response = await fetch(`${awsUrl}/__test/${what}`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 200, `POST /__test/${what}`);
}

/** The interpreter itself (not a pyenv shim, which needs its own environment) of a python3 that has boto3. */
function pythonWithBoto3(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      return execFileSync(python, ['-c', 'import boto3, sys; print(sys.executable)'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    } catch {
      // try the next one
    }
  }
  return undefined;
}
