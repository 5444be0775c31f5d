// credential_process as a role's source: bounded, cancellable, killed when it hangs, and never quoted.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadAwsConfig } from '../../../src/core/aws/config';
import { buildCatalog } from '../../../src/core/catalog/roleCatalog';
import { assumeRole } from '../../../src/core/sts/assumeRole';
import { type AwsServer, startAwsServer } from '../../servers/aws';
import { rejectsWith } from '../rejectsWith';

const SECRET = 'LOCALTESTclientSecret0123456789abcdef';

/** A config whose role `r` takes its source from `credential_process = <command>`; a node script stands in for the tool. */
function configWith(script: string): { configPath: string; credentialsPath: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credproc-'));
  fs.writeFileSync(path.join(dir, 'tool.js'), script);
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(dir, 'tool.js'))} --client-secret=${SECRET}`;
  fs.writeFileSync(
    path.join(dir, 'config'),
    `[profile tool]\ncredential_process = ${command}\n[profile r]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = tool\nrole_session_name = alice\n`,
  );
  fs.writeFileSync(path.join(dir, 'credentials'), '');
  return { configPath: path.join(dir, 'config'), credentialsPath: path.join(dir, 'credentials'), dir };
}

/** Whether `pid` still runs, waiting a moment for a kill to land; a zombie (killed, not yet reaped) is dead. */
async function isAlive(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    let state: string;
    try {
      process.kill(pid, 0);
      state = fs.existsSync(`/proc/${pid}/stat`) ? (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'R') : 'R';
    } catch {
      state = 'gone';
    }
    if (state === 'gone' || state === 'Z' || state === 'X') return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('credential_process', () => {
  let server: AwsServer;
  before(async () => (server = await startAwsServer()));
  after(() => server.close());

  async function assume(files: { configPath: string; credentialsPath: string }, extra: { timeoutMs?: number; signal?: AbortSignal } = {}) {
    const config = await loadAwsConfig(files);
    const role = buildCatalog({ profiles: config.profiles }).roles.find((r) => r.profile === 'r')!;
    return assumeRole(role, {
      config,
      endpoint: server.url,
      region: 'eu-west-1',
      timeoutMs: extra.timeoutMs ?? 5000,
      signal: extra.signal,
    });
  }

  test('its credentials are the source of the role', async () => {
    const files = configWith(
      `console.log(JSON.stringify({ Version: 1, AccessKeyId: 'AKIALOCALALICE000001', SecretAccessKey: 'aliceLocalSecretKey00000000000000000000A' }));`,
    );
    assert.match((await assume(files)).arn ?? '', /assumed-role\/ReadOnly\/alice/);
  });

  test('a failing process is reported by profile and exit status; nothing it printed, in any shape, is shown or logged', async () => {
    const files = configWith(
      [
        `console.error('error: refresh_token=LOCALTESTrefresh0123456789abcdefgh rejected for ' + process.argv[2]);`,
        `console.error(JSON.stringify({ error: 'invalid_client', client_secret: 'hunter2s3cret' }));`,
        `console.error('retrying with --password pa55word and Authorization: Bearer tok3nValue');`,
        `console.log('partial AKIALOCALSTDOUT00001');`,
        `process.exit(3);`,
      ].join(' '),
    );
    const error = await rejectsWith(assume(files), 'CredentialProcessFailed');
    assert.equal(
      error.message,
      "The credential_process of profile 'tool' failed (exit status 3): run it in a terminal to see why, then try again.",
    );
    assert.equal(error.detail, 'exit status 3; what it printed is not logged, as it may hold secrets');
    const everything = `${error.message} ${error.detail} ${error.stack}`;
    for (const secret of [SECRET, 'LOCALTESTrefresh', 'tool.js', 'hunter2s3cret', 'pa55word', 'tok3nValue', 'AKIALOCALSTDOUT']) {
      assert.ok(!everything.includes(secret), `${secret} in ${everything}`);
    }
  });

  test('a process that hangs is stopped at the timeout and killed', async () => {
    const files = configWith('');
    const pidFile = path.join(files.dir, 'pid');
    fs.writeFileSync(
      path.join(files.dir, 'tool.js'),
      `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => undefined, 1000);`,
    );
    await rejectsWith(assume(files, { timeoutMs: 700 }), 'CredentialProcessTimeout');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.equal(await isAlive(pid), false, 'the hung process was killed');
  });

  test('a process that hangs is killed when the person cancels', async () => {
    const files = configWith('');
    const pidFile = path.join(files.dir, 'pid');
    fs.writeFileSync(
      path.join(files.dir, 'tool.js'),
      `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => undefined, 1000);`,
    );
    const controller = new AbortController();
    const waitForPid = setInterval(() => fs.existsSync(pidFile) && (clearInterval(waitForPid), controller.abort()), 20);
    await rejectsWith(assume(files, { timeoutMs: 30_000, signal: controller.signal }), 'Cancelled');
    assert.equal(await isAlive(Number(fs.readFileSync(pidFile, 'utf8'))), false);
  });

  test('output that is not credentials, or expired ones, is refused without quoting it', async () => {
    const garbage = await rejectsWith(assume(configWith(`console.log('AccessKeyId=${SECRET}')`)), 'CredentialProcessInvalid');
    assert.ok(!garbage.message.includes(SECRET));
    await rejectsWith(
      assume(
        configWith(
          `console.log(JSON.stringify({ Version: 1, AccessKeyId: 'AKIALOCALALICE000001', SecretAccessKey: 'x', Expiration: '2001-01-01T00:00:00Z' }))`,
        ),
      ),
      'ExpiredToken',
    );
  });
});
