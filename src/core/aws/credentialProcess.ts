// credential_process run by us instead of the SDK's provider, which has no timeout, cannot be cancelled, and puts
// the whole command line and its stderr into its error (both commonly hold a client secret or a refresh token).
// Here the process is bounded by the request timeout, killed (with its children) when it runs over or the person
// cancels, and a failure names the profile and the exit status only.
import { spawn } from 'node:child_process';
import type { AwsConfigFiles } from './config';
import type { AwsCredentials } from '../session';
import { cancelled, UserError } from '../userError';

/** A credential_process answer is a few KB; more than this is not one. */
const MAX_OUTPUT_BYTES = 1024 * 1024;
/** How much of stderr may reach the log, after redaction. */
const MAX_LOGGED_STDERR = 300;

export interface ProcessOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** The profile's credential_process command, read from the files at call time so it never sits in an AwsProfile. */
export async function credentialProcessCommand(profile: string, files: AwsConfigFiles): Promise<string | undefined> {
  const ini = await import('./iniLoader');
  const { configFile, credentialsFile } = await ini.loadSharedConfigFiles({
    configFilepath: files.configPath,
    filepath: files.credentialsPath,
  });
  return credentialsFile[profile]?.credential_process ?? configFile[profile]?.credential_process;
}

/** Runs the profile's credential_process and returns its credentials (version 1 JSON on stdout). */
export async function processCredentials(profile: string, files: AwsConfigFiles, options: ProcessOptions): Promise<AwsCredentials> {
  const command = await credentialProcessCommand(profile, files);
  if (!command) {
    throw new UserError(`Profile '${profile}' has no credential_process: check it in ~/.aws/config.`, 'CredentialProcessMissing');
  }
  const { code, stdout, stderr } = await run(command, profile, options);
  if (code !== 0) {
    throw new UserError(
      `The credential_process of profile '${profile}' failed (exit status ${code}): run it in a terminal to see why, then try again.`,
      'CredentialProcessFailed',
      stderr ? `stderr (redacted): ${redact(stderr)}` : undefined,
    );
  }
  return parseOutput(stdout, profile);
}

interface Finished {
  code: number | string;
  stdout: string;
  stderr: string;
}

function run(command: string, profile: string, options: ProcessOptions): Promise<Finished> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      return reject(cancelled());
    }
    // Its own process group (POSIX), so a kill reaches whatever the shell started too.
    const child = spawn(command, {
      shell: true,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let failure: UserError | undefined;
    const stop = (why: UserError) => {
      failure ??= why;
      kill(child.pid);
    };
    const timer = setTimeout(
      () =>
        stop(
          new UserError(
            `The credential_process of profile '${profile}' did not finish within ${Math.ceil(options.timeoutMs / 1000)} s and was stopped: run it in a terminal to see what it waits for.`,
            'CredentialProcessTimeout',
          ),
        ),
      options.timeoutMs,
    );
    const onAbort = () => stop(cancelled());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_OUTPUT_BYTES) {
        stop(
          new UserError(
            `The credential_process of profile '${profile}' printed more than 1 MB, which no credentials are: check the command.`,
            'CredentialProcessInvalid',
          ),
        );
      } else {
        out.push(chunk);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (Buffer.concat(err).length < 4096) err.push(chunk);
    });
    child.on('error', () =>
      stop(
        new UserError(
          `The credential_process of profile '${profile}' could not be started: check the command in ~/.aws/config.`,
          'CredentialProcessFailed',
        ),
      ),
    );
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (failure) {
        return reject(failure);
      }
      resolve({
        code: code ?? signal ?? 'unknown',
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

function kill(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Version 1 credential_process JSON; nothing of stdout is ever quoted (it holds the secret). */
function parseOutput(stdout: string, profile: string): AwsCredentials {
  const invalid = (what: string) =>
    new UserError(
      `The credential_process of profile '${profile}' printed ${what}: it must print version 1 credentials JSON (see the AWS CLI docs).`,
      'CredentialProcessInvalid',
    );
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    throw invalid('something that is not JSON');
  }
  if (typeof value !== 'object' || value === null || value.Version !== 1) {
    throw invalid('no "Version": 1');
  }
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = value;
  if (typeof AccessKeyId !== 'string' || !AccessKeyId || typeof SecretAccessKey !== 'string' || !SecretAccessKey) {
    throw invalid('no AccessKeyId and SecretAccessKey');
  }
  const expiration = typeof Expiration === 'string' ? new Date(Expiration) : undefined;
  if (expiration && Number.isNaN(expiration.getTime())) {
    throw invalid('an Expiration that is not a date');
  }
  if (expiration && expiration.getTime() <= Date.now()) {
    throw new UserError(
      `The credential_process of profile '${profile}' returned credentials that have already expired: refresh its source (for example, sign in again) and try again.`,
      'ExpiredToken',
    );
  }
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    sessionToken: typeof SessionToken === 'string' && SessionToken ? SessionToken : undefined,
    expiration,
  };
}

/**
 * stderr for the log: one line, truncated, with anything that may be a secret replaced — values after
 * key=/key: words, and long runs of token characters (keys, JWTs, refresh tokens).
 */
export function redact(stderr: string): string {
  return stderr
    .replace(/\s+/g, ' ')
    .replace(/([\w-]*(?:secret|token|password|passwd|key|credential|auth)[\w-]*\s*[=:]\s*)\S+/gi, '$1[redacted]')
    .replace(/[A-Za-z0-9+/=_.-]{20,}/g, '[redacted]')
    .trim()
    .slice(0, MAX_LOGGED_STDERR);
}
