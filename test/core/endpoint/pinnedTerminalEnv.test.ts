// Open Terminal as Role: the terminal gets what every terminal gets (the person's PATH, terminal.integrated.env.*)
// and only its credentials differ. VS Code builds a non-strictEnv terminal's environment as: the shell environment,
// then terminal.integrated.env.*, then TerminalOptions.env (null removes), then the extensions' collections.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Identity } from '../../../src/core/session';
import { endpointEnvironment, pinnedTerminalEnvironment } from '../../../src/core/endpoint/terminalEnv';

const identity: Identity = {
  label: 'dev-deployer',
  arn: 'arn:aws:sts::222222222222:assumed-role/Deployer/alice',
  accountId: '222222222222',
  region: 'eu-central-1',
  credentials: { accessKeyId: 'ASIALOCALPIN00000001', secretAccessKey: 'pinSecret', sessionToken: 'pinToken' },
  origin: { kind: 'sts', roleArn: 'arn:aws:iam::222222222222:role/Deployer', needsMfa: false },
};
const endpoint = { configFile: '/g/aws-config-1', endpointUrl: 'http://127.0.0.1:4000/credentials', followingToken: 'F' };

/** VS Code's order (terminalEnvironment.ts createTerminalEnvironment, then the collections' applyToProcessEnvironment). */
function vscodeTerminalEnv(
  shell: Record<string, string>,
  integrated: Record<string, string>,
  own: Record<string, string | null>,
): Record<string, string> {
  const env: Record<string, string> = { ...shell, ...integrated };
  for (const [name, value] of Object.entries(own)) {
    if (value === null) delete env[name];
    else env[name] = value;
  }
  const collection = endpointEnvironment(endpoint);
  Object.assign(env, collection.replace);
  for (const [name, value] of Object.entries(collection.prepend)) env[name] = value + (env[name] ?? '');
  return env;
}

describe('Open Terminal as Role (endpoint mode)', () => {
  it('keeps the PATH and settings every terminal gets; only the credentials are its own', () => {
    const shell = {
      PATH: '/home/alice/.pyenv/shims:/usr/bin:/bin',
      HOME: '/home/alice',
      AWS_ACCESS_KEY_ID: 'AKIALOCALINHERITED01',
      AWS_SECRET_ACCESS_KEY: 'inherited',
      AWS_PROFILE: 'alice',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x',
    };
    const integrated = { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:4566', PATH: '/home/alice/bin:/home/alice/.pyenv/shims:/usr/bin:/bin' };
    const env = vscodeTerminalEnv(shell, integrated, pinnedTerminalEnvironment(endpoint, 'P', identity));
    assert.equal(env.PATH, integrated.PATH);
    assert.equal(env.HOME, '/home/alice');
    assert.equal(env.AWS_ENDPOINT_URL_STS, 'http://127.0.0.1:4566');
    // Its own token last (the endpoint takes the last), its own region; no inherited key or profile.
    assert.equal(env.AWS_CONTAINER_AUTHORIZATION_TOKEN, 'F,P');
    assert.equal(env.AWS_REGION, 'eu-central-1');
    assert.equal(env.AWS_PROFILE, 'iam-switchboard');
    assert.equal(env.AWS_CONFIG_FILE, '/g/aws-config-1');
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']) {
      assert.ok(!env[name], `${name} is ${env[name]}`);
    }
  });

  it('works the same before the window applies its collection: its own token alone, the generated config', () => {
    const own = pinnedTerminalEnvironment(endpoint, 'P', identity);
    assert.equal(own.AWS_CONTAINER_AUTHORIZATION_TOKEN, 'P');
    assert.equal(own.AWS_CONFIG_FILE, '/g/aws-config-1');
    assert.equal(own.AWS_CONTAINER_CREDENTIALS_FULL_URI, endpoint.endpointUrl);
    assert.equal(own.AWS_ACCESS_KEY_ID, null);
    assert.ok(!Object.values(own).some((v) => v?.includes('pinSecret') || v?.includes('ASIALOCALPIN')), 'no key in a terminal');
  });
});
