// `npm run test:desktop`: the extension-host suite (test/vscode/suite) in desktop VS Code through
// @vscode/test-electron, for people with a network: it downloads VS Code into .vscode-test/ first.
// `npm run test:vscode` runs the same suite in code-server and needs no download.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { startServers } from '../servers';
import { projectRoot } from '../e2e/codeServer';
import { demoSettings, prepareDemoHome, prepareDemoWorkspace } from '../e2e/demoWorld';

async function main(): Promise<number> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-desktop-'));
  const servers = await startServers();
  try {
    const home = path.join(root, 'home');
    const workspace = path.join(root, 'workspace');
    const userData = path.join(root, 'user-data');
    prepareDemoWorkspace(workspace);
    const shared = { awsUrl: servers.aws.url, vaultUrl: servers.vault.url, vaultRootToken: servers.vault.rootToken, home, workspace };
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(
      path.join(userData, 'User', 'settings.json'),
      JSON.stringify(
        {
          'workbench.startupEditor': 'none',
          'update.mode': 'none',
          'telemetry.telemetryLevel': 'off',
          ...demoSettings(shared),
        },
        null,
        2,
      ),
    );
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: projectRoot,
      extensionTestsPath: path.join(projectRoot, 'out', 'test', 'vscode', 'index.js'),
      extensionTestsEnv: { ...prepareDemoHome(home), IAM_SWITCHBOARD_E2E: JSON.stringify(shared) },
      launchArgs: [
        workspace,
        '--user-data-dir',
        userData,
        '--extensions-dir',
        path.join(root, 'extensions'),
        '--disable-extensions',
        '--disable-workspace-trust',
      ],
    });
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|download/i.test(message)) {
      console.error(
        [
          `test:desktop: could not download VS Code (${message}).`,
          'This command needs a network that reaches update.code.visualstudio.com.',
          'Without one, `npm run test:vscode` runs the same suite inside code-server, with nothing to download.',
        ].join('\n'),
      );
    } else {
      console.error(`test:desktop: ${message}`);
      if (process.platform === 'linux' && !process.env.DISPLAY) {
        console.error('Desktop VS Code needs a display: on a headless machine run `xvfb-run -a npm run test:desktop`.');
      }
    }
    return 1;
  } finally {
    await servers.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().then((code) => {
  process.exitCode = code;
});
