// Runs the terraform binary. Only `terraform output -json`: it reads state and prints the root module's
// outputs, but it still loads the workspace's backend configuration, so the edge runs it in trusted
// workspaces only. Its stdout can hold sensitive values in clear text, so it is returned, never logged.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { cancelled, UserError } from '../userError';

/** The terraform executable on PATH, or undefined when there is none. */
export async function findTerraform(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<string | undefined> {
  const names =
    platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((ext) => `terraform${ext.toLowerCase()}`) : ['terraform'];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (await isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs `terraform output -json` in `cwd` and returns what it prints (JSON, possibly with sensitive values). */
export function terraformOutputJson(terraform: string, cwd: string, options: RunOptions): Promise<string> {
  const args = ['output', '-no-color', '-json'];
  // TF_INPUT=0: never wait for a prompt nobody can answer; TF_IN_AUTOMATION trims advice meant for humans.
  const env = { ...process.env, TF_INPUT: '0', TF_IN_AUTOMATION: '1' };
  return new Promise((resolve, reject) => {
    const child = execFile(
      terraform,
      args,
      { cwd, env, timeout: options.timeoutMs, signal: options.signal, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => (error ? reject(runError(error, stderr, cwd, options)) : resolve(stdout)),
    );
    child.stdin?.end();
  });
}

type ExecError = Error & { code?: string | number | null; killed?: boolean };

function runError(error: ExecError, stderr: string, cwd: string, options: RunOptions): UserError {
  if (error.name === 'AbortError' || options.signal?.aborted) {
    return cancelled();
  }
  if (error.code === 'ENOENT') {
    return new UserError(`Could not start terraform: install it, or import from a terraform.tfstate file instead.`, 'TerraformNotFound');
  }
  if (error.killed) {
    return new UserError(
      `'terraform output -json' did not finish within ${Math.ceil(options.timeoutMs / 1000)} seconds: run it in a terminal in ${cwd} to see what it waits for.`,
      'TerraformTimedOut',
    );
  }
  const problem = firstProblem(stderr) ?? `exit code ${String(error.code)}`;
  return new UserError(
    `'terraform output -json' failed: ${problem}. Run it in a terminal in ${cwd} for details.`,
    'TerraformFailed',
    stderr.slice(0, 2000),
  );
}

/** The first "Error: ..." line of terraform's boxed diagnostics, without the box. */
function firstProblem(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.replace(/^[\s│╷╵]+/, '').trim())
    .filter(Boolean);
  const error = lines.find((line) => line.startsWith('Error:')) ?? lines[0];
  return error?.replace(/\.$/, '');
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
