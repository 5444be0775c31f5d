// "Sign in with Console Credentials": which AWS CLI can run `aws login` (2.32+; the one here, 2.9, cannot, and
// is told what to install in one sentence), and the program the terminal runs: `aws login --profile <name>`
// against the person's own config, with the window's terminal profile and credential endpoint not inherited.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { awsCliVersion, cliCanLogin, consoleLoginCommand, loginCacheFile, loginCliProblem } from '../../../src/core/aws/loginSession';
import { UserError } from '../../../src/core/userError';

const run = promisify(execFile);
const AWS_CLI = '/usr/bin/aws';
const noCli = !fs.existsSync(AWS_CLI) && 'Debian awscli is not installed at /usr/bin/aws';

describe('aws login: the CLI and the command', () => {
  it('the AWS CLI here (2.9) is too old, and the sentence names it and what to install', { skip: noCli }, async () => {
    const version = await awsCliVersion(AWS_CLI);
    assert.deepEqual(version?.slice(0, 2), [2, 9]);
    assert.match(
      loginCliProblem(version)!,
      /^Signing in with console credentials needs AWS CLI 2\.32 or later and AWS CLI 2\.9\.\d+ is installed: install the latest AWS CLI version 2 \(https:\/\/docs\.aws\.amazon\.com\/.*\), then try again\.$/,
    );
  });

  it('no AWS CLI at all is said so; 2.32 and later can sign in', async () => {
    assert.equal(await awsCliVersion('/nonexistent/aws'), undefined);
    assert.match(loginCliProblem(undefined)!, /and no AWS CLI was found on PATH: install/);
    assert.equal(loginCliProblem([2, 32, 0]), undefined);
    assert.equal(cliCanLogin([2, 31, 39]), false);
    assert.equal(cliCanLogin([2, 33, 1]), true);
    assert.equal(cliCanLogin([3, 0, 0]), true);
  });

  it('the cache file is where the SDK provider looks: the SHA-256 of login_session in AWS_LOGIN_CACHE_DIRECTORY', () => {
    assert.equal(
      loginCacheFile('arn:aws:iam::111111111111:user/alice', { AWS_LOGIN_CACHE_DIRECTORY: '/c' }),
      path.join('/c', `${createHash('sha256').update('arn:aws:iam::111111111111:user/alice').digest('hex')}.json`),
    );
  });

  it(
    "the terminal runs aws login --profile against the person's config, without the window's profile or endpoint",
    { skip: process.platform === 'win32' && 'POSIX env(1)' },
    async () => {
      const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-fake-aws-'));
      // A stand-in `aws` that prints what it was given.
      fs.writeFileSync(path.join(bin, 'aws'), '#!/bin/sh\necho "$@"\nenv | grep ^AWS_ | sort\n', { mode: 0o755 });
      const { shellPath, shellArgs } = consoleLoginCommand('console', '/home/me/.aws/config');
      const { stdout } = await run(shellPath, shellArgs, {
        env: {
          PATH: `${bin}:/usr/bin:/bin`,
          AWS_CONFIG_FILE: '/globalStorage/iam-switchboard-terminal-config',
          AWS_PROFILE: 'iam-switchboard',
          AWS_DEFAULT_PROFILE: 'iam-switchboard',
          AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:1/credentials',
          AWS_CONTAINER_AUTHORIZATION_TOKEN: 'following-token,',
          AWS_REGION: 'eu-west-1',
        },
      });
      assert.deepEqual(stdout.trim().split('\n'), [
        'login --profile console',
        'AWS_CONFIG_FILE=/home/me/.aws/config',
        'AWS_REGION=eu-west-1',
      ]);
      fs.rmSync(bin, { recursive: true, force: true });
    },
  );

  it('a profile name a shell could read otherwise is refused before anything runs', () => {
    assert.throws(
      () => consoleLoginCommand('dev; rm -rf ~', '/c'),
      (e: unknown) => e instanceof UserError && e.code === 'InvalidProfileName',
    );
    const windows = consoleLoginCommand('dev', 'C:\\Users\\me\\.aws\\config', 'win32');
    assert.deepEqual(windows.shellArgs.slice(0, 2), ['/d', '/c']);
    assert.match(
      windows.shellArgs[2],
      /^set "AWS_CONFIG_FILE=C:\\Users\\me\\.aws\\config" && set "AWS_PROFILE=" && .* && aws login --profile dev$/,
    );
  });
});
