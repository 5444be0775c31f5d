// Runs the terraform binary. Only `terraform output -json`: it reads state and prints the root module's
// outputs, but it still loads the workspace's backend configuration, so the edge runs it in trusted
// workspaces only. Its stdout can hold sensitive values in clear text, so it is returned, never logged; its stderr
// can quote configuration values (a variable's line in a diagnostic), so only a fixed heading of it is ever shown.
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

interface RunOptions {
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
  const heading = errorHeading(stderr);
  return new UserError(
    `'terraform output -json' failed (exit code ${String(error.code)})${heading ? `: ${heading}` : ''}. Run 'terraform output -json' in a terminal in ${cwd} to see its full output.`,
    'TerraformFailed',
  );
}

/**
 * The summary of terraform's first boxed diagnostic ("│ Error: Backend initialization required, ..."), and only
 * when it holds words and nothing that could be a value: no digits, quotes (other than a quoted terraform
 * command), colons, slashes or `=`. Undefined otherwise; the lines below a heading quote the configuration.
 */
function errorHeading(stderr: string): string | undefined {
  const first = stderr
    .split('\n')
    .map((line) => line.replace(/^[\s│╷╵]+/, '').trim())
    .find((line) => line.startsWith('Error: '));
  const summary = first?.slice('Error: '.length).replace(/\.$/, '');
  if (!summary || summary.length > 100) return undefined;
  return /^[A-Za-z][A-Za-z ,'-]*$/.test(summary.replace(/"terraform [a-z -]+"/g, 'cmd')) ? summary : undefined;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
