// credential_process run by us instead of the SDK's provider, which has no timeout, cannot be cancelled, and puts
// the whole command line and its stderr into its error (both commonly hold a client secret or a refresh token).
// Here the process is bounded by the request timeout, killed (with its children) when it runs over or the person
// cancels, and a failure names the profile and the exit status only. Its stderr is not even read: a program's
// words can hold a secret in any shape (`"client_secret":"…"`, `--password x`, `Bearer …`), and no redaction list
// can know them all; the person runs the command in a terminal to see them.
import { spawn } from 'node:child_process';
import type { AwsConfigFiles } from './config';
import type { AwsCredentials } from '../session';
import { cancelled, UserError } from '../userError';

/** A credential_process answer is a few KB; more than this is not one. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

interface ProcessOptions {
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
    // Fresh: the SDK's file cache would keep the file as it was before a key moved into (or out of) the keychain.
    ignoreCache: true,
  });
  return credentialsFile[profile]?.credential_process ?? configFile[profile]?.credential_process;
}

/** Runs the profile's credential_process and returns its credentials (version 1 JSON on stdout). */
export async function processCredentials(profile: string, files: AwsConfigFiles, options: ProcessOptions): Promise<AwsCredentials> {
  const command = await credentialProcessCommand(profile, files);
  if (!command) {
    throw new UserError(`Profile '${profile}' has no credential_process: check it in ~/.aws/config.`, 'CredentialProcessMissing');
  }
  const { status, stdout } = await run(command, profile, options);
  if (status !== 'exit status 0') {
    throw new UserError(
      `The credential_process of profile '${profile}' failed (${status}): run it in a terminal to see why, then try again.`,
      'CredentialProcessFailed',
      `${status}; what it printed is not logged, as it may hold secrets`,
    );
  }
  return parseOutput(stdout, profile);
}

interface Finished {
  /** `exit status 3`, `stopped by signal SIGTERM`. */
  status: string;
  stdout: string;
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
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const out: Buffer[] = [];
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
        status: code !== null ? `exit status ${code}` : `stopped by signal ${signal ?? 'unknown'}`,
        stdout: Buffer.concat(out).toString('utf8'),
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
