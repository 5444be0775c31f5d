// ~/.aws/config + catalog at the sizes people report, through the same core functions the edge calls.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AwsConfigFiles, loadAwsConfig } from '../../src/core/aws/config';
import { buildCatalog, type Catalog } from '../../src/core/catalog/roleCatalog';
import { median, timeEach } from './stats';

/**
 * `count` role profiles in `accounts` accounts over 20 source profiles; every tenth chained, every seventh with MFA.
 * The files are in `<home>/.aws/`, so `home` can be a HOME (the UI bench starts code-server with it).
 */
export function writeLargeConfig(
  count: number,
  accounts = 200,
): { dir: { remove(): void }; home: string; files: AwsConfigFiles; lines: number } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iam-switchboard-bench-'));
  const config: string[] = ['[default]', 'region = eu-west-1', ''];
  const credentials: string[] = [];
  for (let s = 0; s < 20; s++) {
    config.push(`[profile source-${s}]`, 'region = eu-west-1', '');
    credentials.push(
      `[source-${s}]`,
      `aws_access_key_id = AKIABENCH${String(s).padStart(11, '0')}`,
      'aws_secret_access_key = benchFakeSecret',
      '',
    );
  }
  for (let i = 0; i < count; i++) {
    const account = String(100000000000 + (i % accounts)).padStart(12, '0');
    config.push(`[profile role-${i}]`, `role_arn = arn:aws:iam::${account}:role/Role${i}`);
    config.push(i % 10 === 9 ? `source_profile = role-${i - 1}` : `source_profile = source-${i % 20}`);
    if (i % 7 === 0) config.push(`mfa_serial = arn:aws:iam::111111111111:mfa/user${i % 20}`);
    if (i % 11 === 0) config.push('external_id = bench', 'duration_seconds = 3600');
    config.push('region = us-east-1', '');
  }
  const awsDir = path.join(root, '.aws');
  fs.mkdirSync(awsDir);
  const files = { configPath: path.join(awsDir, 'config'), credentialsPath: path.join(awsDir, 'credentials') };
  fs.writeFileSync(files.configPath, config.join('\n'));
  fs.writeFileSync(files.credentialsPath, credentials.join('\n'));
  return { dir: { remove: () => fs.rmSync(root, { recursive: true, force: true }) }, home: root, files, lines: config.length };
}

export async function loadAndBuild(files: AwsConfigFiles): Promise<Catalog> {
  const config = await loadAwsConfig(files);
  return buildCatalog({ profiles: config.profiles });
}

export async function configAtScale(
  count: number,
  runs: number,
): Promise<{ profiles: number; lines: number; first: number; median: number; roles: number }> {
  const { dir, files, lines } = writeLargeConfig(count);
  try {
    let roles = 0;
    const run = async () => {
      roles = (await loadAndBuild(files)).roles.length;
    };
    const [first] = await timeEach(1, run);
    return { profiles: count, lines, first, median: median(await timeEach(runs, run)), roles };
  } finally {
    dir.remove();
  }
}
