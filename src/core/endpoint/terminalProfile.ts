// The generated AWS config that terminals in endpoint mode use (AWS_CONFIG_FILE): the person's own config with
// every credential line removed, plus a `[profile iam-switchboard]` whose credential_process asks the window's
// endpoint. AWS_PROFILE=iam-switchboard then beats a `[default]` with static keys and an inherited AWS_PROFILE,
// for the CLI and every SDK, while the person's other profiles keep working; no secret is ever written.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { cliRejectedLines } from '../aws/iniLines';
import { UserError } from '../userError';

export const TERMINAL_PROFILE = 'iam-switchboard';
const FILE_NAME = 'aws-config';
/** Keys whose values are secrets (or key ids); their lines never reach the generated file. */
const CREDENTIAL_KEYS = new Set(['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'aws_security_token']);

interface HelperCommandOptions {
  /** process.execPath of the extension host: Node (code-server) or Electron (desktop VS Code). */
  execPath: string;
  /** Absolute path of dist/credentialHelper.js. */
  helperPath: string;
  /** The host is Electron: run it as Node. */
  electron: boolean;
  platform?: NodeJS.Platform;
}

/** The argv of the credential_process command. */
export function helperCommand(options: HelperCommandOptions): string[] {
  if (options.electron && (options.platform ?? process.platform) !== 'win32') {
    // credential_process cannot set an environment variable, so env(1) does: Electron then runs as plain Node.
    return ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', options.execPath, options.helperPath];
  }
  return [options.execPath, options.helperPath];
}

/**
 * One command line that every reader splits the same way: botocore splits it with shlex (POSIX), the JS SDK and
 * the Go SDK v2 (Terraform) run it through /bin/sh. Measured: the Go SDK's ini parser strips a pair of quotes
 * around the whole value, so `"node" "helper"` (or '...' '...') reaches sh as one word; backslash escapes, which
 * shlex and sh read alike, keep the line from ever starting with a quote. On Windows, where paths hold no
 * quotes, an argument is double-quoted only when it must be. The JS SDK's ini parser cuts a line at a
 * whitespace-preceded ';' or '#', so such paths are refused.
 */
export function commandLine(argv: string[], platform: NodeJS.Platform = process.platform): string {
  const line = argv
    .map((arg) => (platform === 'win32' ? windowsArgument(arg) : arg.replace(/[^\w@%+=:,./-]/gu, (c) => `\\${c}`)))
    .join(' ');
  if (/\s[;#]/.test(line) || /[\r\n]/.test(line) || (platform === 'win32' && argv.some((arg) => arg.includes('"')))) {
    throw new UserError(
      `The credential helper's path cannot be written into an AWS config file: install VS Code in a folder without ';', '#' or quotes in its path.`,
      'UnsupportedHelperPath',
    );
  }
  return line;
}

const windowsArgument = (arg: string): string => (/^[\w@%+=:,./\\-]+$/.test(arg) ? arg : `"${arg}"`);

/**
 * The person's config without credential material: credential lines, commented-out ones too, (and their
 * indented continuation lines, which would hold a value split across lines) and any earlier `[profile iam-switchboard]` section are dropped;
 * everything else is kept verbatim.
 */
export function withoutCredentials(text: string): string {
  const kept: string[] = [];
  let inOurSection = false;
  let dropping = false;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (/^\[.*\]$/.test(trimmed)) {
      inOurSection =
        trimmed
          .slice(1, -1)
          .trim()
          .replace(/^profile\s+/, '') === TERMINAL_PROFILE;
      dropping = false;
    } else if (dropping && /^\s/.test(line) && trimmed !== '') {
      continue;
    } else {
      dropping = isCredentialLine(trimmed);
    }
    if (!inOurSection && !dropping) {
      kept.push(line);
    }
  }
  return kept.join('\n').replace(/\s*$/, '\n');
}

/** `key = value` or `key: value` (botocore's parser takes both), commented out or not: a secret either way. */
function isCredentialLine(trimmed: string): boolean {
  const match = /^[#;]*\s*([^=:\s]+)\s*[=:]/.exec(trimmed);
  return match !== null && CREDENTIAL_KEYS.has(match[1].toLowerCase());
}

/**
 * The generated file's text. A person's config the AWS CLI refuses (one line it cannot parse) would make every
 * terminal fail "Unable to parse config file": it is left out then, and the file holds our profile alone.
 */
export function terminalConfigText(personConfig: string, command: string, region: string): string {
  const rejected = cliRejectedLines(personConfig)[0];
  const kept = rejected
    ? `# Your AWS config is left out: the AWS CLI refuses it (line ${rejected.line}). Fix that line and it is copied here again.`
    : withoutCredentials(personConfig).trimEnd();
  return [
    kept,
    '',
    '# Written by IAM Switchboard for VS Code terminals; rewritten on every role switch. Holds no secret.',
    `[profile ${TERMINAL_PROFILE}]`,
    `credential_process = ${command}`,
    `region = ${region}`,
    '',
  ]
    .join('\n')
    .replace(/^\n+/, '');
}

interface TerminalProfileOptions {
  /** A folder of ours (VS Code's globalStorage). */
  folder: string;
  /** The person's config file (AWS_CONFIG_FILE or ~/.aws/config); a missing file is an empty config. */
  personConfigPath: string;
  /** From helperCommand(). */
  command: string[];
  region: string;
  /** See terminalConfigPath. */
  windowKey?: string;
  platform?: NodeJS.Platform;
}

/**
 * One file per window: globalStorage is shared by every window, and each window has its own region. Key it by
 * something that stays the same across a reload of the window (the endpoint's port), as the environment must.
 */
export function terminalConfigPath(folder: string, windowKey?: string): string {
  return path.join(folder, windowKey ? `${FILE_NAME}-${windowKey.replace(/[^\w-]/g, '_')}` : FILE_NAME);
}

/** For a window that closes: its file goes (a missing one is fine). */
export async function removeTerminalProfile(folder: string, windowKey?: string): Promise<void> {
  await fs.rm(terminalConfigPath(folder, windowKey), { force: true });
}

/** The write in progress per file: writes run one after another, in the order they were asked for. */
const writing = new Map<string, Promise<string>>();

/**
 * Writes the generated config (mode 0600) atomically, so a terminal never reads half a file. Returns its path.
 * Writes of one file are serialised: two changes in the same millisecond must leave the later one's region,
 * not whichever rename happened to land last.
 */
export function writeTerminalProfile(options: TerminalProfileOptions): Promise<string> {
  const target = terminalConfigPath(options.folder, options.windowKey);
  const next = (writing.get(target) ?? Promise.resolve(target)).then(
    () => writeNow(options),
    () => writeNow(options),
  );
  writing.set(target, next);
  const done = () => {
    if (writing.get(target) === next) writing.delete(target);
  };
  next.then(done, done);
  return next;
}

async function writeNow(options: TerminalProfileOptions): Promise<string> {
  if (!/^[a-z0-9-]+$/.test(options.region)) {
    throw new UserError(`'${options.region}' is not an AWS region: fix the region setting or the profile.`, 'InvalidRegion');
  }
  const text = terminalConfigText(
    await readPersonConfig(options.personConfigPath),
    commandLine(options.command, options.platform),
    options.region,
  );
  await fs.mkdir(options.folder, { recursive: true, mode: 0o700 });
  const target = terminalConfigPath(options.folder, options.windowKey);
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw new UserError(
      `Could not write the terminals' AWS config in ${options.folder}: check that the folder is writable.`,
      'ProfileWriteFailed',
      (error as NodeJS.ErrnoException).code,
    );
  }
  return target;
}

async function readPersonConfig(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return '';
    }
    throw new UserError(
      `Could not read ${file} to build the terminals' AWS config: check its permissions.`,
      'UnreadableConfig',
      (error as NodeJS.ErrnoException).code,
    );
  }
}
