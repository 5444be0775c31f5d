// The real clients the local servers must satisfy: Debian's AWS CLI and boto3 (the machine image's pyenv Python),
// run as child processes with keys in their environment only. Each reports the AWS error code and message it got.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const AWS_CLI = '/usr/bin/aws';

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** A clean environment: the keys, a region, and no config or credentials file that could lend another identity. */
export function keysEnv(keys: Keys): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    ...(keys.sessionToken ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
  };
}

async function outcome(file: string, args: string[], env: Record<string, string>): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(file, args, { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `aws <service> <command> … --endpoint-url url --output json` with the keys in the environment. */
export function awsCli(url: string, keys: Keys, ...args: string[]): Promise<Outcome> {
  return outcome(AWS_CLI, [...args, '--endpoint-url', url, '--output', 'json'], keysEnv(keys));
}

export const cliSkip = existsSync(AWS_CLI) ? false : 'Debian awscli is not installed at /usr/bin/aws';

function findPython(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import boto3, sys; print(sys.executable)'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

const python = findPython();
export const boto3Skip = python ? false : 'boto3 is not importable by python3 on PATH (the machine image pyenv Python has it)';

const BOTO3_CALL = `
import boto3, botocore.exceptions, json, sys
service, operation, url, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
client = boto3.client(service, endpoint_url=url, region_name="us-east-1")
try:
    result = getattr(client, operation)(**params)
    result.pop("ResponseMetadata", None)
    print(json.dumps(result, default=str))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"error": e.response["Error"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}))
`;

export interface Boto3Answer {
  error?: { Code: string; Message: string };
  status?: number;
  [key: string]: unknown;
}

/** One boto3 client call (snake_case operation name); the answer, or the error code, message and HTTP status. */
export async function boto3Call(url: string, keys: Keys, service: string, operation: string, params: object = {}): Promise<Boto3Answer> {
  const result = await outcome(python!, ['-c', BOTO3_CALL, service, operation, url, JSON.stringify(params)], keysEnv(keys));
  if (result.code !== 0) throw new Error(`boto3 failed: ${result.stderr.slice(-500)}`);
  return JSON.parse(result.stdout) as Boto3Answer;
}
