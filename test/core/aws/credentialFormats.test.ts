import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import * as util from 'node:util';
import { CREDENTIAL_FORMATS, formatCredentials } from '../../../src/core/aws/credentialFormats';
import type { Identity } from '../../../src/core/session';
import { UserError } from '../../../src/core/userError';

/** Every character a shell might expand or stop at. Real AWS values are base64, but nothing may depend on that. */
const ODD = `a'b"c$d\`e\\f!g%h&i|j;k<l>m(n)o*p?q#r~s {t} u^v’w`;
const expiration = new Date('2026-12-01T12:00:00.000Z');

function identity(secretAccessKey: string): Identity {
  return {
    label: 'dev/ReadOnly',
    arn: 'arn:aws:sts::222222222222:assumed-role/ReadOnly/alice',
    region: 'eu-west-1',
    credentials: { accessKeyId: 'ASIALOCALFORMATS0001', secretAccessKey, sessionToken: 'IQoJLOCALtoken+/=', expiration },
    origin: { kind: 'sts', roleArn: 'arn:aws:iam::222222222222:role/ReadOnly', needsMfa: false },
  };
}

/** What a shell's environment holds after running `script`, for the AWS variables. */
function awsVariablesAfter(shell: string, script: string): Record<string, string> {
  const out = execFileSync(shell, ['-c', `${script}\nenv -0`], { env: { PATH: '/usr/bin:/bin' } }).toString();
  return Object.fromEntries(
    out
      .split('\0')
      .filter((l) => l.startsWith('AWS_'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const expected = (secret: string) => ({
  AWS_ACCESS_KEY_ID: 'ASIALOCALFORMATS0001',
  AWS_SECRET_ACCESS_KEY: secret,
  AWS_SESSION_TOKEN: 'IQoJLOCALtoken+/=',
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_CREDENTIAL_EXPIRATION: expiration.toISOString(),
});

describe('copy credentials as', () => {
  it('offers bash/zsh, fish, PowerShell, cmd, .env and credential_process JSON', () => {
    assert.deepEqual(
      CREDENTIAL_FORMATS.map((f) => f.format),
      ['bash', 'fish', 'powershell', 'cmd', 'dotenv', 'process'],
    );
  });

  for (const shell of ['/bin/bash', '/bin/sh']) {
    it(
      `export lines give ${shell} exactly the values, odd characters included`,
      { skip: !fs.existsSync(shell) && `${shell} is not installed` },
      () => {
        assert.deepEqual(awsVariablesAfter(shell, formatCredentials(identity(ODD), 'bash')), expected(ODD));
      },
    );
  }

  it('fish lines escape only backslash and quote inside single quotes', () => {
    const text = formatCredentials(identity(`it's a \\ back`), 'fish');
    assert.ok(text.includes(`set -gx AWS_SECRET_ACCESS_KEY 'it\\'s a \\\\ back'\n`), text);
    assert.ok(text.startsWith(`set -gx AWS_ACCESS_KEY_ID 'ASIALOCALFORMATS0001'\n`));
  });

  it('PowerShell lines double straight and typographic single quotes and leave $ and ` alone', () => {
    const text = formatCredentials(identity(`it's $x \`n ’q`), 'powershell');
    assert.ok(text.includes(`$Env:AWS_SECRET_ACCESS_KEY = 'it''s $x \`n ’’q'\n`), text);
  });

  it('cmd lines quote the whole assignment, and refuse the characters cmd cannot take literally', () => {
    const text = formatCredentials(identity('a&b|c<d>e^f'), 'cmd');
    assert.ok(text.includes('set "AWS_SECRET_ACCESS_KEY=a&b|c<d>e^f"\n'), text);
    for (const bad of ['50%', 'wow!', 'say "hi"']) {
      assert.throws(
        () => formatCredentials(identity(bad), 'cmd'),
        (e: unknown) => e instanceof UserError && e.code === 'UnquotableValue',
      );
    }
  });

  it('.env lines parse back to the values with Node’s dotenv parser', () => {
    for (const secret of ['abc+/=XYZ', 'with space $HOME "q" #hash']) {
      const parsed = (util as unknown as { parseEnv(text: string): Record<string, string> }).parseEnv(
        formatCredentials(identity(secret), 'dotenv'),
      );
      assert.deepEqual(parsed, expected(secret));
    }
    assert.throws(() => formatCredentials(identity("it's"), 'dotenv'), UserError);
  });

  it('credential_process JSON is Version 1 with the session token and expiry, and without them for long-term keys', () => {
    assert.deepEqual(JSON.parse(formatCredentials(identity(ODD), 'process')), {
      Version: 1,
      AccessKeyId: 'ASIALOCALFORMATS0001',
      SecretAccessKey: ODD,
      SessionToken: 'IQoJLOCALtoken+/=',
      Expiration: expiration.toISOString(),
    });
    const longTerm = { ...identity('s'), credentials: { accessKeyId: 'AKIALOCALFORMATS0002', secretAccessKey: 's' } };
    assert.deepEqual(JSON.parse(formatCredentials(longTerm, 'process')), {
      Version: 1,
      AccessKeyId: 'AKIALOCALFORMATS0002',
      SecretAccessKey: 's',
    });
  });
});
